-- ardour7-lua make_session.lua DIR PLUGIN_URI: a new Ardour session in DIR
-- (session "take", 48 kHz) with one mono track "voice" and PLUGIN_URI on
-- it, saved. The take itself goes in with the session file
-- (test_ardour_export.sh): Ardour's Lua has no import without its GUI.
local dir, uri = arg[1], arg[2]
AudioEngine:set_backend("None (Dummy)", "", "")
local s = create_session(dir, "take", 48000)
assert(s, "cannot create the session")
local t = s:new_audio_track(1, 2, nil, 1, "voice", ARDOUR.PresentationInfo.max_order,
                            ARDOUR.TrackMode.Normal, true):front()
local p = ARDOUR.LuaAPI.new_plugin(s, uri, ARDOUR.PluginType.LV2, "")
assert(not p:isnil(), "no plugin " .. uri)
assert(t:add_processor_by_index(p, 0, nil, true) == 0, "cannot add the plugin")
s:save_state("", false, false, false, false, false)
close_session()
print("made")

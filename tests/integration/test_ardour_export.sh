#!/usr/bin/env bash
# Ardour's export of a take through ssm-denoise equals ssm-render of the
# same take (issue 14; it differed by a -21 dB residual). Ardour 7,
# headless: ardour7-lua makes a session with a mono track and ssm-denoise
# on it, the take (silence, the noisy example, silence, as a recording is)
# goes on the track as a region, ardour7-export renders the session
# (freewheeling, with Ardour's latency probe and pre-roll), and ssm-render
# renders the take file. The export's master channel must be the render
# times Ardour's -3 dB pan law, sample for sample.
# Usage: test_ardour_export.sh SSM_RENDER BADFILE LUA_SCRIPT TAKE_SOURCE
set -uo pipefail
render=$1 bad=$2 script=$3 source=$4
for tool in ardour7-lua ardour7-export sox soxi; do
  command -v "$tool" > /dev/null || { echo "FAIL $tool is not installed (tools/scripts/debian-packages.txt)"; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
trap 'exit 1' INT TERM
# Ardour keeps its configuration and plugin cache here, not in ~.
export HOME=$t/home XDG_CONFIG_HOME=$t/home/.config XDG_CACHE_HOME=$t/home/.cache
mkdir -p "$HOME"
fails=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}

# The take, float as Ardour records: 13840 frames of silence (the
# transport rolled before the singer began), the noisy example, 0.5 s.
sox -n -r 48000 -c 1 -e floating-point -b 32 "$t/lead.wav" trim 0 13840s
sox -n -r 48000 -c 1 -e floating-point -b 32 "$t/tail.wav" trim 0 24000s
sox "$t/lead.wav" "$source" "$t/tail.wav" -e floating-point -b 32 "$t/take.wav"
timeout 120 ardour7-lua "$script" "$t/session" http://ssmaudio.org/plugins/denoise \
  > "$t/make.log" 2>&1
rc=$?
[ "$rc" -eq 0 ] || grep -v -E '^\[WARNING\]' "$t/make.log" | tail -10
check "ardour7-lua made a session with ssm-denoise on a mono track (exit $rc)" \
  sh -c "test $rc -eq 0 && grep -q '^made' '$t/make.log'"

# The take as a region over the whole session: a source file in the
# session's audiofiles, a whole-file region, a region on the track's
# playlist, and the session range. Time is in superclock ticks, 5880 per
# frame at 48 kHz (282240000 a second).
cp "$t/take.wav" "$t/session/interchange/session/audiofiles/take.wav"
sc=$(($(soxi -s "$t/take.wav") * 5880))
region="muted=\"0\" opaque=\"1\" locked=\"0\" video-locked=\"0\" automatic=\"0\" import=\"0\"
 external=\"0\" sync-marked=\"0\" left-of-split=\"0\" right-of-split=\"0\" hidden=\"0\"
 position-locked=\"0\" valid-transients=\"0\" start=\"a0\" length=\"a$sc@a0\" sync-position=\"a0\"
 ancestral-start=\"a0\" ancestral-length=\"a0@a0\" stretch=\"1\" shift=\"1\" layering-index=\"0\"
 tags=\"\" contents=\"0\" envelope-active=\"0\" default-fade-in=\"0\" default-fade-out=\"0\"
 fade-in-active=\"1\" fade-out-active=\"1\" scale-amplitude=\"1\" type=\"audio\"
 first-edit=\"nothing\" source-0=\"900001\" master-source-0=\"900001\" channels=\"1\""
region=$(echo "$region" | tr '\n' ' ')
sed -i \
  -e 's|<Sources/>|<Sources><Source name="take.wav" type="audio" flags="" id="900001" natural-position="a0" captured-for="voice" channel="0" origin="" gain="1"/></Sources>|' \
  -e "s|<Regions/>|<Regions><Region name=\"take\" whole-file=\"1\" id=\"900002\" $region/></Regions>|" \
  -e "s|<Locations/>|<Locations><Location id=\"900004\" name=\"session\" start=\"a0\" end=\"a$sc\" flags=\"IsSessionRange\" locked=\"0\" timestamp=\"0\" cue=\"0\"/></Locations>|" \
  -e "s|\(<Playlist [^>]*name=\"voice\"[^>]*\)/>|\1><Region name=\"take.1\" whole-file=\"0\" id=\"900003\" $region/></Playlist>|" \
  "$t/session/take.ardour"
check "the take is on the track" test "$(grep -c 'source-0="900001"' "$t/session/take.ardour")" -eq 2

# Debian's ardour7-export (7.3) now and then corrupts its heap in its own
# export-channel code (~PortExportChannel: "free(): invalid next size",
# "double free"), with or without any plugin in the session, and aborts:
# such a run is run again. Only a run that exits 0 counts.
for attempt in $(seq 10); do
  rm -f "$t/export.wav"
  timeout 300 ardour7-export -b float -o "$t/export.wav" "$t/session" take > "$t/export.log" 2>&1
  rc=$?
  [ "$rc" -eq 0 ] && break
  echo "   ardour7-export run $attempt: exit $rc ($(grep -o -E '(double free|free\(\)|corrupt)[^.]*' "$t/export.log" | head -1))"
done
[ "$rc" -eq 0 ] || grep -v -E '^\[WARNING\]' "$t/export.log" | tail -10
check "ardour7-export rendered the session (exit $rc)" test "$rc" -eq 0
"$render" -q -p http://ssmaudio.org/plugins/denoise "$t/take.wav" -o "$t/render.wav"
check "ssm-render rendered the take" test -s "$t/render.wav"
# The mono track reaches the stereo master through Ardour's panner, at its
# -3 dB pan law on each side.
check "Ardour's export = ssm-render of the take x 10^(-3/20)" \
  "$bad" match "$t/export.wav" "$t/render.wav" 0.70794576 1e-5
echo "test_ardour_export: $fails failed"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# The PipeWire virtual microphone (pipewire/*.conf, issue 11), headless and
# for real: a private D-Bus session bus, PipeWire 0.3.65 and WirePlumber
# 0.4.13 with our drop-in in a scratch HOME, the ssmaudio.lv2 bundle in that
# HOME's ~/.lv2, a stand-in microphone (a null-audio-sink of class
# Audio/Source/Virtual), the clip played into it with pw-play, and the
# virtual microphone recorded with pw-record.
#
# The plugin's output depends on its whole input history, so the recorder
# taps the stand-in microphone (what the filter received) on the same
# stream, in the same graph cycles, as the virtual microphone. The
# recording must equal ssm-render's offline render of that history (the
# plugin's other form), delayed by exactly the plugin's latency as
# ssm-render reports it (PipeWire 0.3.65 reports none for the filter, and
# filter-chain exposes no output controls to read it from).
# vmic_check.c says how the history is found and when a run is void.
#
# Runs: 48 kHz mono with the drop-in's controls; the same after `pw-cli
# set-param ... Props` lowers the reduction limit; the virtual microphone
# made the default source (filter pinned to the microphone); the stereo
# drop-in; a
# 44.1 kHz graph. Then the missing-bundle case: with `nofail` the daemon
# survives without the virtual microphone, without it the daemon exits.
#
# Usage: test_pipewire_vmic.sh SSM_RENDER VMIC_CHECK BUNDLE DROPIN_DIR CLIP
set -u
render=$1 check=$2 bundle=$3 dropins=$4 clip=$5
q=1024    # the graph's quantum, fixed so the player and recorder match it
tol=5e-5  # streaming vs offline form of a float32 network; see README
attempts=5
# pw-cat (0.3.65) moves audio in its main thread, not the real-time one:
# give both clients real-time priority (below the daemon's 88), as a
# real-time audio application has, so a loaded machine rarely makes them
# miss a cycle. A miss is detected and the run repeated.
rt="chrt -f 70"

for tool in chrt dbus-daemon pipewire wireplumber wpctl pw-cli pw-link pw-play pw-record sox; do
  command -v "$tool" > /dev/null || { echo "FAIL $tool is not installed (tools/debian-packages.txt)"; exit 1; }
done
t=$(mktemp -d /tmp/ssm-pipewire.XXXXXX)
pids=()  # daemons of the running session, newest last
dbus_pid=""
stop_session() {
  local i
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2> /dev/null && wait "${pids[i]}" 2> /dev/null
  done
  pids=()
  [ -n "$dbus_pid" ] && kill "$dbus_pid" 2> /dev/null
  dbus_pid=""
}
cleanup() {
  [ -n "${rec_pid:-}" ] && kill "$rec_pid" 2> /dev/null
  [ -n "${play_pid:-}" ] && kill "$play_pid" 2> /dev/null
  stop_session
  rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# start_session NAME RATE CHANNELS DROPIN [LV2DIR]: a fresh HOME, bus and
# daemons; LV2DIR (default: HOME/.lv2 with our bundle) is the daemon's
# LV2_PATH. The stand-in microphone is the default source (its
# priority.session beats the virtual one), so WirePlumber links the
# filter's capture to it as it would link a real microphone.
start_session() {
  local name=$1 rate=$2 nch=$3 dropin=$4 lv2dir=${5:-}
  home=$t/sessions/$name
  mkdir -p "$home/.config/pipewire/pipewire.conf.d" "$home/.config/wireplumber/main.lua.d" \
    "$home/.config/wireplumber/bluetooth.lua.d" "$home/run" "$home/.lv2"
  chmod 700 "$home/run"
  [ -z "$lv2dir" ] && cp -rL "$bundle" "$home/.lv2/" && lv2dir=$home/.lv2
  local pos="MONO"
  [ "$nch" -eq 2 ] && pos="FL FR"
  cat > "$home/.config/pipewire/pipewire.conf.d/00-ssmtest-mic.conf" << EOF
context.properties = {
  default.clock.rate = $rate
  default.clock.allowed-rates = [ $rate ]
  default.clock.quantum = $q
  default.clock.min-quantum = $q
  default.clock.max-quantum = $q
}
context.objects = [
  { factory = adapter
    args = {
      factory.name = support.null-audio-sink
      node.name = "ssmtest_mic"
      node.description = "Stand-in microphone"
      media.class = "Audio/Source/Virtual"
      audio.position = [ $pos ]
      priority.session = 3000
      object.linger = true
    }
  }
]
EOF
  cp "$dropin" "$home/.config/pipewire/pipewire.conf.d/"
  # No hardware monitors: the test sees only its own nodes.
  printf 'alsa_monitor.enabled = false\nv4l2_monitor.enabled = false\nlibcamera_monitor.enabled = false\n' \
    > "$home/.config/wireplumber/main.lua.d/51-ssmtest.lua"
  printf 'bluez_monitor.enabled = false\n' > "$home/.config/wireplumber/bluetooth.lua.d/51-ssmtest.lua"
  export HOME=$home XDG_CONFIG_HOME=$home/.config XDG_RUNTIME_DIR=$home/run \
    XDG_STATE_HOME=$home/.local/state XDG_DATA_HOME=$home/.local/share LV2_PATH=$lv2dir
  unset PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR PULSE_SERVER
  dbus-daemon --session --fork --address="unix:path=$home/run/bus" --print-pid=1 > "$home/dbus.pid" ||
    { echo "dbus-daemon did not start"; return 1; }
  dbus_pid=$(cat "$home/dbus.pid")
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$home/run/bus"
  pipewire > "$home/pipewire.log" 2>&1 &
  pids+=($!)
  local i
  for i in $(seq 100); do
    [ -S "$home/run/pipewire-0" ] && break
    kill -0 "${pids[0]}" 2> /dev/null || break
    sleep 0.1
  done
  [ -S "$home/run/pipewire-0" ] || { echo "pipewire did not start:"; tail -20 "$home/pipewire.log"; return 1; }
  wireplumber > "$home/wireplumber.log" 2>&1 &
  pids+=($!)
}

# node_id NAME: the id of the node called NAME, or nothing.
node_id() {
  pw-cli ls Node 2> /dev/null | awk -v n="node.name = \"$1\"" '
    /^\tid [0-9]+,/ { id = $2; sub(",", "", id) } index($0, n) { print id; exit }'
}

# wait_linked OUT IN: until WirePlumber has linked port OUT to IN (15 s).
wait_linked() {
  local i
  for i in $(seq 150); do
    pw-link -l 2> /dev/null | grep -A20 "^$1\$" | sed -n '2,$p' | sed '/^[^ ]/,$d' | grep -q "|-> $2\$" && return 0
    sleep 0.1
  done
  return 1
}

# links_active NODE: how many links into node NAME are active.
links_active() {
  local id ids l n=0
  id=$(node_id "$1")
  [ -n "$id" ] || { echo 0; return; }
  ids=$(pw-cli ls Link 2> /dev/null | awk -v n="link.input.node = \"$id\"" '
    /^\tid [0-9]+,/ { l = $2; sub(",", "", l) } index($0, n) { print l }')
  for l in $ids; do
    pw-cli info "$l" 2> /dev/null | grep -q 'state: "active"' && n=$((n + 1))
  done
  echo $n
}

# link_all NODE PAIRS...: link OUT IN pairs (all into node NODE), retrying
# while the ports appear, then wait until they are all active: data flows
# through each from then on.
link_all() {
  local node=$1 out in i ok n=0
  shift
  while [ $# -ge 2 ]; do
    out=$1 in=$2
    shift 2
    ok=0
    for i in $(seq 100); do
      pw-link "$out" "$in" 2> /dev/null && { ok=1; break; }
      sleep 0.05
    done
    [ "$ok" -eq 1 ] || { echo "cannot link $out -> $in"; return 1; }
    n=$((n + 1))
  done
  for i in $(seq 300); do # 15 s and more: each probe runs pw-cli
    [ "$(links_active "$node")" -ge "$n" ] && return 0
    sleep 0.05
  done
  echo "links into $node did not become active"
  return 1
}

# record_once VMIC NCH IN OUT: play IN into the stand-in microphone and
# record tap + virtual microphone into OUT.
record_once() {
  local vmic=$1 nch=$2 in=$3 out=$4 ports map
  if [ "$nch" -eq 1 ]; then
    ports=(MONO) map=FL,FR
  else
    ports=(FL FR) map=FL,FR,RL,RR
  fi
  local recin=(${map//,/ })
  rm -f "$out"
  $rt pw-record --target 0 --rate "$rate" --channels $((2 * nch)) --channel-map "$map" --format f32 \
    --latency "$q" -P '{ node.name = ssmtest_rec }' "$out" &
  rec_pid=$!
  local pairs=() i
  for ((i = 0; i < nch; i++)); do
    pairs+=("ssmtest_mic:capture_${ports[i]}" "ssmtest_rec:input_${recin[i]}")
  done
  for ((i = 0; i < nch; i++)); do
    pairs+=("$vmic:capture_${ports[i]}" "ssmtest_rec:input_${recin[nch + i]}")
  done
  link_all ssmtest_rec "${pairs[@]}" || return 1
  $rt pw-play --target 0 --latency "$q" -P '{ node.name = ssmtest_play }' "$in" &
  play_pid=$!
  pairs=()
  for ((i = 0; i < nch; i++)); do
    pairs+=("ssmtest_play:output_${ports[i]}" "ssmtest_mic:input_${ports[i]}")
  done
  link_all ssmtest_mic "${pairs[@]}" || return 1
  wait "$play_pid" || { echo "pw-play failed"; return 1; }
  play_pid=""
  sleep 0.3 # the plugin's latency and a cycle or two of tail
  kill -INT "$rec_pid"
  wait "$rec_pid"
  rec_pid=""
  [ -s "$out" ]
}

# check_vmic LABEL URI VMIC NCH IN [--set SYMBOL=VALUE]: record (again if
# a quantum was lost) and compare with the offline render.
check_vmic() {
  local label=$1 uri=$2 vmic=$3 nch=$4 in=$5
  shift 5
  local d=$t/runs/$label a rc lat
  for a in $(seq $attempts); do
    rm -rf "$d"
    mkdir -p "$d/hist" "$d/ref"
    record_once "$vmic" "$nch" "$in" "$d/rec.wav" || { fail "$label: recording failed"; return; }
    "$check" prepare "$d/rec.wav" "$in" "$q" "$d/hist"
    rc=$?
    [ "$rc" -eq 3 ] && { echo "$label: attempt $a lost a quantum; recording again"; continue; }
    [ "$rc" -eq 0 ] || { fail "$label: vmic_check prepare exit $rc"; return; }
    lat=$("$render" -v -j 1 "$@" -p "$uri" "$in" -o "$d/latency.wav" 2>&1 |
      sed -n "s|.*<$uri> latency \([0-9]*\) frames.*|\1|p")
    [ -n "$lat" ] || { fail "$label: ssm-render reports no latency for $uri"; return; }
    "$render" -q -j 2 "$@" -p "$uri" "$d"/hist/*.wav -o "$d/ref" > /dev/null ||
      { fail "$label: ssm-render failed"; return; }
    echo "$label: plugin latency $lat frames at $rate Hz (ssm-render)"
    "$check" compare "$d/rec.wav" "$in" "$q" "$lat" "$tol" "$d/ref"
    rc=$?
    [ "$rc" -eq 3 ] && { echo "$label: attempt $a lost a quantum; recording again"; continue; }
    if [ "$rc" -ne 0 ]; then
      fail "$label: no match"
      # SSM_TEST_KEEP=DIR keeps a failed run's recording and renders there.
      [ -n "${SSM_TEST_KEEP:-}" ] && mkdir -p "$SSM_TEST_KEEP" && cp -r "$d" "$SSM_TEST_KEEP/" &&
        cp "$in" "$SSM_TEST_KEEP/$label/"
    fi
    return
  done
  fail "$label: every one of $attempts attempts lost a quantum"
}

# The clip: 3 s of the bundled noisy speech, float (so nothing is
# quantised on the way), at each graph rate so pw-play need not resample,
# a whole number of quanta long (pw-play 0.3.65 drops a last partial one),
# after 12 quanta of silence: pw-play runs from its first link on, and its
# other channel's link may come a few cycles later.
sox "$clip" -e floating-point -b 32 "$t/clip48.wav" trim 0 $((140 * q))s pad $((12 * q))s || exit 1
sox "$clip" -e floating-point -b 32 -r 44100 "$t/clip44full.wav" || exit 1
sox "$t/clip44full.wav" "$t/clip44.wav" trim 0 $((129 * q))s pad $((12 * q))s || exit 1
sox "$t/clip48.wav" "$t/clip48s.wav" remix 1 1v-0.5 || exit 1 # two different sides

mono=$dropins/ssm-denoise-mic.conf
stereo=$dropins/ssm-denoise-mic-stereo.conf
uri=http://ssmaudio.org/plugins/denoise

# 48 kHz, mono: the drop-in's controls, then the limit changed at run time.
rate=48000
if start_session mono48 $rate 1 "$mono" || ! fail "mono48 session"; then
  wait_linked ssmtest_mic:capture_MONO capture.ssm_denoise_mic:input_MONO ||
    fail "WirePlumber did not link the filter to the default microphone"
  check_vmic mono48 $uri ssm_denoise_mic 1 "$t/clip48.wav"
  id=$(node_id capture.ssm_denoise_mic)
  pw-cli set-param "$id" Props '{ params = [ "ssm:limit" 12.0 ] }' > /dev/null
  pw-cli enum-params "$id" Props | grep -A1 '"ssm:limit"' | grep -q 'Float 12.0' ||
    fail "pw-cli set-param did not change ssm:limit"
  check_vmic mono48-limit12 $uri ssm_denoise_mic 1 "$t/clip48.wav" --set limit=12
fi
stop_session

# The README's way to make the virtual microphone the default source: pin
# the filter to the microphone first (target.object in capture.props, else
# WirePlumber 0.4.13 leaves the filter unlinked once its own output is the
# default). WirePlumber remembers the default and on its next start must
# still feed the filter from the microphone.
sed 's|^\( *\)node.passive = true|&\n\1target.object = "ssmtest_mic"|' "$mono" > "$t/pinned.conf"
if start_session pinned $rate 1 "$t/pinned.conf" || ! fail "pinned session"; then
  wait_linked ssmtest_mic:capture_MONO capture.ssm_denoise_mic:input_MONO ||
    fail "WirePlumber did not link the pinned filter to the microphone"
  wpctl set-default "$(node_id ssm_denoise_mic)" || fail "wpctl set-default failed"
  for i in $(seq 50); do # WirePlumber saves its state a moment later
    grep -qs 'audio.source=ssm_denoise_mic' "$XDG_STATE_HOME/wireplumber/default-nodes" && break
    sleep 0.1
  done
  grep -qs 'audio.source=ssm_denoise_mic' "$XDG_STATE_HOME/wireplumber/default-nodes" ||
    fail "wpctl set-default did not make the virtual microphone the default source"
  kill "${pids[1]}" && wait "${pids[1]}" 2> /dev/null
  wireplumber > "$HOME/wireplumber-2.log" 2>&1 &
  pids[1]=$!
  if wait_linked ssmtest_mic:capture_MONO capture.ssm_denoise_mic:input_MONO; then
    echo "pinned filter, virtual microphone as the default source: fed by the microphone"
  else
    fail "with the virtual microphone as default, the pinned filter is not fed by the microphone"
  fi
fi
stop_session

# 48 kHz, the stereo drop-in on a stereo microphone.
if start_session stereo48 $rate 2 "$stereo" || ! fail "stereo48 session"; then
  wait_linked ssmtest_mic:capture_FL capture.ssm_denoise_mic_stereo:input_FL ||
    fail "WirePlumber did not link the stereo filter to the default microphone"
  check_vmic stereo48 $uri-stereo ssm_denoise_mic_stereo 2 "$t/clip48s.wav"
fi
stop_session

# A 44.1 kHz graph: the plugin runs at 44.1 kHz (the denoiser resamples
# to its model's 48 kHz inside, and reports the larger latency).
rate=44100
if start_session mono44 $rate 1 "$mono" || ! fail "mono44 session"; then
  wait_linked ssmtest_mic:capture_MONO capture.ssm_denoise_mic:input_MONO ||
    fail "WirePlumber did not link the filter at 44.1 kHz"
  check_vmic mono44 $uri ssm_denoise_mic 1 "$t/clip44.wav"
fi
stop_session

# No bundle on the daemon's LV2 path: with nofail PipeWire keeps running
# (the stand-in microphone is there, the virtual one is not); without it
# the daemon exits, which is why the drop-ins carry the flag.
rate=48000
mkdir -p "$t/empty-lv2"
if start_session nobundle $rate 1 "$mono" "$t/empty-lv2" || ! fail "nobundle session"; then
  for i in $(seq 50); do [ -n "$(node_id ssmtest_mic)" ] && break; sleep 0.1; done
  sleep 1
  kill -0 "${pids[0]}" 2> /dev/null || fail "pipewire exited although the drop-in has nofail"
  [ -n "$(node_id ssmtest_mic)" ] || fail "no stand-in microphone without the bundle"
  [ -z "$(node_id ssm_denoise_mic)" ] || fail "a virtual microphone without its plugin"
  grep -q "ssmaudio.org/plugins/denoise" "$HOME/pipewire.log" ||
    fail "pipewire's log does not name the missing plugin"
  echo "no bundle, nofail: pipewire runs on; its log: $(grep -m1 -i 'plugin' "$HOME/pipewire.log")"
fi
stop_session
# The same HOME and bus, the drop-in without its flag, pipewire alone.
sed '/flags = \[ nofail \]/d' "$mono" > "$HOME/.config/pipewire/pipewire.conf.d/ssm-denoise-mic.conf"
dbus-daemon --session --fork --address="unix:path=$HOME/run/bus" --print-pid=1 > "$HOME/dbus.pid" &&
  dbus_pid=$(cat "$HOME/dbus.pid")
timeout 20 pipewire > "$HOME/pipewire-nonofail.log" 2>&1
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 124 ]; then
  fail "without nofail pipewire should exit on a missing plugin (exit $rc)"
else
  echo "no bundle, no nofail: pipewire exited with status $rc"
fi
stop_session

echo "test_pipewire_vmic: $fails failed"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# ssm-live on PortAudio's JACK host API with a real jackd (dummy driver),
# started and stopped by this script by PID (issue 14):
#  1. --block equal to the server's period: the callback gets JACK's own
#     buffers. Measured in the JACK graph (jack_metro into ssm-live and into
#     jack_rec, ssm-live's output into jack_rec): ssm-live adds exactly the
#     test plugin's 10 frames, no PortAudio adaptation block. Ctrl-C stops
#     it cleanly.
#  2. jackd killed mid-stream: "audio device lost", exit 1, within seconds.
#  3. jackd frozen (SIGSTOP): no callbacks come; ssm-live says the device
#     is lost and exits, and Ctrl-C while it is frozen never hangs.
# Usage: test_live_jack.sh SSM_LIVE BADFILE
set -uo pipefail
live=$(realpath "$1") bad=$(realpath "$2")
plug="urn:ssmaudio:test:delay:Half"
# One fixed server name and a lock shared with tests/plugins/jalv.sh: a
# jackd that dies hard leaves its entry in JACK's server registry, which
# holds only a few names; reusing the name reclaims it.
export JACK_DEFAULT_SERVER=ssmaudio-test
exec 9> /tmp/ssmaudio-jack-test.lock
flock -w 300 9 || { echo "FAIL: another run holds /tmp/ssmaudio-jack-test.lock"; exit 1; }
export JACK_NO_AUDIO_RESERVATION=1
# PortAudio loads host-API libraries that leak at exit (see test_live.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
t=$(mktemp -d)
jackd_pid= live_pid= metro_pid=
cleanup() {
  [ -n "$live_pid" ] && kill -9 "$live_pid" 2> /dev/null
  [ -n "$metro_pid" ] && kill -9 "$metro_pid" 2> /dev/null
  if [ -n "$jackd_pid" ]; then
    kill -CONT "$jackd_pid" 2> /dev/null
    kill -TERM "$jackd_pid" 2> /dev/null
    for _ in $(seq 50); do kill -0 "$jackd_pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$jackd_pid" 2> /dev/null
  fi
  wait 2> /dev/null
  rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fails=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
start_jackd() {
  jackd -r -d dummy -r 48000 -p 256 > "$t/jackd.log" 2>&1 &
  jackd_pid=$!
  for _ in $(seq 100); do jack_lsp > /dev/null 2>&1 && return 0; sleep 0.1; done
  cat "$t/jackd.log"
  echo "FAIL: jackd did not start"
  exit 1
}
stop_jackd() {
  kill -TERM "$jackd_pid" 2> /dev/null
  for _ in $(seq 50); do kill -0 "$jackd_pid" 2> /dev/null || break; sleep 0.1; done
  kill -9 "$jackd_pid" 2> /dev/null
  wait "$jackd_pid" 2> /dev/null
  jackd_pid=
}
start_live() { # start_live LOG: ssm-live on JACK's system ports, up when its ports are
  # A background job of a script starts with SIGINT ignored; Ctrl-C on a
  # terminal is not, so give it back its default.
  env --default-signal=INT "$live" -q -p "$plug" --in system --out system --rate 48000 \
    --block 256 > "$1" 2>&1 &
  live_pid=$!
  for _ in $(seq 100); do
    jack_lsp 2> /dev/null | grep -q '^PortAudio:out_0' && return 0
    sleep 0.1
  done
  cat "$1"
  echo "FAIL: ssm-live's JACK ports did not appear"
  exit 1
}
wait_live() { # wait_live SECONDS: ssm-live's exit status in $rc (999: still running, killed)
  local n=$(($1 * 20))
  for _ in $(seq "$n"); do kill -0 "$live_pid" 2> /dev/null || break; sleep 0.05; done
  if kill -0 "$live_pid" 2> /dev/null; then
    kill -9 "$live_pid"
    wait "$live_pid" 2> /dev/null
    rc=999
  else
    wait "$live_pid"
    rc=$?
  fi
  live_pid=
}
since() { # since START: whole seconds elapsed
  echo $(($(date +%s) - $1))
}

# 1. The server's period, end to end through the JACK graph.
start_jackd
jack_metro -b 240 -f 660 -A 0.5 -D 10 -n metro > "$t/metro.log" 2>&1 &
metro_pid=$!
for _ in $(seq 50); do jack_lsp 2> /dev/null | grep -q '^metro:' && break; sleep 0.1; done
start_live "$t/l1.log"
jack_connect metro:240_bpm PortAudio:in_0 || echo "FAIL: cannot connect the metronome"
sleep 0.3
timeout 30 jack_rec -f "$t/rec.wav" -d 1 metro:240_bpm PortAudio:out_0 > "$t/rec.log" 2>&1 ||
  { cat "$t/rec.log"; echo "FAIL: jack_rec"; fails=$((fails + 1)); }
kill -INT "$live_pid"
s0=$(date +%s)
wait_live 10
grep -v '^ALSA' "$t/l1.log"
check "--block 256 on a 256-frame JACK server: its period is used" \
  grep -q "block 256 (the JACK period: the server's buffers, no adaptation)" "$t/l1.log"
check "ssm-live adds exactly the plugin's 10 frames in the JACK graph (no extra block)" \
  "$bad" lag "$t/rec.wav" 2048 10
check "Ctrl-C on JACK: exit 0 with the summary, within 5 s (rc $rc, $(since "$s0") s)" \
  sh -c "test $rc -eq 0 && test $(since "$s0") -le 5 && grep -q 'frames (.*) processed' '$t/l1.log'"
kill -9 "$metro_pid" 2> /dev/null
wait "$metro_pid" 2> /dev/null
metro_pid=

# 2. The server dies mid-stream.
start_live "$t/l2.log"
sleep 1
kill -9 "$jackd_pid"
s0=$(date +%s)
wait "$jackd_pid" 2> /dev/null
jackd_pid=
wait_live 20
el=$(since "$s0")
grep -v '^ALSA' "$t/l2.log"
check "jackd killed: ssm-live exits 1 within 5 s (rc $rc, $el s)" \
  sh -c "test $rc -eq 1 && test $el -le 5"
check "jackd killed: it says the audio device is lost, and why" \
  grep -q "ssm-live: audio device lost: .*(the JACK server went away)" "$t/l2.log"
check "jackd killed: the summary is still printed" grep -q "frames (.*) processed" "$t/l2.log"
check "jackd killed: no abort in PortAudio" sh -c "! grep -q -i 'assert' '$t/l2.log'"

# 3. The server freezes: no callback, no shutdown notice.
start_jackd
start_live "$t/l3.log"
sleep 1
kill -STOP "$jackd_pid"
s0=$(date +%s)
wait_live 20
el=$(since "$s0")
grep -v '^ALSA' "$t/l3.log"
check "jackd frozen: ssm-live exits 1 within 5 s (rc $rc, $el s)" \
  sh -c "test $rc -eq 1 && test $el -le 5"
check "jackd frozen: it says no audio came" \
  grep -q "ssm-live: audio device lost: no audio from it for" "$t/l3.log"
kill -CONT "$jackd_pid"
stop_jackd
start_jackd
start_live "$t/l4.log"
sleep 1
kill -STOP "$jackd_pid"
kill -INT "$live_pid"
s0=$(date +%s)
wait_live 20
el=$(since "$s0")
grep -v '^ALSA' "$t/l4.log"
check "Ctrl-C while jackd is frozen: ssm-live never hangs on stop (rc $rc, $el s)" \
  sh -c "test $rc -ne 999 && test $rc -ne 0 && test $el -le 5"
check "Ctrl-C while jackd is frozen: it says the stream did not stop" \
  grep -q "ssm-live: audio device lost: the .* stream did not stop within 2 s" "$t/l4.log"
kill -CONT "$jackd_pid"
stop_jackd

echo "test_live_jack: $fails failed"
[ "$fails" -eq 0 ]

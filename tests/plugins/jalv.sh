#!/usr/bin/env bash
# A real-time host, headless: jackd with its dummy driver (no sound card),
# jack_metro as the source, jalv hosting each plugin, jack_rec recording
# its output. Passes when every plugin instantiates in jalv, its ports
# appear in the JACK graph, and one second of its output is finite and not
# silent (so run() really processed the metronome's clicks).
# Usage: jalv.sh WAVTOOL LV2_PATH
set -uo pipefail
wavtool=$1
export LV2_PATH=$2:/usr/lib/lv2
# One fixed server name: a jackd that dies hard leaves its entry in JACK's
# server registry (/dev/shm), which holds only a few names; reusing the
# name reclaims the entry. The lock keeps two test runs off the same server.
export JACK_DEFAULT_SERVER=ssmaudio-test
exec 9>/tmp/ssmaudio-jack-test.lock
flock -w 120 9 || { echo "FAIL: another run holds /tmp/ssmaudio-jack-test.lock"; exit 1; }
export JACK_NO_AUDIO_RESERVATION=1
tmp=$(mktemp -d)
# In the ASan build the hosts must load the sanitizer runtimes first (see
# tests/plugins/meson.build); they are not ours, so their leaks are not
# reported.
host() {
  if [ -n "${SSM_HOST_PRELOAD:-}" ]; then
    LD_PRELOAD="$SSM_HOST_PRELOAD" ASAN_OPTIONS=detect_leaks=0 "$@"
  else
    "$@"
  fi
}
pids=()
jackd_pid=
# Clients die hard (jack_metro ignores SIGTERM); jackd is asked to stop.
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  if [ -n "$jackd_pid" ]; then
    kill -TERM "$jackd_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$jackd_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$jackd_pid" 2>/dev/null
  fi
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

jackd -r -d dummy -r 48000 -p 256 >"$tmp/jackd.log" 2>&1 &
jackd_pid=$!
for _ in $(seq 50); do jack_lsp >/dev/null 2>&1 && break; sleep 0.1; done
jack_lsp >/dev/null 2>&1 || { cat "$tmp/jackd.log"; echo "FAIL: jackd did not start"; exit 1; }
jack_metro -b 240 -f 660 -A 0.5 -D 10 -n metro >"$tmp/metro.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do jack_lsp 2>/dev/null | grep -q '^metro:' && break; sleep 0.1; done

fail=0
B=http://ssmaudio.org/plugins
for name in resonator reverb denoise denoise-stereo model; do
  client="jalv_${name//-/_}"
  # jalv reads commands from stdin and quits at its end: keep it open.
  host jalv -n "$client" -x "$B/$name" < <(sleep 20) >"$tmp/$name.log" 2>&1 &
  jpid=$!
  pids+=($jpid)
  ok=0
  for _ in $(seq 60); do
    jack_lsp 2>/dev/null | grep -q "^$client:out" && { ok=1; break; }
    sleep 0.1
  done
  echo "== $name in jalv (client $client)"
  sed 's/^/   jalv: /' "$tmp/$name.log" | head -12
  if [ "$ok" -ne 1 ]; then
    echo "FAIL $name: no JACK ports appeared"; fail=1; continue
  fi
  ins=$(jack_lsp 2>/dev/null | grep "^$client:in")
  outs=$(jack_lsp 2>/dev/null | grep "^$client:out")
  echo "   ports: $(echo $ins $outs)"
  for p in $ins; do
    jack_connect metro:240_bpm "$p" || { echo "FAIL $name: cannot connect $p"; fail=1; }
  done
  sleep 0.2
  # shellcheck disable=SC2086
  timeout 30 jack_rec -f "$tmp/$name.wav" -d 1 $outs >"$tmp/rec.log" 2>&1 ||
    { cat "$tmp/rec.log"; echo "FAIL $name: jack_rec"; fail=1; }
  "$wavtool" check "$tmp/$name.wav" --nonsilent || fail=1
  kill "$jpid" 2>/dev/null
done
[ "$fail" -eq 0 ] && echo PASS
exit "$fail"

#!/usr/bin/env bash
# ssm-live for real, with no sound card: PortAudio's ALSA host API opens two
# virtual devices defined in a private ~/.asoundrc, both ALSA `file` PCMs
# over the `null` PCM. "ssmin" captures from a raw float32 file (infile),
# "ssmout" records what is played (file). The null PCM has no clock, so the
# stream runs faster than real time and --frames stops it. The check: the
# recording, after the stream's own latency, is exactly the test delay
# plugin's output (0.5 * input), and ssm-live reports latency and xruns.
# Usage: test_live.sh SSM_LIVE MAKE_TONE LIVE_CHECK
set -u
live=$1 tone=$2 check=$3
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat > "$t/.asoundrc" <<EOC
pcm.ssmin {
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "$t/in.raw"
    format "raw"
}
pcm.ssmout {
    type file
    slave.pcm "null"
    file "$t/out.raw"
    format "raw"
}
pcm.ssmsink {
    type file
    slave.pcm "null"
    file "/dev/null"
    format "raw"
}
EOC
"$tone" "$t/in.raw" 48000 1 1 rawf
fails=0
# PortAudio loads and unloads host-API libraries (JACK, ALSA plugins) that
# leak a few kB at exit; LeakSanitizer cannot name them once unloaded, so the
# ASan pass checks ssm-live for memory errors but not leaks (the engine and
# render tests check leaks in our own code).
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
HOME=$t "$live" -q -p "urn:ssmaudio:test:delay:Half" --in ssmin --out ssmout --rate 48000 \
  --block 256 --frames 96000 > "$t/log" 2>&1
rc=$?
grep ssm-live "$t/log"
[ "$rc" -eq 0 ] || { echo "FAIL ssm-live exit $rc"; cat "$t/log"; fails=$((fails + 1)); }
grep -q "xruns [0-9]*; plugin latency 10 frames" "$t/log" ||
  { echo "FAIL summary does not report xruns and the plugin's 10-frame latency"; fails=$((fails + 1)); }
"$check" "$t/out.raw" "$t/in.raw" 0.5 10 1e-7 || fails=$((fails + 1))
# Numbers are parsed strictly: a stop condition that cannot be met (junk,
# NaN, zero or negative) is a usage error, not a stream that runs forever.
for bad in "--duration abc" "--duration nan" "--duration -1" "--duration 0" "--frames -5" \
  "--frames 0" "--frames 10x" "--block 256x" "--rate 48k" "--channels 1.5"; do
  # shellcheck disable=SC2086
  HOME=$t timeout 10 "$live" -q -p "urn:ssmaudio:test:delay:Half" --in ssmin --out ssmsink \
    $bad > "$t/bad.log" 2>&1
  rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "${bad%% *}" "$t/bad.log"; then
    echo "ok   $bad: usage error naming the option"
  else
    echo "FAIL $bad: exit $rc (124: ran on until killed)"; head -3 "$t/bad.log"; fails=$((fails + 1))
  fi
done
HOME=$t "$live" --list-devices > "$t/devs" 2> /dev/null
grep -q ssmin "$t/devs" || { echo "FAIL --list-devices does not show ssmin"; fails=$((fails + 1)); }
echo "test_live: $fails failed"
[ "$fails" -eq 0 ]

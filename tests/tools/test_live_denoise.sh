#!/usr/bin/env bash
# ssm-live denoising a virtual microphone (issue 7): the bundled noisy clip
# is captured through an ALSA `file` PCM (as in test_live.sh), run through
# the ssmaudio denoise plugin in its streaming form, and recorded. The
# recording must equal the offline rendering of the same clip by
# ssm-render (the plugin's other form, latency-compensated) after the
# stream's and the plugin's latency, and ssm-live must report the plugin's
# 95-frame latency.
# Usage: test_live_denoise.sh SSM_LIVE SSM_RENDER LIVE_CHECK NOISY_WAV
set -u
live=$1 render=$2 check=$3 noisy=$4
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cat > "$t/.asoundrc" <<EOC
pcm.ssmin { type file slave.pcm "null" file "/dev/null" infile "$t/in.raw" format "raw" }
pcm.ssmout { type file slave.pcm "null" file "$t/out.raw" format "raw" }
EOC
fails=0
plug=http://ssmaudio.org/plugins/denoise
# Float WAV in, so the offline reference is not quantised to 16 bits; 0.1 s
# of digital silence after the clip, so the last 95 output frames (which
# read the input past the clip's end) see the same zeros in both forms
# (past its infile's end, what the ALSA file PCM hands the stream is not
# the reference's business).
sox "$noisy" -e floating-point -b 32 "$t/noisy.wav" pad 0 0.1 || exit 1
sox "$t/noisy.wav" -t raw -e floating-point -b 32 -c 1 "$t/in.raw" || exit 1
frames=$(($(stat -c %s "$t/in.raw") / 4))
"$render" -q -j 1 -p "$plug" "$t/noisy.wav" -o "$t/ref.wav" || { echo "FAIL ssm-render"; exit 1; }
sox "$t/ref.wav" -t raw -e floating-point -b 32 -c 1 "$t/ref.raw" || exit 1

export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" # see test_live.sh
HOME=$t "$live" -q -p "$plug" --in ssmin --out ssmout --rate 48000 --block 256 \
  --frames $((frames + 4096)) > "$t/log" 2>&1
rc=$?
grep ssm-live "$t/log"
[ "$rc" -eq 0 ] || { echo "FAIL ssm-live exit $rc"; cat "$t/log"; fails=$((fails + 1)); }
grep -q "plugin latency 95 frames" "$t/log" ||
  { echo "FAIL ssm-live does not report the denoiser's 95-frame latency"; fails=$((fails + 1)); }
# Streaming vs offline form of a float32 network: agree to about 1e-6.
"$check" "$t/out.raw" "$t/ref.raw" 1.0 95 2e-5 || fails=$((fails + 1))
# And it did denoise: the recording is not the input.
if "$check" "$t/out.raw" "$t/in.raw" 1.0 95 1e-3 > /dev/null 2>&1; then
  echo "FAIL the live output equals its input: nothing was removed"
  fails=$((fails + 1))
fi
echo "test_live_denoise: $fails failed"
[ "$fails" -eq 0 ]

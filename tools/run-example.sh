#!/usr/bin/env bash
# The main job on the bundled example: install what is needed, build, and
# render examples/noisy-speech.wav (espeak-ng speech + pink noise and hum,
# 48 kHz; see examples/make-example.sh) through the ssmaudio denoise plugin
# with ssm-render in its offline form (freeWheeling, large blocks). Prints
# the input and output files, the duration and the real-time factor.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release
meson compile -C build
# Our plugins from the build tree first, then the system's.
export LV2_PATH="$PWD/build/plugins${LV2_PATH:+:$LV2_PATH}:/usr/lib/lv2:/usr/local/lib/lv2"
in=examples/noisy-speech.wav
out=build/example/noisy-speech.denoised.wav
mkdir -p build/example
echo "chain:  ssmaudio denoiser (presets/denoise.safetensors, SSM network, offline form)"
echo "input:  $in"
log=$(build/tools/ssm-render -q -j 1 -p http://ssmaudio.org/plugins/denoise "$in" -o "$out" 2>&1) ||
  { echo "$log"; exit 1; }
echo "output: $out"
# "ssm-render: 1 rendered, ...; 6.72 s of audio in 0.01 s wall, 947.0x real time, 1 job"
echo "$log" | awk '/^ssm-render:/ {
  for (i = 1; i <= NF; i++) { if ($(i+1) == "s" && $(i+2) == "of") a = $i; if ($(i+1) == "s" && $(i+2) == "wall,") w = $i }
  printf "duration: %s s of audio, rendered in %s s: real-time factor %.4f (%.0fx faster than real time)\n", a, w, (a > 0 ? w / a : 0), (w > 0 ? a / w : 0) }'

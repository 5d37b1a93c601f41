#!/usr/bin/env bash
# The main job on the bundled example: install what is needed, build, and
# render examples/noisy-speech.wav (espeak-ng speech + pink noise and hum,
# 48 kHz; see examples/make-example.sh) through the most complete chain
# this build has, with ssm-render in its offline form (freeWheeling, large
# blocks). Prints the input and output files, the duration and the
# real-time factor.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/scripts/install-deps.sh
[ -f build/build.ninja ] || meson setup build --buildtype=release
meson compile -C build
# Our plugins from the build tree first, then the system's.
export LV2_PATH="$PWD/build/plugins${LV2_PATH:+:$LV2_PATH}:/usr/lib/lv2:/usr/local/lib/lv2"
has() { build/tools/ssm-info --has-plugin "$1" > /dev/null 2>&1; }
in=examples/noisy-speech.wav
mkdir -p build/example
# The denoise plugin passes audio through until the engine has its "denoise"
# processor type, so ask for both.
if has http://ssmaudio.org/plugins/denoise && build/tools/ssm-info --types | grep -qx denoise; then
  what="ssmaudio denoiser (SSM network, offline form)"
  chain=(-p http://ssmaudio.org/plugins/denoise)
  out=build/example/noisy-speech.denoised.wav
elif [ -x build/tools/ssm-denoise ]; then
  # The denoiser through the engine directly (no LV2 host in between).
  echo "chain:  ssmaudio denoiser (presets/denoise.safetensors, engine, offline form)"
  echo "input:  $in"
  build/tools/ssm-denoise "$in" build/example/noisy-speech.denoised.wav | sed -n '2,$p'
  exit 0
elif has http://ssmaudio.org/plugins/reverb; then
  what="ssmaudio reverb (this build has no denoise processor yet)"
  chain=(-p http://ssmaudio.org/plugins/reverb)
  out=build/example/noisy-speech.reverb.wav
else
  what="eg-amp at 0 dB (no ssmaudio plugin is built yet: a pass-through of the host path)"
  chain=(-p http://lv2plug.in/plugins/eg-amp --set gain=0)
  out=build/example/noisy-speech.out.wav
fi
echo "chain:  $what"
echo "input:  $in"
log=$(build/tools/ssm-render -q -j 1 "${chain[@]}" "$in" -o "$out" 2>&1) || { echo "$log"; exit 1; }
echo "output: $out"
# "ssm-render: 1 rendered, ...; 6.72 s of audio in 0.01 s wall, 947.0x real time, 1 job"
echo "$log" | awk '/^ssm-render:/ {
  for (i = 1; i <= NF; i++) { if ($(i+1) == "s" && $(i+2) == "of") a = $i; if ($(i+1) == "s" && $(i+2) == "wall,") w = $i }
  printf "duration: %s s of audio, rendered in %s s: real-time factor %.4f (%.0fx faster than real time)\n", a, w, (a > 0 ? w / a : 0), (w > 0 ? a / w : 0) }'

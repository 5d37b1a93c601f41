#!/usr/bin/env bash
# ssm-render throughput in audio-seconds per wall-second, on 1 and 2 jobs:
# 8 stereo 48 kHz 16-bit WAV files of 15 s each (sox), rendered through a
# chain (default: eg-amp at 0 dB, a trivial plugin, so this measures file
# I/O + the LV2 host; pass -p URI... for a real chain).
# Usage: tools/bench/bench-render.sh [BUILDDIR] [ssm-render plugin args...]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
chain=("$@")
[ ${#chain[@]} -eq 0 ] && chain=(-p http://lv2plug.in/plugins/eg-amp)
export LV2_PATH="$PWD/$build/plugins:$PWD/$build/tests/lv2${LV2_PATH:+:$LV2_PATH}:/usr/lib/lv2"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
for i in 1 2 3 4 5 6 7 8; do
  sox -n -r 48000 -c 2 -b 16 "$t/f$i.wav" synth 15 pinknoise synth 15 sine mix $((200 * i)) gain -6
done
echo "ssm-render throughput, 8 files x 15 s, stereo 48 kHz WAV, chain: ${chain[*]}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for j in 1 2; do
  best=0
  for rep in 1 2 3; do
    rm -rf "$t/out"
    line=$("$build/tools/ssm-render" -q -j $j "${chain[@]}" "$t"/f*.wav -o "$t/out" 2>&1 | tail -1)
    x=$(echo "$line" | sed -n 's/.* \([0-9.]*\)x real time.*/\1/p')
    best=$(awk -v a="$best" -v b="$x" 'BEGIN { print (b > a ? b : a) }')
  done
  echo "| ssm-render -j $j | ${chain[*]} | $best audio-s per wall-s (best of 3) |"
done

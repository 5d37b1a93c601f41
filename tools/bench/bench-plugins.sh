#!/usr/bin/env bash
# Benchmark every ssmaudio.lv2 plugin with lv2bench (lilv-utils) at 48 kHz,
# blocks of 64 and 1024 frames, default controls: CPU % of one core and ns
# per sample (per frame, all channels). Best of R runs of 10 s of audio, so a
# busy machine inflates the numbers less. Prints a Markdown table for
# docs/benchmarks.md.
# Usage: tools/bench/bench-plugins.sh [BUILD_DIR] [RUNS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
runs=${2:-3}
export LV2_PATH=$build/plugins:/usr/lib/lv2
frames=480000 # 10 s at 48 kHz
echo "| plugin | block | CPU % of one core | ns/sample |"
echo "|---|---|---|---|"
for name in resonator reverb denoise denoise-stereo model; do
  for block in 64 1024; do
    best=""
    for _ in $(seq "$runs"); do
      t=$(lv2bench -b "$block" -n "$frames" "http://ssmaudio.org/plugins/$name" 2>/dev/null |
        awk '/ssmaudio/ {print $1}')
      if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN {exit !(a < b)}'; then
        best=$t
      fi
    done
    awk -v t="$best" -v n="$frames" -v name="$name" -v b="$block" 'BEGIN {
      printf "| ssm-%s | %d | %.2f | %.1f |\n", name, b, 100 * t / (n / 48000.0), 1e9 * t / n }'
  done
done

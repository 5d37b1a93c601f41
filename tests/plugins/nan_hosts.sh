#!/usr/bin/env bash
# One broken sample in a real host (issue 14, the reproduction was
# `lv2apply -i one-nan.wav -o o.wav http://ssmaudio.org/plugins/reverb`):
# every plugin, in lv2apply, on noise with a NaN, an infinity and a 1e20
# in it. The output must be finite, and equal to the output for the same
# file with those samples at 0: they leave no trace in the state. Before,
# the filters stayed NaN to the end and the denoiser went NaN as a whole.
# Usage: nan_hosts.sh BADFILE WAVTOOL LV2_PATH
set -uo pipefail
bad=$1 wavtool=$2
export LV2_PATH=$3:/usr/lib/lv2
tmp=$(mktemp -d)
host() { # the sanitizer runtimes first in the ASan build (tests/plugins/meson.build)
  if [ -n "${SSM_HOST_PRELOAD:-}" ]; then
    LD_PRELOAD="$SSM_HOST_PRELOAD" ASAN_OPTIONS=detect_leaks=0 "$@"
  else
    "$@"
  fi
}
trap 'rm -rf "$tmp"' EXIT
fail=0
B=http://ssmaudio.org/plugins
for c in "resonator 1" "reverb 2" "denoise 1" "denoise-stereo 2" "model 1"; do
  read -r name ch <<< "$c"
  "$wavtool" gen "$tmp/in.wav" "$ch" 48000 48000 noise || fail=1
  # Interleaved sample indices: frames 2000, 9000 and 20000 of channel 0.
  i1=$((2000 * ch)) i2=$((9000 * ch)) i3=$((20000 * ch))
  "$bad" poke "$tmp/in.wav" "$tmp/broken.wav" "$i1" nan "$i2" inf "$i3" 1e20 || fail=1
  "$bad" poke "$tmp/in.wav" "$tmp/zeroed.wav" "$i1" 0 "$i2" 0 "$i3" 0 || fail=1
  echo "== $name: lv2apply on a file with NaN, inf and 1e20 samples"
  host lv2apply -i "$tmp/broken.wav" -o "$tmp/out.wav" "$B/$name" || { echo "FAIL lv2apply"; fail=1; }
  host lv2apply -i "$tmp/zeroed.wav" -o "$tmp/ref.wav" "$B/$name" || { echo "FAIL lv2apply"; fail=1; }
  if "$bad" finite "$tmp/out.wav"; then
    echo "ok   $name: the output is finite"
  else
    echo "FAIL $name: non-finite output"; fail=1
  fi
  if "$wavtool" cmp "$tmp/out.wav" "$tmp/ref.wav" 0; then
    echo "ok   $name: the output is the one for those samples at 0"
  else
    echo "FAIL $name: the bad samples left a trace"; fail=1
  fi
done
[ "$fail" -eq 0 ] && echo PASS
exit "$fail"

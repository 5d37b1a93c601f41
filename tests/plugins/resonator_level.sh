#!/usr/bin/env bash
# ssm-resonator's defaults and factory presets are safe (issue 14: at its
# defaults -1 dBFS speech came out at +11 dBFS, clipped into a 16-bit file
# without a word). Speech peaking at -1 dBFS (the bundled examples), through
# the plugin in ssm-render at its defaults and with each preset: the output
# peaks no higher than the input and ssm-render reports no clipping.
# Usage: resonator_level.sh SSM_RENDER BADFILE LV2_PATH CLEAN_SPEECH NOISY_SPEECH
set -uo pipefail
render=$1 bad=$2 clean=$4 noisy=$5
export LV2_PATH=$3:/usr/lib/lv2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
R=http://ssmaudio.org/plugins/resonator
for f in clean noisy; do
  src=$clean
  [ "$f" = noisy ] && src=$noisy
  "$bad" normalize "$src" "$tmp/$f.wav" -1 && "$bad" peak "$tmp/$f.wav" -1.05 -0.95 || fail=1
done
for p in "" ":Plucked string — A3" ":Struck bar — marimba-like" ":Gong — inharmonic, long" \
  ":Tube body — subtle blend"; do
  for f in clean noisy; do
    what="${p:-:defaults} on $f speech at -1 dBFS"
    "$render" -q -p "$R$p" "$tmp/$f.wav" -o "$tmp/out.wav" > "$tmp/log" 2>&1 || {
      cat "$tmp/log"; echo "FAIL$what: ssm-render"; fail=1; continue; }
    if grep -q "clipped" "$tmp/log"; then
      cat "$tmp/log"; echo "FAIL$what: the render clipped"; fail=1
    fi
    if "$bad" peak "$tmp/out.wav" -60 -1; then
      echo "ok  $what: no louder than its input"
    else
      echo "FAIL$what: too loud"; fail=1
    fi
  done
done
exit "$fail"

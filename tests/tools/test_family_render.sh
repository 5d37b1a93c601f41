#!/usr/bin/env bash
# Each SSM family's model file (tests/golden/layers/model_*.safetensors, from
# make_goldens.py) through ssm-render --model FILE: at 48 kHz (the trained
# rate) and 44.1 kHz (re-discretised, or through the rate bridge when the
# graph is rate-bound), the offline form (the default) and --stream give the
# same file; the output is the input's format and length, and it is neither
# silence nor the input.
# Usage: test_family_render.sh SSM_RENDER MAKE_TONE AUDIO_COMPARE GOLDEN_LAYERS_DIR
set -u
render=$1 tone=$2 cmp=$3 dir=$4
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0 n=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
"$tone" "$t/t48.wav" 48000 1 1.5 wavf
"$tone" "$t/t44.wav" 44100 1 1.5 wavf
for model in "$dir"/model_*.safetensors; do
  case $model in *.io.safetensors) continue ;; esac # the goldens' input/output
  name=$(basename "$model" .safetensors)
  n=$((n + 1))
  for r in 48 44; do
    in="$t/t$r.wav" off="$t/$name-$r-off.wav" str="$t/$name-$r-str.wav"
    "$render" -q --model "$model" "$in" -o "$off" 2> "$t/log"
    check "$name at ${r}k: offline render" test -s "$off" || cat "$t/log"
    "$render" -q --stream --model "$model" "$in" -o "$str" 2> "$t/log"
    check "$name at ${r}k: --stream render" test -s "$str" || cat "$t/log"
    check "$name at ${r}k: --stream == offline (1e-4)" "$cmp" "$str" "$off" 1 0 1e-4
    [ -s "$off" ] || continue
    if "$cmp" "$off" "$in" 0 0 1e-3 > /dev/null 2>&1; then
      echo "FAIL $name at ${r}k: the output is silent"; fails=$((fails + 1))
    else
      echo "ok   $name at ${r}k: the output is not silent"
    fi
    if "$cmp" "$off" "$in" 1 0 1e-3 > /dev/null 2>&1; then
      echo "FAIL $name at ${r}k: the output is the input"; fails=$((fails + 1))
    else
      echo "ok   $name at ${r}k: the output is not the input"
    fi
  done
done
check "at least 6 family model files (found $n)" test "$n" -ge 6
echo "$fails failed"
exit $((fails > 0))

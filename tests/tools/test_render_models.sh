#!/usr/bin/env bash
# ssm-render on one small model file per SSM family (tests/golden/layers/
# net_<family>, held to PyTorch by test_layers): `--model FILE` (the offline
# form) and `--stream --model FILE` write the same samples, for a mono file
# at the trained rate (48 kHz) and a stereo one at 44.1 kHz (the rate bridge
# or re-discretisation, a mono graph per channel); the output is not the
# input; ssm-info says which rate path 44.1 kHz takes: the bridge for the
# families whose layers carry conv taps (Mamba, Mamba-2, Hyena, H3 and the
# glue rate-bound kinds), re-discretisation for the rate-free GSS net.
# Usage: test_render_models.sh SSM_RENDER SSM_INFO MAKE_TONE AUDIO_COMPARE MODEL...
set -u
render=$1 info=$2 tone=$3 cmp=$4
shift 4
rate_free="net_gss"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
  if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
"$tone" "$t/m48.wav" 48000 1 1.0 wavf
"$tone" "$t/s44.wav" 44100 2 1.0 wavf
for model in "$@"; do
  name=$(basename "$model" .safetensors)
  for f in m48 s44; do
    "$render" --model "$model" "$t/$f.wav" -o "$t/$name-$f-off.wav" > "$t/$name-$f.log" 2>&1
    rc=$?
    check "$name $f: --model renders (exit $rc)" test "$rc" -eq 0
    "$render" -q --stream --model "$model" "$t/$f.wav" -o "$t/$name-$f-st.wav" 2> /dev/null
    check "$name $f: --stream --model renders" test -s "$t/$name-$f-st.wav"
    check "$name $f: streaming == offline (within 1e-4)" \
      "$cmp" "$t/$name-$f-st.wav" "$t/$name-$f-off.wav" 1 0 1e-4
    if "$cmp" "$t/$name-$f-off.wav" "$t/$f.wav" 1 0 1e-3 > /dev/null 2>&1; then
      echo "FAIL $name $f: the output is the input"; fails=$((fails + 1))
    else
      echo "ok   $name $f: the output is not the input"
    fi
  done
  cat "$t/$name-s44.log"
  path=$("$info" --rate 44100 "$model" | tail -n 1)
  echo "$path"
  case " $rate_free " in
    *" $name "*) want="re-discretised for 44100 Hz" ;;
    *) want="resampling 44100 -> 48000 -> 44100 Hz" ;;
  esac
  check "$name: ssm-info says \"$want\"" grep -q -- "$want" <<< "$path"
done
echo "test_render_models: $fails failed"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# ssm-model reached from hosts that cannot send a file path: its "bundled"
# control port. Every bundled model (the captures in presets/ and the
# denoiser), and every per-family model file of tests/golden/layers
# (model_*.safetensors), runs in ssm-model through lv2apply (controls set
# before activate, one frame per run, no worker) and through ssm-render
# (our LV2 host: --set bundled=K, freewheeling), and the output equals the
# engine running the same file directly (ssm-render --model FILE, offline
# for the freewheeling host, --stream for lv2apply's streaming form;
# lv2apply keeps the latency, ssm-render compensates it). An output equal to
# the input fails (the model must have run, not the gain stage).
#
# A per-family file is not in the bundle, so each runs from a throwaway copy
# of the bundle (links to the built files) whose bundled slot 1 is that file.
# Debian's lv2file is not used: its worker feature is broken (hosts.sh).
# Usage: bundled.sh WAVTOOL BUNDLE_DIR SSM_RENDER SOURCE_ROOT
set -uo pipefail
wavtool=$1 bundle=$2 render=$3 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
host() {
  if [ -n "${SSM_HOST_PRELOAD:-}" ]; then
    LD_PRELOAD="$SSM_HOST_PRELOAD" ASAN_OPTIONS=detect_leaks=0 "$@"
  else
    "$@"
  fi
}
URI=http://ssmaudio.org/plugins/model
fail=0 n=0
in="$tmp/in.wav"
"$wavtool" gen "$in" 1 24000 48000 noise || exit 1

# check LV2_PATH K FILE LABEL
check() {
  local lv2=$1 k=$2 file=$3 label=$4 out="$tmp/$n"
  n=$((n + 1))
  echo "== $label: bundled $k = $(basename "$file")"
  if ! LV2_PATH="$lv2:/usr/lib/lv2" host lv2apply -c bundled "$k" -i "$in" -o "$out-lv2apply.wav" "$URI" \
    >"$tmp/log" 2>&1; then
    cat "$tmp/log"; echo "FAIL $label: lv2apply"; fail=1; return
  fi
  if ! LV2_PATH="$lv2:/usr/lib/lv2" host "$render" -q -v -p "$URI" --set "bundled=$k" "$in" \
    -o "$out-render.wav" >"$tmp/log" 2>&1; then
    cat "$tmp/log"; echo "FAIL $label: ssm-render -p"; fail=1; return
  fi
  local lat
  lat=$(sed -n 's/.*latency \([0-9]*\) frames.*/\1/p' "$tmp/log" | head -1)
  for form in offline stream; do
    local opt=(); [ $form = stream ] && opt=(--stream -b 128)
    if ! host "$render" -q --model "$file" "${opt[@]}" "$in" -o "$out-engine-$form.wav" >"$tmp/log" 2>&1; then
      cat "$tmp/log"; echo "FAIL $label: ssm-render --model $form"; fail=1; return
    fi
  done
  echo "   latency ${lat:-0} frames"
  "$wavtool" cmp "$out-render.wav" "$out-engine-offline.wav" 1e-5 || fail=1
  "$wavtool" cmp "$out-engine-stream.wav" "$out-lv2apply.wav" 1e-4 "${lat:-0}" || fail=1
  "$wavtool" differ "$out-lv2apply.wav" "$in" 0.02 || fail=1
  "$wavtool" check "$out-lv2apply.wav" --nonsilent || fail=1
}

k=1
for name in capture-amp capture-comp capture-reverb denoise; do
  check "$(dirname "$bundle")" "$k" "$bundle/$name.safetensors" "bundled $name"
  k=$((k + 1))
done

shopt -s nullglob
fams=("$src"/tests/golden/layers/model_*.safetensors)
[ ${#fams[@]} -gt 0 ] || { echo "FAIL: no per-family model files under tests/golden/layers"; fail=1; }
for f in "${fams[@]}"; do
  case "$f" in *.io.safetensors) continue ;; esac
  fam=$(basename "$f" .safetensors)
  copy="$tmp/lv2-$fam/ssmaudio.lv2"
  mkdir -p "$copy"
  for x in "$bundle"/*; do
    [ -f "$x" ] && ln -s "$(readlink -f "$x")" "$copy/$(basename "$x")"
  done
  ln -sf "$(readlink -f "$f")" "$copy/capture-amp.safetensors"
  check "$tmp/lv2-$fam" 1 "$f" "$fam"
done
echo "$n models checked"
[ "$fail" -eq 0 ] && echo PASS
exit "$fail"

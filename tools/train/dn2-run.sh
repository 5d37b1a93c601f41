#!/bin/bash
# The device entry point for the v2 denoiser (issue 15; /work/notes/DEVICE.md):
# trains the variants in parallel, one process each, resumable.
#
#   bash .devcarry/dn2/run.sh MINUTES OUT      (from the repository root)
#
# The carry folder (this script's folder) holds data/ (make_data_v2.sh),
# scripts/ (copies of tools/train: train_dn2.py, dn2model.py, mixer.py,
# codec.py, ssmlib/) and, to resume, ckpt_<variant>.pt. OUT gets one file
# per variant, ckpt_<variant>.pt (written every 90 s and at the end; it
# holds the loss and validation history too), at most 3.
# VARIANTS="v1ft s4d" by default; PLAN=seconds of training of the whole
# schedule (both runs); RESTART=1: resumed variants start the lr warm-up and
# cosine again over PLAN seconds; EXTRA: more train_dn2.py options;
# SMOKE=1: a few tiny CPU steps.
set -u
MIN=${1:?MINUTES}
OUT=${2:?OUT}
HERE=$(cd "$(dirname "$0")" && pwd)
VARIANTS=${VARIANTS:-"v1ft s4d"}
PLAN=${PLAN:-480}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
n=$(echo $VARIANTS | wc -w)
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=$((8 / n))  # <= 8 CPU threads in all
extra=()
if [ "${SMOKE:-0}" = 1 ]; then
  extra=(--batch 4 --seconds 1 --max-steps 3 --val-batch 3 --threads 2 --pool 2)
else
  extra=(--threads $((8 / n)))
fi
[ "${RESTART:-0}" = 1 ] && extra+=(--restart-schedule)
# shellcheck disable=SC2206
extra+=(${EXTRA:-})  # more train_dn2.py options, e.g. EXTRA="--batch 48 --pool 6"
# Each process stops ~20 s before the wall-clock budget (its own margin is in train_dn2.py).
M=$(awk -v m="$MIN" 'BEGIN { printf "%.3f", m - 20 / 60 }')
WARM=presets/denoise.safetensors
[ -f "$HERE/v1.safetensors" ] && WARM="$HERE/v1.safetensors"
pids=()
for v in $VARIANTS; do
  "$PY" "$HERE/scripts/train_dn2.py" --data "$HERE/data" --variant "$v" \
    --ckpt "$HERE/ckpt_$v.pt" --out-ckpt "$OUT/ckpt_$v.pt" --warm "$WARM" \
    --minutes "$M" --plan-seconds "$PLAN" "${extra[@]}" 2>&1 &
  pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
echo "dn2 run.sh: rc $rc; OUT: $(ls "$OUT" | tr '\n' ' ')"
exit $rc

#!/usr/bin/env bash
# Assemble the carry folder for a GPU run of the capture plan (the device
# machine gets the main tree plus this folder; see /work/notes/DEVICE.md):
#   DEST/train/     a copy of tools/train (this branch's scripts and ssmlib)
#   DEST/data/      capture_data.py's output (x.spc, y-*.spc, capture.json)
#   DEST/plan.json  the jobs
#   DEST/run.sh     the entry point: bash DEST/run.sh MINUTES OUT
#   DEST/resume.tar the previous run's captures.tar, when given (resumes every job)
# Usage: [PLAN=plan.json] tools/train/capture_carry.sh DATA DEST [PREVIOUS_CAPTURES_TAR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data=$1 dest=$2 prev=${3:-}
rm -rf "$dest/train" "$dest/data"
mkdir -p "$dest/train" "$dest/data"
cp "$here"/*.py "$dest/train/"
cp -r "$here/ssmlib" "$dest/train/ssmlib"
find "$dest/train" -name __pycache__ -prune -exec rm -rf {} +
cp "${PLAN:-$here/capture_plan.json}" "$dest/plan.json"
cp "$data"/x.spc "$data"/y-*.spc "$data"/capture.json "$data"/data.json "$dest/data/"
if [ -n "$prev" ]; then cp "$prev" "$dest/resume.tar"; fi
cat >"$dest/run.sh" <<'RUN'
#!/usr/bin/env bash
# bash .devcarry/capture/run.sh MINUTES OUT   (SMOKE=1: tiny CPU check)
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
minutes=$1 out=$2
mkdir -p "$out"
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
py=${PYTHON:-python3}
extra=()
[ -f "$dir/resume.tar" ] && extra+=(--resume-tar "$dir/resume.tar")
if [ "${SMOKE:-0}" = 1 ]; then extra+=(--smoke --parallel 3); fi
"$py" -c 'import torch, numpy, scipy; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
"$py" "$dir/train/capture_run.py" --plan "$dir/plan.json" --data "$dir/data" --minutes "$minutes" \
  --out "$out/run" "${extra[@]}" ${ONLY:+--only "$ONLY"}
# OUT holds at most three files: the outputs of every job, the reports, the log.
mv "$out/run/captures.tar" "$out/run/report.json" "$out/run/log.txt" "$out/"
rm -rf "$out/run"
ls -la "$out"
RUN
chmod +x "$dest/run.sh"
du -sh "$dest"

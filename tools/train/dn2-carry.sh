#!/bin/bash
# Fill the device carry folder of the v2 denoiser (DEVICE.md): the scripts
# of this tree (train_dn2.py and what it imports) and run.sh; the data
# (make_data_v2.sh) and checkpoints are put there separately.
#   bash tools/train/dn2-carry.sh CARRY_DIR        e.g. /work/main/.devcarry/dn2
set -eu
C=${1:?CARRY_DIR}
T=$(cd "$(dirname "$0")" && pwd)
rm -rf "$C/scripts"
mkdir -p "$C/scripts/ssmlib"
cp "$T"/train_dn2.py "$T"/losses.py "$T"/dn2model.py "$T"/mixer.py "$T"/codec.py "$C/scripts/"
cp "$T"/ssmlib/*.py "$C/scripts/ssmlib/"
cp "$T"/dn2-run.sh "$C/run.sh.tmp" && mv "$C/run.sh.tmp" "$C/run.sh"  # a new file: a running copy keeps reading its own
du -sh "$C" "$C"/* 2>/dev/null

#!/bin/sh
# Make the denoiser's speech corpus (Debian TTS only).
# Usage: tools/train/make_data.sh [OUT_DIR] [MINUTES]
# OUT_DIR defaults to tools/train/data (ignored by git); train.py reads it
# with --data.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/data}
minutes=${2:-26}
exec nice -n 10 /usr/bin/python3 "$here/make_data.py" --out "$out" --minutes "$minutes" --seed 1

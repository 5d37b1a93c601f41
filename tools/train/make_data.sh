#!/bin/sh
# Make the denoiser's speech corpus (Debian TTS only) into the device carry folder.
# Usage: tools/train/make_data.sh [OUT_DIR] [MINUTES]
set -eu
out=${1:-/work/main/.devcarry/dnmodel/data}
minutes=${2:-26}
exec nice -n 10 /usr/bin/python3 "$(dirname "$0")/make_data.py" --out "$out" --minutes "$minutes" --seed 1

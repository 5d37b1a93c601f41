#!/usr/bin/env bash
# Make the denoiser validation set (tools/eval/make_valset.py) into
# tools/eval/data/valset, installing the Debian packages it speaks and
# reads words with when they are missing.
set -euo pipefail
cd "$(dirname "$0")"
bash ../scripts/install-deps.sh festival festvox-kdlpc16k festvox-italp16k festvox-itapc16k festvox-ca-ona-hts \
    festvox-suopuhe-lj festvox-suopuhe-mv festvox-czech-dita festvox-czech-machac espeak-ng \
    wamerican witalian wcatalan python3-numpy python3-scipy
exec /usr/bin/python3 make_valset.py "$@"

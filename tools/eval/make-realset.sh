#!/usr/bin/env bash
# Make the denoiser's real-speech set (tools/eval/make_realset.py) into
# tools/eval/data/realset, installing the Asterisk prompt packages it takes
# its talkers from, and ffmpeg to decode them, when they are missing.
set -euo pipefail
cd "$(dirname "$0")"
bash ../scripts/install-deps.sh asterisk-core-sounds-en-g722 asterisk-core-sounds-es-g722 asterisk-core-sounds-fr-g722 \
    asterisk-core-sounds-it-g722 asterisk-core-sounds-ru-g722 asterisk-prompt-it-menardi-wav \
    asterisk-prompt-es-co asterisk-prompt-fr-armelle ffmpeg python3-numpy python3-scipy
exec /usr/bin/python3 make_realset.py "$@"

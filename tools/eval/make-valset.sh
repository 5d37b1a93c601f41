#!/usr/bin/env bash
# Make the denoiser validation set (tools/eval/make_valset.py) into
# tools/eval/data/valset, installing the Debian packages it speaks and
# reads words with when they are missing.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
for p in festival festvox-kdlpc16k festvox-italp16k festvox-itapc16k festvox-ca-ona-hts \
    festvox-suopuhe-lj festvox-suopuhe-mv festvox-czech-dita festvox-czech-machac espeak-ng \
    wamerican witalian wcatalan python3-numpy python3-scipy; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
fi
exec /usr/bin/python3 make_valset.py "$@"

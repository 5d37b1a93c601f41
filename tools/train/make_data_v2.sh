#!/usr/bin/env bash
# Make the denoiser v2 corpus (speech from Debian TTS voices, music renders)
# into OUT_DIR, one folder that travels to the GPU machine as a carry.
#
#   tools/train/make_data_v2.sh OUT_DIR [MINUTES] [SEED]
#
# Installs its Debian packages (tools/train/data-v2-packages.txt) first.
# mbrola and its voices live in Debian's contrib and non-free components: when
# mbrola has no install candidate, this adds those components of the
# machine's own suite in /etc/apt/sources.list.d/ssmaudio-train-nonfree.sources.
# Runs under nice: the build machine is shared.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 OUT_DIR [MINUTES] [SEED]" >&2
  exit 2
fi
out=$1
minutes=${2:-90}
seed=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive

mapfile -t pkgs < <(grep -v '^\s*#' "$here/data-v2-packages.txt" | grep -v '^\s*$')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update
  if ! apt-cache policy mbrola | grep -q 'Candidate: [0-9]'; then
    . /etc/os-release
    $SUDO tee /etc/apt/sources.list.d/ssmaudio-train-nonfree.sources >/dev/null <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: ${VERSION_CODENAME}
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update
  fi
  $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"
fi

mkdir -p "$out"
start=$(date +%s)
nice -n 15 /usr/bin/python3 "$here/make_data_v2.py" --out "$out" --minutes "$minutes" --seed "$seed"
nice -n 15 /usr/bin/python3 "$here/make_music.py" --out "$out" --seed "$seed"
echo "made $out in $(( $(date +%s) - start )) s: $(du -sm "$out" | cut -f1) MiB"

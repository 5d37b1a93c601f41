#!/usr/bin/env bash
# Install the Debian packages listed in tools/scripts/debian-packages.txt, or
# the packages named on the command line (as root, or through sudo). Does
# nothing when all of them are already installed.
#   tools/scripts/install-deps.sh [PACKAGE...]
set -euo pipefail
if [ $# -gt 0 ]; then
  pkgs=("$@")
else
  list="$(dirname "$0")/debian-packages.txt"
  mapfile -t pkgs < <(grep -v '^\s*#' "$list" | grep -v '^\s*$')
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${missing[@]}"

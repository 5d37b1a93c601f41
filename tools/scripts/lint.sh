#!/usr/bin/env bash
# clang-format check and clang-tidy over the project's C sources.
# Usage: tools/scripts/lint.sh [BUILDDIR]   (BUILDDIR has compile_commands.json)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
mapfile -t srcs < <(git ls-files '*.c' '*.h')
clang-format --dry-run --Werror "${srcs[@]}"
mapfile -t csrcs < <(git ls-files 'kernels/*.c' 'engine/*.c' 'plugins/*.c' 'tools/*.c')
clang-tidy -quiet -p "$build" "${csrcs[@]}"

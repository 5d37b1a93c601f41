#!/usr/bin/env bash
# Fuzz the safetensors loader with libFuzzer (clang, ASan+UBSan) for SECONDS
# (default 25), starting from tests/fuzz/corpus/. A tiny build of its own
# (engine/core/model_file.c + error.c + the target), so it needs no clang build of the
# whole project. New interesting inputs land in build-fuzz/corpus-new/; copy
# the ones worth keeping into tests/fuzz/corpus/. Exit status 0 = no crash.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-25}
out=build-fuzz
mkdir -p "$out/corpus-new"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE \
  -Iengine/include -Ikernels/include engine/core/model_file.c engine/core/error.c tests/fuzz/fuzz_model.c \
  $(pkg-config --cflags --libs jansson) -o "$out/fuzz_model"
"$out/fuzz_model" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 "$out/corpus-new" tests/fuzz/corpus 2>&1 | tail -12

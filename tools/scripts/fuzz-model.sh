#!/usr/bin/env bash
# Fuzz the model file readers with libFuzzer (clang, ASan+UBSan), each for
# SECONDS (default 25), starting from tests/fuzz/corpus/:
#   fuzz_model  the safetensors loader (engine/core/model_file.c + error.c);
#   fuzz_graph  the loader plus the graph builder and every layer kind
#               (engine/net/*.c over the kernels): parse, build, activate and
#               run a few blocks (graph-v1 seeds: tests/fuzz/corpus/graph-*,
#               written by tests/golden/layers/make_goldens.py; tokens in
#               tests/fuzz/graph.dict).
# Small builds of their own, so no clang build of the whole project is
# needed. New interesting inputs land in build-fuzz/corpus-new-*/; copy the
# ones worth keeping into tests/fuzz/corpus/. Exit status 0 = no crash.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-25}
out=build-fuzz
mkdir -p "$out/corpus-new-model" "$out/corpus-new-graph"
cflags=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE
  -Iengine/include -Iengine -Ikernels/include)
clang "${cflags[@]}" engine/core/model_file.c engine/core/error.c tests/fuzz/fuzz_model.c \
  $(pkg-config --cflags --libs jansson) -o "$out/fuzz_model"
clang "${cflags[@]}" engine/core/model_file.c engine/core/error.c engine/net/graph.c \
  engine/net/node.c engine/net/kinds.c engine/net/dplr.c engine/net/layer_*.c kernels/*.c \
  tests/fuzz/fuzz_graph.c \
  $(pkg-config --cflags --libs jansson fftw3f) -lfftw3f_threads -llapack -lm -lpthread \
  -o "$out/fuzz_graph"
"$out/fuzz_model" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 "$out/corpus-new-model" tests/fuzz/corpus 2>&1 | tail -12
"$out/fuzz_graph" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
  -dict=tests/fuzz/graph.dict -print_final_stats=1 "$out/corpus-new-graph" tests/fuzz/corpus \
  2>&1 | tail -12

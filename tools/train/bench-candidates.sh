#!/bin/bash
# CPU of candidate denoiser model files against RNNoise v0.1 (rnnoise_wav): ssm-render
# --processor denoise --model M, offline and streaming (-b 128), the same input in the same
# run, interleaved, median of RUNS (the method of tools/bench/bench-rnnoise.sh). A benchmark.
#   bash tools/train/bench-candidates.sh MODEL.safetensors...
set -euo pipefail
models=()
for m in "$@"; do models+=("$(realpath "$m")"); done
cd "$(dirname "$0")/../.."
runs=${RUNS:-7}; seconds=21
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
rnnoise=$(sh ${RNNOISE_DIR:-../shared/baselines/rnnoise}/build.sh "$t/rnnoise" | tail -1)
espeak-ng -w "$t/say.wav" "The quick brown fox jumps over the lazy dog, and a noisy fan hums along in the background of this call."
sox "$t/say.wav" -r 48000 -c 1 "$t/say48.wav"
sox "$t/say48.wav" "$t/speech.wav" repeat 20 trim 0 "$seconds" norm -6
sox -n -r 48000 -c 1 "$t/noise.wav" synth "$seconds" pinknoise gain -16
sox -m "$t/speech.wav" "$t/noise.wav" -b 16 "$t/in.wav"
cpu() { /usr/bin/python3 -c '
import os, sys
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ, file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0), (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
_, status, ru = os.wait4(pid, 0)
if status: sys.exit("failed: " + " ".join(sys.argv[1:]))
print("%.4f" % (ru.ru_utime + ru.ru_stime))' "$@"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
R=build/tools/ssm-render
names=("RNNoise v0.1 rnnoise_wav"); cmds=("$rnnoise $t/in.wav $t/o.wav")
for m in "${models[@]}"; do
  names+=("$(basename $m) offline" "$(basename $m) --stream -b 128")
  cmds+=("$R -q --processor denoise --model $m $t/in.wav -o $t/o.wav" "$R -q --stream -b 128 --processor denoise --model $m $t/in.wav -o $t/o.wav")
done
for i in "${!cmds[@]}"; do : > "$t/times.$i"; done
for _ in $(seq "$runs"); do for i in "${!cmds[@]}"; do cpu ${cmds[$i]} >> "$t/times.$i"; done; done
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); kernels: $(build/tools/bench/ssm-bench peak 2>/dev/null | sed -n 's/^kernels run at: //p')"
echo "| what | CPU s | x real time | CPU / RNNoise |"; echo "|---|---|---|---|"
base=$(median < "$t/times.0")
for i in "${!cmds[@]}"; do m=$(median < "$t/times.$i"); awk -v n="${names[$i]}" -v m="$m" -v b="$base" -v s="$seconds" 'BEGIN { printf "| %s | %.3f | %.4f | %.2f |\n", n, m, m / s, m / b }'; done

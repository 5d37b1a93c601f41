#!/usr/bin/env bash
# The denoiser against its peer: RNNoise v0.1 built from
# ../shared/baselines/rnnoise (build.sh, -O3 -march=native) and ssm-denoise
# through ssm-render, on the same 48 kHz mono file (speech by espeak-ng over
# pink noise), in the same run. CPU time of the whole process (user + sys,
# start-up and file I/O included, as a user pays it), median of RUNS runs,
# runs interleaved so load drifts hit both alike. Prints a Markdown table
# for docs/benchmarks.md with the CPU model and the SIMD level the kernels
# run at. A benchmark, never a test.
# Usage: tools/bench/bench-rnnoise.sh [BUILDDIR] [RUNS] [SECONDS]
#   RNNOISE_DIR: the RNNoise source (default ../shared/baselines/rnnoise)
#   RNNOISE_MARCH: the -march RNNoise is built for (default: native; and
#     x86-64-v3 when BUILDDIR's kernels stop at x86-64-v3, -Dsimd_max=v3):
#     a build capped at AVX2 stands for an AVX2-only machine, where
#     build.sh's -march=native would give RNNoise AVX2 too, not this
#     machine's AVX-512.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${2:-7}
seconds=${3:-21}
src=${RNNOISE_DIR:-../shared/baselines/rnnoise}
if [ ! -x "$src/build.sh" ] && [ ! -f "$src/build.sh" ]; then
  echo "bench-rnnoise: no RNNoise source at $src (build.sh): skipped, nothing compared"
  exit 0
fi
for tool in sox espeak-ng python3; do
  command -v "$tool" >/dev/null || { echo "bench-rnnoise: $tool is missing (tools/scripts/debian-packages.txt)"; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
level=$("$build/tools/bench/ssm-bench" peak 2>/dev/null | sed -n 's/^kernels run at: //p')
march=${RNNOISE_MARCH:-native}
if [ -z "${RNNOISE_MARCH:-}" ] && [[ $level == x86-64-v3* ]]; then
  march=x86-64-v3
fi
# build.sh stays the one recipe: a cc in front of it on PATH swaps its
# -march=native for the chosen one.
mkdir -p "$t/cc"
# shellcheck disable=SC2016  # the wrapper's own $@ and $a, expanded when it runs
printf '#!/bin/bash\nargs=()\nfor a in "$@"; do [ "$a" = -march=native ] && a=-march=%s; args+=("$a"); done\nexec %s "${args[@]}"\n' \
  "$march" "$(command -v cc)" > "$t/cc/cc"
chmod +x "$t/cc/cc"
rnnoise=$(PATH="$t/cc:$PATH" sh "$src/build.sh" "$t/rnnoise" | tail -1)
export SSM_PRESETS_PATH=$PWD/presets
export LV2_PATH=$PWD/$build/plugins

# The input: a sentence spoken over and over, pink noise at about 5 dB SNR.
espeak-ng -w "$t/say.wav" "The quick brown fox jumps over the lazy dog, and a noisy fan hums along in the background of this call."
sox "$t/say.wav" -r 48000 -c 1 "$t/say48.wav"
sox "$t/say48.wav" "$t/speech.wav" repeat 20 trim 0 "$seconds" norm -6
sox -n -r 48000 -c 1 "$t/noise.wav" synth "$seconds" pinknoise gain -16
sox -m "$t/speech.wav" "$t/noise.wav" -b 16 "$t/in.wav"

# cpu CMD...: user + sys seconds of the command, from its own rusage
# (posix_spawn + wait4). Not subprocess.run: its child closes every file
# descriptor up to the limit before exec, tens of ms charged to the child.
cpu() {
  python3 -c '
import os, sys
pid = os.posix_spawnp(sys.argv[1], sys.argv[1:], os.environ,
                      file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                                    (os.POSIX_SPAWN_OPEN, 2, "/dev/null", os.O_WRONLY, 0)])
_, status, ru = os.wait4(pid, 0)
if status:
    sys.exit("failed: " + " ".join(sys.argv[1:]))
print("%.4f" % (ru.ru_utime + ru.ru_stime))' "$@"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

render=$build/tools/ssm-render
uri=http://ssmaudio.org/plugins/denoise
names=("RNNoise v0.1 (rnnoise_wav, 480-sample frames)"
  "ssm-render -p denoise (offline: freeWheeling, 8192-frame blocks)"
  "ssm-render -p denoise -b 64 (offline, a DAW export at 64-frame periods)"
  "ssm-render -p denoise --stream -b 128 (streaming form, 128-frame blocks)"
  "ssm-render --processor denoise (offline)"
  "ssm-render --processor denoise --stream -b 128")
cmds=("$rnnoise $t/in.wav $t/o.wav"
  "$render -q -p $uri $t/in.wav -o $t/o.wav"
  "$render -q -b 64 -p $uri $t/in.wav -o $t/o.wav"
  "$render -q --stream -b 128 -p $uri $t/in.wav -o $t/o.wav"
  "$render -q --processor denoise $t/in.wav -o $t/o.wav"
  "$render -q --stream -b 128 --processor denoise $t/in.wav -o $t/o.wav")
for i in "${!cmds[@]}"; do : > "$t/times.$i"; done
for _ in $(seq "$runs"); do
  for i in "${!cmds[@]}"; do
    rm -f "$t/o.wav"
    # shellcheck disable=SC2086
    cpu ${cmds[$i]} >> "$t/times.$i"
  done
done

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "kernels: $level; RNNoise built with -march=$march"
echo "input: ${seconds} s, 48 kHz mono (speech + pink noise); CPU = user + sys of the whole process, median of $runs runs"
echo
echo "| what | CPU s | x real time | CPU / RNNoise |"
echo "|---|---|---|---|"
base=$(median < "$t/times.0")
for i in "${!cmds[@]}"; do
  m=$(median < "$t/times.$i")
  awk -v n="${names[$i]}" -v m="$m" -v b="$base" -v s="$seconds" \
    'BEGIN { printf "| %s | %.3f | %.4f | %.2f |\n", n, m, m / s, m / b }'
done

#!/usr/bin/env bash
# The capture pipeline end to end at a tiny size, as docs/captures.md tells a
# user to run it: the capture signal (capture_signal.py --tiny), played
# through a real Debian LV2 effect (x42 darc, by ssm-render), "recorded"
# through an interface that delays it by LAT samples and scales it by GAIN,
# aligned by the sync markers (capture.py must recover LAT and GAIN against
# the same render without the interface), trained a few steps on the CPU,
# exported, and loaded in ssm-model from an LV2 preset made by
# capture_preset.py: its output through ssm-render -p must equal the engine
# running the exported file (ssm-render --model), which must equal the
# PyTorch network it was exported from, and the model must have learned
# something (val ESR below that of silence, 1).
# Usage: test_capture.sh PYTHON SOURCE_ROOT SSM_RENDER WAVTOOL BUNDLE_DIR
set -uo pipefail
py=$1 src=$2 render=$3 wavtool=$4 bundle=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
train=$src/tools/train
# In the sanitizer build: x42 darc (a third-party plugin, not instrumented)
# leaks a few blocks that LeakSanitizer reports when ssm-render exits; as
# for the other external-plugin host tests, leak detection is off here
# (ssm-render's own leaks are checked by its own sanitizer tests).
[ -n "${ASAN_OPTIONS:-}" ] && export ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
LAT=321 GAIN=0.5
fail=0
step() { echo "== $*"; }
die() { echo "FAIL: $*"; exit 1; }

step "capture signal (tiny)"
"$py" "$train/capture_signal.py" --capture "$tmp/sig.wav" --tiny || die "capture_signal.py"

step "through the device (x42 darc, a real LV2 plugin)"
"$py" "$train/capture_devices.py" --render comp "$tmp/sig.wav" "$tmp/dev.wav" --ssm-render "$render" \
  || die "rendering through x42 darc (Debian package x42-plugins)"

step "an interface: $LAT samples late, gain $GAIN"
"$py" - "$tmp/dev.wav" "$tmp/rec.wav" "$LAT" "$GAIN" "$train" <<'EOF' || die "making the recording"
import sys
sys.path.insert(0, sys.argv[5])
import numpy as np
from capture import read_audio
from capture_signal import write_wav
y, _ = read_audio(sys.argv[1])
lat, g = int(sys.argv[3]), float(sys.argv[4])
write_wav(sys.argv[2], np.concatenate([np.zeros(lat), g * y]))
EOF

step "align: latency and gain recovered"
"$py" "$train/capture.py" --input "$tmp/sig.wav" --output "$tmp/dev.wav" --align-only >"$tmp/a0.json" \
  || die "capture.py --align-only on the device's render"
"$py" "$train/capture.py" --input "$tmp/sig.wav" --output "$tmp/rec.wav" --align-only >"$tmp/a1.json" \
  || die "capture.py --align-only on the recording"
"$py" - "$tmp/a0.json" "$tmp/a1.json" "$LAT" "$GAIN" <<'EOF' || fail=1
import json, math, sys
a0, a1 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
lat, g = int(sys.argv[3]), float(sys.argv[4])
# The markers' peaks move by exactly the interface's delay; the latency
# capture.py cuts is the response's onset less a 2-sample margin (a model
# can learn a delay, never an advance), so it moves by LAT less up to 2
# samples where the device's own onset was within the margin of 0.
peaks = [b - a for a, b in zip(a0["marker_peak_lag"], a1["marker_peak_lag"])]
d = a1["latency_samples"] - a0["latency_samples"]
dg = a1["level_gain_db"] - a0["level_gain_db"]
want = 20 * math.log10(g)
print(f"marker peaks moved by {peaks} (want {lat}); latency {a0['latency_samples']} -> "
      f"{a1['latency_samples']} (+{d}); gain {a0['level_gain_db']} -> {a1['level_gain_db']} dB "
      f"({dg:+.2f}, want {want:+.2f})")
ok = peaks == [lat, lat] and lat - 2 <= d <= lat and a1["latency_samples"] >= lat - 2 \
    and abs(dg - want) < 0.05 and a1["latency_check"] == a1["latency_samples"]
print("ok" if ok else "FAIL: latency or gain not recovered")
sys.exit(0 if ok else 1)
EOF

step "train a few steps on the CPU, export"
"$py" "$train/capture.py" --input "$tmp/sig.wav" --output "$tmp/rec.wav" --family s4d --task dynamics \
  --width 4 --state 8 --depth 1 --minutes 0.25 --segment 4096 --warmup 1024 --batch 2 --val-every 4 \
  --val-chunk 48000 --device cpu --effect comp --tag tiny --out "$tmp/m" >"$tmp/train.log" 2>&1 \
  || { cat "$tmp/train.log"; die "capture.py training"; }
tail -2 "$tmp/train.log"
model=$tmp/m/model.safetensors
[ -s "$model" ] || die "no model file exported"

step "the engine runs the export as PyTorch ran it; it learned something"
"$render" -q --model "$model" "$tmp/sig.wav" -o "$tmp/engine.wav" || die "ssm-render --model"
"$py" - "$model" "$tmp/sig.wav" "$tmp/engine.wav" "$tmp/m/report.json" "$train" "$LAT" <<'EOF' || fail=1
import json, sys
sys.path.insert(0, sys.argv[5])
import numpy as np
import torch
import ssmlib as S
from capture import read_audio
rep = json.load(open(sys.argv[4]))
g = S.load(sys.argv[1])
x, _ = read_audio(sys.argv[2])
e, _ = read_audio(sys.argv[3])
with torch.no_grad():
    t = g(torch.tensor(x, dtype=torch.float32)[None])["audio"][0, :, 0].double().numpy()
# float32 both, FFT convolution against PyTorch's: a few 1e-5 apart; a
# wrong export is O(1) apart.
rel = float(np.max(np.abs(e - t)) / np.max(np.abs(t)))
rms = float(np.sqrt(np.mean((e - t) ** 2) / np.mean(t ** 2)))
print(f"steps {rep['steps']}, val ESR {rep['val_esr']:.4f}, latency {rep['latency_samples']}; "
      f"engine vs PyTorch: max rel diff {rel:.2e}, rms rel diff {rms:.2e}")
ok = rep["steps"] >= 3 and rep["latency_samples"] >= int(sys.argv[6]) - 2 and np.isfinite(rep["val_esr"]) \
    and rep["val_esr"] < 1.0 and rel < 1e-3 and rms < 2e-4
print("ok" if ok else "FAIL")
sys.exit(0 if ok else 1)
EOF

step "loaded in ssm-model from its LV2 preset (capture_preset.py)"
mkdir -p "$tmp/lv2"
"$py" "$train/capture_preset.py" "$model" "Tiny test capture" --lv2-dir "$tmp/lv2" || die "capture_preset.py"
"$py" "$train/capture_preset.py" "$model" "Tiny test capture" --lv2-dir "$tmp/lv2" >/dev/null 2>&1 \
  && { echo "FAIL: capture_preset.py overwrote an existing bundle"; fail=1; }
LV2_PATH="$(dirname "$bundle"):$tmp/lv2:/usr/lib/lv2" "$render" -q -v \
  -p "http://ssmaudio.org/plugins/model:Tiny test capture" "$tmp/sig.wav" -o "$tmp/plugin.wav" \
  >"$tmp/p.log" 2>&1 || { cat "$tmp/p.log"; die "ssm-render -p ssm-model:preset"; }
grep -q "ssm-model: loaded .*tiny-test-capture.safetensors" "$tmp/p.log" \
  || { cat "$tmp/p.log"; echo "FAIL: ssm-model did not load the preset's file"; fail=1; }
"$wavtool" cmp "$tmp/plugin.wav" "$tmp/engine.wav" 1e-5 || fail=1
"$wavtool" differ "$tmp/plugin.wav" "$tmp/sig.wav" 0.02 || fail=1

[ $fail = 0 ] && echo "capture pipeline: ok"
exit $fail

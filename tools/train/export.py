#!/usr/bin/env python3
"""Export a train.py checkpoint to the ssmaudio model format (a graph-v1
safetensors file, docs/model-format.md) and write golden test vectors of the
PyTorch model.

  python3 export.py --ckpt CKPT.pt --out MODEL.safetensors [--golden DIR] [--commit SHA]

The network is written as an ssmlib Graph (dnmodel.to_graph): tensors are
float32 with the continuous-time S4D parameters (log_dt, log_A_real, A_imag,
C_re, C_im, D), which the engine discretises (ZOH); the graph, sample rate,
latency and rate-boundness are derived metadata; provenance is added here.

Golden vectors (--golden): golden_in.f32 / golden_out.f32 / golden_vad.f32,
raw little-endian float32, the model's input and output on a deterministic
test signal (tones, noise, a burst, then digital silence), made by the
PyTorch forward (FFT-convolution S4D), in float64 for reference accuracy.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnmodel import DenoiseNet, to_graph  # noqa: E402


def golden_signal(n, sr=48000):
    rng = np.random.default_rng(7)
    t = np.arange(n) / sr
    x = 0.1 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))
    x += 0.05 * np.sin(2 * np.pi * 3100 * t + 0.3)
    x += 0.02 * rng.standard_normal(n)
    b = slice(n // 3, n // 3 + n // 8)
    x[b] += 0.2 * rng.standard_normal(x[b].shape)
    x[-n // 6:] = 0.0  # digital silence must come out as (decaying to) silence
    return x.astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--golden", default=None)
    ap.add_argument("--golden-samples", type=int, default=9600)
    ap.add_argument("--commit", default="unknown")
    args = ap.parse_args()
    ck = torch.load(args.ckpt, map_location="cpu", weights_only=False)
    model = DenoiseNet()
    model.load_state_dict(ck["model"])
    model.eval()
    hist = ck.get("history", [])
    vals = [h for h in hist if "val" in h]
    meta = {
        "ssm.name": "ssm-denoise fbmask-s4d",
        "ssm.provenance": json.dumps({
            "trainer": "tools/train/train.py", "exporter": "tools/train/export.py",
            "data": "tools/train/make_data.py: espeak-ng + flite TTS, synthetic noise/RIR on the fly",
            "commit": args.commit, "steps": ck["step"], "train_args": ck.get("args", {}),
            "last_val": vals[-1]["val"] if vals else None}),
        "ssm.license": "same as ssmaudio",
    }
    graph = to_graph(model)
    graph.save(args.out, meta)
    n_params = sum(t.numel() for t in graph.file_tensors().values())
    print(f"wrote {args.out}: {n_params} params, {os.path.getsize(args.out)} bytes")
    if args.golden:
        os.makedirs(args.golden, exist_ok=True)
        x = golden_signal(args.golden_samples)
        m64 = model.double()
        with torch.no_grad():
            y, v = m64(torch.from_numpy(x).double().unsqueeze(0))
        x.astype("<f4").tofile(os.path.join(args.golden, "golden_in.f32"))
        y[0].numpy().astype("<f4").tofile(os.path.join(args.golden, "golden_out.f32"))
        v[0].numpy().astype("<f4").tofile(os.path.join(args.golden, "golden_vad.f32"))
        print(f"golden: {len(x)} samples, out rms {float(y.pow(2).mean().sqrt()):.5f}, "
              f"tail max {float(y[0, -args.golden_samples // 12:].abs().max()):.3g}")


if __name__ == "__main__":
    main()

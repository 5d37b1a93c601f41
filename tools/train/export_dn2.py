#!/usr/bin/env python3
"""Export a train_dn2.py checkpoint to a graph-v1 model file, and write the
golden vectors the C engine is held to (tests/golden/dnmodel, read by
tests/engine/test_network.c; tests/golden/dnmodel_golden.py re-derives them
with a numpy recurrence).

  python3 export_dn2.py --ckpt CKPT.pt --out MODEL.safetensors [--golden DIR] [--commit SHA]

The golden signal is export.py's (tones, noise, a burst, then digital
silence); its output and VAD come from the PyTorch graph in float64 (the
training / offline form: S4D by FFT convolution, Mamba by the chunked scan).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dn2model as D  # noqa: E402
from export import golden_signal  # noqa: E402


def load_ckpt(path, weights="last"):
    """The graph of a checkpoint: its last weights, or those of its best
    validation point (train_dn2.py keeps both)."""
    ck = torch.load(path, map_location="cpu", weights_only=False)
    g = D.build(**ck["arch"])
    if weights == "best":
        if ck.get("best_model") is None:
            raise SystemExit(f"{path} holds no best-validation weights")
        g.load_state_dict(ck["best_model"])
    else:
        g.load_state_dict(ck["model"])
    return g.eval(), ck


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--golden", default=None)
    ap.add_argument("--golden-samples", type=int, default=9600)
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--weights", choices=("last", "best"), default="last",
                    help="the checkpoint's last weights or those of its best validation")
    ap.add_argument("--data", default="tools/train/make_data_v2.sh (90 min, seed 1)")
    args = ap.parse_args()
    g, ck = load_ckpt(args.ckpt, args.weights)
    vals = [h for h in ck.get("history", []) if "val" in h]
    if args.weights == "best":
        vals = [{"step": ck["best_step"], "val": ck["best_val"]}]
    meta = {
        "ssm.name": f"ssm-denoise v2 ({ck['variant']})",
        "ssm.provenance": json.dumps({
            "trainer": "tools/train/train_dn2.py", "exporter": "tools/train/export_dn2.py",
            "model": "tools/train/dn2model.py", "variant": ck["variant"], "arch": ck["arch"],
            "weights": args.weights, "weights_step": vals[-1]["step"] if vals else ck["step"],
            "data": args.data, "commit": args.commit, "steps": ck["step"],
            "trained_seconds": round(ck["trained"], 1) if "trained" in ck else None, "train_args": ck.get("args", {}),
            "last_val": vals[-1]["val"] if vals else None}),
        "ssm.license": "same as ssmaudio",
    }
    g.save(args.out, meta)
    print(f"wrote {args.out}: {D.describe(g)}, {os.path.getsize(args.out)} bytes")
    if args.golden:
        os.makedirs(args.golden, exist_ok=True)
        x = golden_signal(args.golden_samples)
        g64 = g.double()
        with torch.no_grad():
            out = g64(torch.from_numpy(x).double().unsqueeze(0))
        y, v = out["audio"][0, :, 0].numpy(), out["vad"][0, :, 0].numpy()
        x.astype("<f4").tofile(os.path.join(args.golden, "golden_in.f32"))
        y.astype("<f4").tofile(os.path.join(args.golden, "golden_out.f32"))
        v.astype("<f4").tofile(os.path.join(args.golden, "golden_vad.f32"))
        print(f"golden: {len(x)} samples, out rms {float(np.sqrt(np.mean(y ** 2))):.5f}, "
              f"tail max {float(np.abs(y[-args.golden_samples // 12:]).max()):.3g}")


if __name__ == "__main__":
    main()

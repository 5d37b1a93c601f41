#!/usr/bin/env python3
"""SI-SDR improvement of denoiser checkpoints on tools/eval's validation set,
by the PyTorch forward (the network the engine runs; no STOI, no C engine:
a quick ranking of checkpoints before tools/eval/ssm-eval scores the one
that matters). Output aligned by the model's latency.

  /usr/bin/python3 tools/train/eval_ckpt.py [--every N] [--v1] NAME=CKPT.pt ...

--v1 adds the bundled model (presets/denoise.safetensors) and its pruned
3 x 112 warm start; --best scores a checkpoint's best-validation weights too.
"""
import argparse
import csv
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "eval"))
import dn2model as D  # noqa: E402
import metrics as M  # noqa: E402
from ssm_eval import read  # noqa: E402


def models(args):
    out = {}
    v1 = os.path.join(ROOT, "presets", "denoise.safetensors")
    if args.v1:
        g = D.build(**D.VARIANTS["v1"]["arch"])
        D.warm_start(g, v1)
        out["v1"] = g.eval()
        g = D.build(**D.VARIANTS["s4d"]["arch"])
        D.warm_start(g, v1, blocks=D.VARIANTS["s4d"]["warm"])
        out["s4d-pruned"] = g.eval()
    for spec in args.ckpt:
        name, path = spec.split("=", 1)
        ck = torch.load(path, map_location="cpu")
        g = D.build(**ck["arch"])
        g.load_state_dict(ck["model"])
        out[name] = g.eval()
        if args.best and ck.get("best_model") is not None:
            g = D.build(**ck["arch"])
            g.load_state_dict(ck["best_model"])
            out[f"{name}-best@{ck['best_step']}"] = g.eval()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt", nargs="*", help="NAME=CKPT.pt")
    ap.add_argument("--set", default=os.path.join(ROOT, "tools", "eval", "data", "valset"))
    ap.add_argument("--every", type=int, default=1, help="score every N-th file")
    ap.add_argument("--v1", action="store_true")
    ap.add_argument("--best", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    items = [it for it in csv.DictReader(open(os.path.join(args.set, "manifest.csv")))
             if it["noise"] not in ("silence", "none")][:: args.every]
    for name, g in models(args).items():
        L = g.latency
        rows = []
        with torch.no_grad():
            for it in items:
                c = read(os.path.join(args.set, "clean", it["id"] + ".wav"))
                x = read(os.path.join(args.set, "noisy", it["id"] + ".wav"))
                xin = torch.from_numpy(np.concatenate([x, np.zeros(L)])).float()[None]
                y = g(xin)["audio"][0, :, 0].numpy()[L: L + len(x)]
                rows.append((it["noise"], float(it["snr_db"]), M.si_sdr(c, y) - M.si_sdr(c, x)))
        by_snr = {s: np.mean([r[2] for r in rows if r[1] == s]) for s in sorted({r[1] for r in rows})}
        by_f = {f: np.mean([r[2] for r in rows if r[0] == f]) for f in sorted({r[0] for r in rows})}
        print(f"{name}: {len(rows)} files, SI-SDRi {np.mean([r[2] for r in rows]):+.2f} dB; per SNR "
              + " ".join(f"{k:g}:{v:+.2f}" for k, v in by_snr.items()) + "; per noise "
              + " ".join(f"{k}:{v:+.2f}" for k, v in by_f.items()), flush=True)


if __name__ == "__main__":
    main()

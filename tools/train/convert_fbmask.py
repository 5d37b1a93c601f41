#!/usr/bin/env python3
"""Convert an "fbmask-s4d-v1" denoiser file (the engine's former per-network
builder) to the one graph format, "graph-v1" (docs/model-format.md), with the
same tensors under the same names, and prove the two networks equal.

  /usr/bin/python3 tools/train/convert_fbmask.py OLD.safetensors NEW.safetensors \
      [--golden tests/golden/dnmodel]

The old file's sizes (ssm.hop, ssm.filters, ssm.width, ssm.state, ssm.layers)
rebuild tools/train/dnmodel.py's DenoiseNet; dnmodel.to_graph() makes the
ssmlib Graph. Checks, in float64, on the golden input (or a test signal):
DenoiseNet forward == Graph forward (audio and vad), and == the committed
golden output when --golden is given; then that the written file reloads
(ssmlib.load) to the same output. Metadata other than the architecture keys
(provenance, licence, name) is carried over.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssmlib  # noqa: E402
from dnmodel import DenoiseNet, RMSNorm, to_graph  # noqa: E402

OLD_KEYS = {"ssm.format_version", "ssm.architecture", "ssm.layers", "ssm.sample_rate", "ssm.rediscretize",
            "ssm.rediscretize_note", "ssm.hop", "ssm.win", "ssm.filters", "ssm.width", "ssm.state",
            "ssm.n_layers", "ssm.feat_eps", "ssm.norm_eps", "ssm.s4d_discretization", "ssm.activation",
            "ssm.latency_samples"}


def load_old(path):
    tensors, meta = ssmlib.read_safetensors(path)
    if meta.get("ssm.architecture") != "fbmask-s4d-v1":
        sys.exit(f"{path}: ssm.architecture is {meta.get('ssm.architecture')!r}, not fbmask-s4d-v1")
    n_blocks = sum(1 for s in meta["ssm.layers"].split(",") if s.startswith("s4d_block:"))
    net = DenoiseNet(hop=int(meta["ssm.hop"]), filters=int(meta["ssm.filters"]),
                     width=int(meta["ssm.width"]), state=int(meta["ssm.state"]), layers=n_blocks,
                     feat_eps=float(meta["ssm.feat_eps"]))
    for mod in net.modules():
        if isinstance(mod, RMSNorm):
            mod.eps = float(meta.get("ssm.norm_eps", "1e-05"))
    sd = {"enc": tensors["enc.weight"], "dec": tensors["dec.weight"]}
    for k, v in tensors.items():
        if k not in ("enc.weight", "dec.weight"):
            sd[k] = v
    net.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in sd.items()})
    return net.eval(), meta


def rel(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--golden", default=None, help="dir with golden_in/out/vad.f32 (export.py)")
    a = ap.parse_args()
    net, meta = load_old(a.old)
    g = to_graph(net)
    if a.golden:
        x = np.fromfile(os.path.join(a.golden, "golden_in.f32"), dtype="<f4")
    else:
        x = np.random.default_rng(1).standard_normal(9600).astype(np.float32) * 0.1
    xt = torch.from_numpy(x.astype(np.float64)).unsqueeze(0)
    with torch.no_grad():
        y0, v0 = net.double()(xt)
        out = g.double()(xt)
    y1, v1 = out["audio"][0, :, 0].numpy(), out["vad"][0, :, 0].numpy()
    e, ev = rel(y1, y0[0].numpy()), float(np.max(np.abs(v1 - v0[0].numpy())))
    print(f"graph vs DenoiseNet (float64): audio rel err {e:.3g}, vad max abs err {ev:.3g}")
    ok = e < 1e-9 and ev < 1e-9
    if a.golden:
        ref = np.fromfile(os.path.join(a.golden, "golden_out.f32"), dtype="<f4").astype(np.float64)
        vref = np.fromfile(os.path.join(a.golden, "golden_vad.f32"), dtype="<f4").astype(np.float64)
        eg, egv = rel(y1, ref), float(np.max(np.abs(v1 - vref)))
        print(f"graph vs committed golden: audio rel err {eg:.3g}, vad max abs err {egv:.3g}")
        ok = ok and eg < 1e-6 and egv < 1e-6
    extra = {k: v for k, v in meta.items() if k not in OLD_KEYS}
    extra["ssm.converted_from"] = ("fbmask-s4d-v1 by tools/train/convert_fbmask.py (same tensors, "
                                   "same names; graph forward == DenoiseNet forward)")
    g.float().save(a.new, extra)
    g2 = ssmlib.load(a.new)
    with torch.no_grad():
        y2 = g2.double()(xt)["audio"][0, :, 0].numpy()
    er = rel(y2, y1)
    print(f"reloaded {a.new}: rel err {er:.3g}; latency {g2.latency} samples; rate-bound: "
          f"{', '.join(f'{i} ({k})' for i, k in g2.rate_bound)}")
    ok = ok and er == 0.0
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

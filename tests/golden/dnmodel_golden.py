#!/usr/bin/python3
"""Independent numpy (float64) forward of the denoiser (the graph-v1 file
that tools/train/dnmodel.py's to_graph writes), from the model file alone: checks the PyTorch golden output that
tools/train/export.py wrote (tests/golden/dnmodel/golden_out.f32), which
tests/engine/test_network.c holds the C engine to.

  /usr/bin/python3 tests/golden/dnmodel_golden.py [presets/denoise.safetensors]

The S4D layers run here as the plain recurrence (ZOH, conjugate-symmetric,
y = 2 Re(sum C Bbar x) + D u), not PyTorch's FFT convolution, so agreement
checks the kernel form against the recurrent form too.
"""
import json
import os
import sys

import numpy as np
from scipy.special import erf

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))


def load(path):
    b = open(path, "rb").read()
    n = int.from_bytes(b[:8], "little")
    h = json.loads(b[8:8 + n])
    meta = h.pop("__metadata__")
    data = b[8 + n:]
    t = {}
    for k, v in h.items():
        s, e = v["data_offsets"]
        t[k] = np.frombuffer(data[s:e], dtype="<f4").reshape(v["shape"]).astype(np.float64)
    return meta, t


def rms(x, w, eps):
    return x / np.sqrt(np.mean(x * x, -1, keepdims=True) + eps) * w


def dft_basis(w):
    """The fixed `dft` basis (docs/model-format.md): w/2+1 cosine then w/2-1
    sine rows of an orthonormal real DFT, times a periodic sqrt-Hann window."""
    n = np.arange(w)
    rows = [(np.sqrt(1.0 / w) if k in (0, w // 2) else np.sqrt(2.0 / w)) * np.cos(2 * np.pi * k * n / w)
            for k in range(w // 2 + 1)]
    rows += [np.sqrt(2.0 / w) * np.sin(2 * np.pi * k * n / w) for k in range(1, w // 2)]
    return np.stack(rows) * np.sqrt(0.5 - 0.5 * np.cos(2 * np.pi * n / w))


def forward(meta, t, x):
    nodes = {n["id"]: n for n in json.loads(meta["ssm.graph"])["nodes"]}
    R = nodes["enc"]["hop"]
    W = nodes["enc"].get("window", 2 * R)
    eps_f, eps_n = nodes["feat"]["eps"], nodes["norm_f"]["eps"]
    n_blocks = sum(1 for n in nodes.values() if n["kind"] == "s4d")
    dft = nodes["enc"].get("basis") == "dft"
    enc = dft_basis(W) if dft else t["enc.weight"]
    dec = dft_basis(W) if dft else t["dec.weight"]
    T = len(x) // R
    xp = np.concatenate([np.zeros(W - R), x])
    frames = np.stack([xp[i * R: i * R + W] for i in range(T)])  # (T, W)
    c = frames @ enc.T  # (T, F)
    f = c
    if "pool" in nodes:  # the DFT variant: log power of each bin (squares pooled)
        f = (c * c) @ t["pool.weight"].T
    h = np.log(f * f + eps_f) @ t["inp.weight"].T + t["inp.bias"]
    for b in range(n_blocks):
        p = f"blocks.{b}."
        z = rms(h, t[p + "norm.weight"], eps_n)
        dt = np.exp(t[p + "s4d.log_dt"])[:, None]
        A = -np.exp(t[p + "s4d.log_A_real"]) + 1j * t[p + "s4d.A_imag"]
        lam = np.exp(dt * A)
        w = 2.0 * (t[p + "s4d.C_re"] + 1j * t[p + "s4d.C_im"]) * (lam - 1.0) / A
        s = np.zeros_like(lam)
        y = np.empty_like(z)
        for i in range(T):
            s = lam * s + z[i][:, None]
            y[i] = np.real(np.sum(w * s, -1)) + t[p + "s4d.D"] * z[i]
        g = 0.5 * y * (1.0 + erf(y / np.sqrt(2.0)))
        o = g @ t[p + "out.weight"].T + t[p + "out.bias"]
        H = o.shape[1] // 2
        h = h + o[:, :H] / (1.0 + np.exp(-o[:, H:]))
    z = rms(h, t["norm_f.weight"], eps_n)
    m = 1.0 / (1.0 + np.exp(-(z @ t["mask.weight"].T + t["mask.bias"])))
    if "mask.rows" in nodes:  # one gain per bin for its cos and sin rows
        K = m.shape[1]
        m = np.concatenate([m, m[:, 1:K - 1]], 1)
    vad = 1.0 / (1.0 + np.exp(-(z @ t["vad.weight"].T + t["vad.bias"])))[:, 0]
    syn = (m * c) @ dec  # (T, W)
    out = np.zeros(len(x) + W + R)
    for i in range(T):
        out[i * R + R - 1: i * R + R - 1 + W] += syn[i]
    return out[: len(x)], vad


def main():
    model = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "presets/denoise.safetensors")
    meta, t = load(model)
    gd = os.path.join(here, "dnmodel")
    x = np.fromfile(os.path.join(gd, "golden_in.f32"), dtype="<f4").astype(np.float64)
    ref = np.fromfile(os.path.join(gd, "golden_out.f32"), dtype="<f4").astype(np.float64)
    vref = np.fromfile(os.path.join(gd, "golden_vad.f32"), dtype="<f4").astype(np.float64)
    y, v = forward(meta, t, x)
    e = np.max(np.abs(y - ref)) / np.max(np.abs(ref))
    ev = np.max(np.abs(v - vref))
    tail = np.max(np.abs(y[-len(x) // 12:]))
    print(f"numpy recurrence vs PyTorch FFT form: rel err {e:.3g} (max abs / max ref), "
          f"vad max abs err {ev:.3g}, silent tail max {tail:.3g}")
    ok = e < 1e-5 and ev < 1e-5 and tail == 0.0
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

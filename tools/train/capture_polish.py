#!/usr/bin/python3
"""Polish an LTI capture (a reverb, a cabinet): keep the trained network's
poles, solve its residues in closed form.

An lti capture (capture_models.py: x -> Linear(1 -> H) -> S4D -> Linear(H -> 1)
-> gain) has the impulse response

    k[l] = Dt d[l] + sum_k Re(q_k z_k^l),   z_k = exp(dt A) (ZOH),
    q_k = 2 g w_out[h] w_in[h] Bbar_k C_k,  Dt = g sum_h w_out[h] w_in[h] D_h,

linear in (q, Dt) once the poles z are fixed: the residues that bring k
closest to the device's impulse response are a linear least-squares problem
(modal fitting with fixed poles; Steiglitz-McBride / vector fitting solve
the same residue step). The target is the least-squares FIR of the
recording (capture.py's ls_fir: the device's response from the training
part only), zero beyond its taps, and the fit runs over --fit-seconds, far
beyond them, so slow modes cannot ring on where the device is silent.
The Gram matrix of the damped exponentials over L samples is closed form
(sum_l w^l = expm1(L log w) / expm1(log w)), so the solve is (2K+1)^2, not
L x K. Gradient training cannot reach this optimum in minutes (the residues
of 2K nearly collinear exponentials are badly conditioned), the solve gets
it exactly for the poles it has.

Usage: capture_polish.py --model IN.safetensors --input x --output y [--meta]
                         --out OUT.safetensors [--taps 48000] [--fit-seconds 4]
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
from scipy.signal import fftconvolve

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture as CP  # noqa: E402
import ssmlib as S  # noqa: E402

SR = CP.SR


def lti_parts(g):
    """(w_in [H], S4D layer, w_out [H], gain) of an lti capture graph."""
    kinds = [type(layer).__name__ for layer in g.layers]
    if kinds != ["Linear", "S4D", "Linear", "Affine"]:
        raise SystemExit(f"not an S4D lti capture (layers {kinds}): nothing to polish")
    lin_in, s4d, lin_out, aff = g.layers
    if lin_in.lin.bias is not None or lin_out.lin.bias is not None or s4d.discretization != "zoh":
        raise SystemExit("the lti capture has biases or a bilinear S4D: not the shape this solves")
    return (lin_in.lin.weight.detach().double()[:, 0].numpy(), s4d,
            lin_out.lin.weight.detach().double()[0].numpy(), float(aff.scale))


def poles(s4d):
    dt = torch.exp(s4d.log_dt.detach().double()).numpy()[:, None]
    A = -np.exp(s4d.log_A_real.detach().double().numpy()) + 1j * s4d.A_imag.detach().double().numpy()
    return A, dt


def geom(s, L):
    """sum_{l < L} exp(s l), for Re s <= 0, exactly where exp(s) is near 1."""
    small = np.abs(s) < 1e-300
    s_safe = np.where(small, 1.0, s)
    out = np.expm1(L * s_safe) / np.expm1(s_safe)
    return np.where(small, float(L), out)


def solve(logz, h, L, ridge):
    """Real least-squares coefficients (Re q, Im q, Dt) of
    Dt d[l] + sum Re(q_k z_k^l) against h (zero beyond its length) over L."""
    K = len(logz)
    P = geom(logz[:, None] + logz[None, :], L)
    Q = geom(logz[:, None] + np.conj(logz)[None, :], L)
    G = np.empty((2 * K + 1, 2 * K + 1))
    G[:K, :K] = (P.real + Q.real) / 2       # <Re z_i^l, Re z_j^l>
    G[K:2 * K, K:2 * K] = (Q.real - P.real) / 2  # <Im, Im>
    G[:K, K:2 * K] = (P.imag - Q.imag) / 2  # <Re_i, Im_j>
    G[K:2 * K, :K] = G[:K, K:2 * K].T
    G[2 * K, :K], G[2 * K, K:2 * K], G[2 * K, 2 * K] = 1.0, 0.0, 1.0  # the direct path d[l]
    G[:K, 2 * K], G[K:2 * K, 2 * K] = 1.0, 0.0
    b = np.zeros(2 * K + 1)
    n = len(h)
    for a in range(0, n, 4096):  # sum_l h[l] z^l, in blocks of l
        l = np.arange(a, min(n, a + 4096))
        zl = np.exp(logz[:, None] * l[None, :])
        v = zl @ h[l]
        b[:K] += v.real
        b[K:2 * K] += v.imag
    b[2 * K] = h[0]
    d = np.sqrt(np.diag(G))  # scale to unit diagonal: the ridge is relative
    Gs = G / d[:, None] / d[None, :]
    u = np.linalg.solve(Gs + ridge * np.eye(len(G)), b / d) / d
    return u[:K] - 1j * u[K:2 * K], u[2 * K]  # Re(q z^l) = Re q Re z^l - Im q Im z^l


def response(logz, q, Dt, L):
    """Dt d[l] + sum Re(q_k z_k^l) for l < L, in blocks (a [K, L] table of
    z^l for a reverb is gigabytes)."""
    k = np.zeros(L)
    for a in range(0, L, 4096):
        l = np.arange(a, min(L, a + 4096))
        k[l] = (q @ np.exp(logz[:, None] * l[None, :])).real
    k[0] += Dt
    return k


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--meta", default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--taps", type=int, default=SR, help="taps of the least-squares FIR (the target)")
    ap.add_argument("--cg", type=int, default=120, help="conjugate-gradient steps for it")
    ap.add_argument("--fit-seconds", type=float, default=4.0)
    ap.add_argument("--ridge", type=float, default=1e-9)
    ap.add_argument("--fir-cache", default=None, help="keep the LS FIR here (.npy) and reuse it")
    args = ap.parse_args()
    torch.set_num_threads(2)
    x, _ = CP.read_audio(args.input)
    y, _ = CP.read_audio(args.output)
    meta_path = args.meta or os.path.splitext(args.input)[0] + ".json"
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else None
    lat, _ = CP.align(x, y)
    y = np.concatenate([y[lat:], np.zeros(lat)])[: len(x)]
    y = np.pad(y, (0, len(x) - len(y)))
    train, val = CP.regions(meta, len(x))
    if args.fir_cache and os.path.exists(args.fir_cache):
        h = np.load(args.fir_cache)
        v0, v1 = val[0]
        fir_va = CP.esr(fftconvolve(x[v0 - len(h):v1], h)[len(h):len(h) + v1 - v0], y[v0:v1])
    else:
        h, _fir_tr, fir_va = CP.ls_fir(x, y, train, val, args.taps, args.cg, "cpu", print)
        h = h.double().numpy()
        if args.fir_cache:
            np.save(args.fir_cache, h)
    L = int(args.fit_seconds * SR)

    g = S.load(args.model)
    w_in, s4d, w_out, gain = lti_parts(g)
    A, dt = poles(s4d)
    H, M = A.shape
    logz = (dt * A).reshape(-1)
    bbar = ((np.exp(dt * A) - 1.0) / A).reshape(-1)
    a = np.repeat(gain * w_out * w_in, M)

    def val_esr(k):
        # The network is LTI: its output is x convolved with its response
        # (to L samples; the modes have decayed by then).
        v0, v1 = val[0]
        out = fftconvolve(x[v0 - L:v1], k)[L:L + v1 - v0]
        return CP.esr(out, y[v0:v1])

    C0 = (s4d.C_re.detach().double().numpy() + 1j * s4d.C_im.detach().double().numpy()).reshape(-1)
    D0 = s4d.D.detach().double().numpy()
    before = val_esr(response(logz, 2.0 * a * bbar * C0, float(gain * (w_out * w_in) @ D0), L))
    q, Dt = solve(logz, h, L, args.ridge)
    k = response(logz, q, Dt, L)
    after = val_esr(k)
    C = (q / (2.0 * a * bbar)).reshape(H, M)
    ah = gain * w_out * w_in
    D = s4d.D.detach().double().numpy()
    D = D + (Dt - float(ah @ D)) * ah / float(ah @ ah)
    with torch.no_grad():
        s4d.C_re.copy_(torch.tensor(C.real))
        s4d.C_im.copy_(torch.tensor(C.imag))
        s4d.D.copy_(torch.tensor(D))
    target = np.zeros(len(k))
    target[:len(h)] = h
    ir_esr = CP.esr(k, target)
    print(f"polish: {H * M} poles kept, residues solved over {args.fit_seconds:g} s; "
          f"IR ESR to the {args.taps}-tap LS FIR {ir_esr:.2e}; val ESR {before:.5f} -> {after:.5f} "
          f"(the LS FIR itself: {fir_va:.2e})")
    if not after < before:
        raise SystemExit("polish: the val ESR did not improve; nothing written")
    _tensors, md = S.read_safetensors(args.model)
    prov = json.loads(md.get("ssm.provenance", "{}") or "{}")
    prov["polish"] = {"tool": "tools/train/capture_polish.py", "taps": args.taps, "cg": args.cg,
                      "fit_seconds": args.fit_seconds, "ridge": args.ridge, "ir_esr": ir_esr,
                      "val_esr_before": before, "val_esr_after": after, "ls_fir_val_esr": fir_va}
    prov["val_esr"] = after
    g.save(args.out, {"ssm.provenance": json.dumps(prov), "ssm.license": md.get("ssm.license", "ISC"),
                      "ssm.name": md.get("ssm.name", "capture") + " (residues polished)"})
    print(json.dumps(prov["polish"]))


if __name__ == "__main__":
    main()

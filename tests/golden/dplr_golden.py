#!/usr/bin/python3
# Golden data for the structured SSM kernels (HiPPO, S4-DPLR, Liquid-S4, S4ND).
# Run from the repository root:
#     /usr/bin/python3 tests/golden/dplr_golden.py
# Writes little-endian float32 files into tests/golden/dplr/.
#
# Everything is computed independently of the C code, from the reference
# formulas: HiPPO matrices as transition() in state-spaces/s4
# src/models/hippo/hippo.py; the S4 kernel by direct powers of the bilinear
# Abar of the full (conjugate-expanded) DPLR matrix in complex128 (no Cauchy
# kernel, no Woodbury, no FFT); Liquid-S4 by a direct time loop of
# raminmh/liquid-s4's correlation terms (causal, neighbouring products);
# S4ND by a direct 2-D convolution sum.
import os
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dplr")
os.makedirs(OUT, exist_ok=True)


def save(name, arr):
    np.asarray(arr, dtype="<f4").ravel().tofile(os.path.join(OUT, name + ".f32"))


def embed_c2r(A):
    m, n = A.shape
    out = np.zeros((2 * m, 2 * n))
    out[0::2, 0::2] = A
    out[1::2, 1::2] = A
    return out


def transition(measure, N):
    if measure == "legt":
        Q = np.arange(N, dtype=np.float64)
        R = (2 * Q + 1) ** 0.5
        j, i = np.meshgrid(Q, Q)
        A = -(R[:, None] * np.where(i < j, (-1.0) ** (i - j), 1) * R[None, :])
        B = R
    elif measure == "lmu":
        Q = np.arange(N, dtype=np.float64)
        R = (2 * Q + 1)[:, None]
        j, i = np.meshgrid(Q, Q)
        A = np.where(i < j, -1, (-1.0) ** (i - j + 1)) * R
        B = ((-1.0) ** Q[:, None] * R)[:, 0]
    elif measure == "legs":
        q = np.arange(N, dtype=np.float64)
        col, row = np.meshgrid(q, q)
        r = 2 * q + 1
        M = -(np.where(row >= col, r, 0) - np.diag(q))
        T = np.sqrt(np.diag(2 * q + 1))
        A = T @ M @ np.linalg.inv(T)
        B = np.diag(T)
    elif measure == "fourier":
        freqs = np.arange(N // 2)
        d = np.stack([freqs, np.zeros(N // 2)], axis=-1).reshape(-1)[:-1]
        A = 2 * np.pi * (np.diag(d, 1) - np.diag(d, -1))
        A = A - embed_c2r(np.ones((N // 2, N // 2)))
        B = embed_c2r(np.ones((N // 2, 1)))[:, 0]
    return A, B


for meas in ("legs", "legt", "lmu", "fourier"):
    for N in (8, 32):
        A, B = transition(meas, N)
        save(f"hippo_{meas}_{N}_A", A)
        save(f"hippo_{meas}_{N}_B", B)


def legs_dplr(N):
    """Normal part of LegS, eigendecomposed by numpy's general eig."""
    A, B = transition("legs", N)
    P = np.sqrt(0.5 + np.arange(N))
    S = A + np.outer(P, P)
    w, V = np.linalg.eig(S)
    keep = np.where(w.imag > 0)[0]
    keep = keep[np.argsort(w.imag[keep])]
    w, V = w[keep], V[:, keep]
    # eig's vectors are unit norm; S normal with distinct eigenvalues, so
    # they are orthonormal and V^* is the inverse on this half.
    Vi = V.conj().T
    return w, Vi @ P, Vi @ B


def f32c(z):
    return np.asarray(z.real, np.float32).astype(np.float64) + 1j * np.asarray(
        z.imag, np.float32
    ).astype(np.float64)


def full(v):
    return np.concatenate([v, v.conj()])


def s4_discrete(lam, p, b, c, dt):
    """Bilinear Abar, Bbar of the full real system, and the full C."""
    lf, pf, bf, cf = full(lam), full(p), full(b), full(c)
    A = np.diag(lf) - np.outer(pf, pf.conj())
    n = len(lf)
    Minv = np.linalg.inv(np.eye(n) - dt / 2 * A)
    return Minv @ (np.eye(n) + dt / 2 * A), Minv @ (dt * bf), cf


rng = np.random.default_rng(20261125)
for N, log_dt, L in ((16, np.log(0.02), 512), (64, np.log(0.005), 1024)):
    lam, p, b = legs_dplr(N)
    save(f"legs_eig_imag_{N}", lam.imag)
    h = N // 2
    c = (rng.standard_normal(h) + 1j * rng.standard_normal(h)) * 0.5
    lam, p, b, c = f32c(lam), f32c(p), f32c(b), f32c(c)
    log_dt = float(np.float32(log_dt))
    d = float(np.float32(rng.standard_normal()))
    params = np.concatenate(
        [np.stack([v.real, v.imag], -1).ravel() for v in (lam, p, b, c)] + [[log_dt, d]]
    )
    save(f"s4_params_{N}", params)
    Ab, Bb, Cf = s4_discrete(lam, p, b, c, np.exp(log_dt))
    K = np.empty(L)
    x = Bb.copy()
    for l in range(L):
        K[l] = (Cf @ x).real
        x = Ab @ x
    save(f"s4_kernel_{N}", K)
    print(f"S4 N={N}: K[0]={K[0]:.6g} |K|max={np.abs(K).max():.4g} K[L-1]={K[-1]:.3g}")


# ---- Liquid-S4 (N = 16 S4 parameters above), degree 2 and 3, PB and KB ----
def load_params(N):
    v = np.fromfile(os.path.join(OUT, f"s4_params_{N}.f32"), dtype="<f4").astype(np.float64)
    h = N // 2
    cz = [v[a * 2 * h : (a + 1) * 2 * h : 2] + 1j * v[a * 2 * h + 1 : (a + 1) * 2 * h : 2] for a in range(4)]
    return cz[0], cz[1], cz[2], cz[3], v[8 * h], v[8 * h + 1]


lam, p, b, c, log_dt, d = load_params(16)
dt = np.exp(log_dt)
Ab, Bb, Cf = s4_discrete(lam, p, b, c, dt)
Lq = 300
u = rng.standard_normal(Lq)
save("liquid_in", u)
# the reference's dB: bilinear B of the diagonal part, conjugate-expanded
dB1 = dt * full(b) / (1.0 - 0.5 * dt * full(lam))
for degree in (2, 3):
    # correlation chain u_k[t] = u_(k-1)[t] u_(k-1)[t-1]
    us = [u]
    for k in range(2, degree + 1):
        prev = us[-1]
        us.append(prev * np.concatenate([[0.0], prev[:-1]]))
    # PB: dB_k = dB_(k-1) * sum(dB_(k-1)), c_k = (C . dB_k).real
    dB = dB1.copy()
    pb = np.zeros(Lq)
    for k in range(2, degree + 1):
        dB = (dB[:, None] * dB[None, :]).sum(1)
        pb += (Cf @ dB).real * us[k - 1]
    # KB: kernel K s^(k-1), s = sum(dB_1), i.e. S4 driven by u + sum s^(k-1) u_k
    s = dB1.sum().real
    drive = u + sum(s ** (k - 1) * us[k - 1] for k in range(2, degree + 1))
    for name, v_in, extra in (("pb", u, pb), ("kb", drive, np.zeros(Lq))):
        x = np.zeros(16, complex)
        y = np.empty(Lq)
        for t in range(Lq):
            x = Ab @ x + Bb * v_in[t]
            y[t] = (Cf @ x).real + d * u[t] + extra[t]
        save(f"liquid_{name}_p{degree}", y)
    print(f"Liquid p={degree}: s={s:.6g}")

# ---- S4ND: outer product of 1-D kernels, direct 2-D convolution ----
Tn, Fn = 24, 20
plane = rng.standard_normal((Tn, Fn))
kt = np.fromfile(os.path.join(OUT, "s4_kernel_16.f32"), dtype="<f4").astype(np.float64)[:Tn]
kf = np.exp(-0.3 * np.arange(Fn)) * np.cos(0.7 * np.arange(Fn))
save("s4nd_plane", plane)
save("s4nd_kt", kt)
save("s4nd_kf", kf)
for sym in (0, 1):
    out = np.zeros((Tn, Fn))
    for t in range(Tn):
        for f in range(Fn):
            acc = 0.0
            for a in range(t + 1):
                for bb in range(-(Fn - 1), Fn):
                    if sym == 0 and bb < 0:
                        continue
                    g = f - bb
                    if 0 <= g < Fn:
                        acc += kt[a] * kf[abs(bb)] * plane[t - a, g]
            out[t, f] = acc
    save(f"s4nd_out_sym{sym}", out)

# ---- S4 with a rank-2 correction: LegT, N = 16 (same file layout, p has
# two rows: s4r2_params = lambda, p0, p1, b, c, log_dt, d) ----
N = 16
A, B = transition("legt", N)
Pr = np.zeros((2, N))
Pr[0, 1::2] = np.sqrt(1 + 2 * np.arange(N))[1::2]
Pr[1, 0::2] = np.sqrt(1 + 2 * np.arange(N))[0::2]
S = A + Pr.T @ Pr
w, V = np.linalg.eig(S)
keep = np.where(w.imag > 0)[0]
keep = keep[np.argsort(w.imag[keep])]
w, V = w[keep], V[:, keep]
Vi = V.conj().T
lam, p0, p1, b = f32c(w), f32c(Vi @ Pr[0]), f32c(Vi @ Pr[1]), f32c(Vi @ B)
h = N // 2
c = f32c((rng.standard_normal(h) + 1j * rng.standard_normal(h)) * 0.5)
log_dt = float(np.float32(np.log(0.01)))
d = float(np.float32(rng.standard_normal()))
save("s4r2_params_16", np.concatenate(
    [np.stack([v.real, v.imag], -1).ravel() for v in (lam, p0, p1, b, c)] + [[log_dt, d]]))
lf, bf, cf = full(lam), full(b), full(c)
Af = np.diag(lf) - np.outer(full(p0), full(p0).conj()) - np.outer(full(p1), full(p1).conj())
dt = np.exp(log_dt)
Minv = np.linalg.inv(np.eye(N) - dt / 2 * Af)
Ab, Bb = Minv @ (np.eye(N) + dt / 2 * Af), Minv @ (dt * bf)
L = 64
K = np.empty(L)
x = Bb.copy()
for l in range(L):
    K[l] = (cf @ x).real
    x = Ab @ x
save("s4r2_kernel_16", K)
print(f"S4 LegT rank 2 N=16: K[0]={K[0]:.6g} K[L-1]={K[-1]:.3g} max|pole|={np.abs(np.linalg.eigvals(Ab)).max():.6f}")

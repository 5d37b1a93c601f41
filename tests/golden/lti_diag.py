#!/usr/bin/python3
"""Golden kernels for the diagonal LTI families (S4D, DSS, S5, LRU).

Run from the repository root with Debian's numpy:

    /usr/bin/python3 tests/golden/lti_diag.py

It writes tests/golden/lti_diag/<case>.f32 (little-endian float32). Each
file is a header of small integers stored as floats, the parameters (drawn
here with a fixed seed), then the kernel computed by the papers' formulas,
directly in float64 numpy, independent of the C code. Sources:

  S4D: Gu, Gupta, Goel, Re, "On the Parameterization and Initialization of
       Diagonal State Space Models" (NeurIPS 2022): ZOH and bilinear
       discretisation, the Vandermonde kernel, S4D-Lin and S4D-Inv;
       reference code state-spaces/s4, models/s4/s4d.py.
  DSS: Gupta, Gu, Berant, "Diagonal State Spaces are as Effective as
       Structured State Spaces" (NeurIPS 2022), Proposition 1 (DSS-exp,
       DSS-softmax); reference code ag1988/dss.
  S5:  Smith, Warrington, Linderman, "Simplified State Space Layers for
       Sequence Modeling" (ICLR 2023); reference code lindermanlab/S5,
       s5/ssm.py and s5/ssm_init.py.
  LRU: Orvieto et al., "Resurrecting Recurrent Neural Networks for Long
       Sequences" (ICML 2023): the exponential parametrisation, gamma
       normalisation and ring initialisation.

Files:

  s4d_*:  [H, M, L, disc] log_dt[H] log_a_real[HM] a_imag[HM] b_re[HM]
          b_im[HM] c_re[HM] c_im[HM] d[H] K[H L]
          K[l] = 2 Re(sum_n C_n Bbar_n lambda_n^l), ZOH or bilinear, with
          A from S4D-Lin or S4D-Inv (s4d.py: A = -0.5 + i pi n, ...)
  dss_*:  [H, M, L, variant, l_max] log_dt[H] lam_re lam_im w_re w_im [HM]
          d[H] K[H L]; exp: Re(W (e^{Ldt}-1)/L e^{L dt l});
          softmax: Re(W / L * softmax_l(L dt l)) with the sum over l < l_max
  s5_*:   [H, P, L, disc, conj_sym] lam_re[P] lam_im[P] log_dt[P] b_re[PH]
          b_im[PH] c_re[HP] c_im[HP] d[H] K[H H L] (K[o][i][l])
  lru_*:  [H, P, L, rate_scale*1000] nu_log[P] theta_log[P] gamma_log[P]
          b_re[PH] b_im[PH] c_re[HP] c_im[HP] d[H] K[H H L]
          K = Re(C diag(lambda^l gamma) B); rate_scale r != 1 resamples the
          implied continuous system: lambda^r, gamma (lambda^r-1)/(lambda-1)
  s4d_init_*: [M, kind] a_imag[M] for S4D-Lin / S4D-Inv.
  s5_init_P*: [P] lam_re[P] lam_im[P]: eigenvalues of HiPPO-N (LegS's normal
          part S = A + p p^T, p_n = sqrt(n + 1/2), size 2P) with Im > 0,
          ascending: S5's Lambda init (s5/ssm_init.py make_DPLR_HiPPO).
"""
import os
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lti_diag")
rng = np.random.default_rng(20240521)


def write(name, *arrays):
    data = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    data.astype("<f4").tofile(os.path.join(OUT, name + ".f32"))


def f32(x):
    """Round parameters to float32 first: the C side reads them as float."""
    return np.asarray(x, dtype=np.float32).astype(np.float64)


def s4d_a_imag(M, kind):
    n = np.arange(M)
    N = 2 * M
    if kind == "lin":
        return np.pi * n
    return N / np.pi * (N / (2 * n + 1) - 1)


def s4d_case(M, kind, disc, H=2, L=512):
    log_dt = f32(rng.uniform(np.log(1e-3), np.log(1e-1), H))
    log_a_real = f32(np.full((H, M), np.log(0.5)))
    a_imag = f32(np.tile(s4d_a_imag(M, kind), (H, 1)))
    b = f32(1.0 + 0.3 * rng.standard_normal((H, M))) + 1j * f32(0.3 * rng.standard_normal((H, M)))
    c = f32(rng.standard_normal((H, M)) * np.sqrt(0.5)) + 1j * f32(
        rng.standard_normal((H, M)) * np.sqrt(0.5))
    d = f32(rng.standard_normal(H))
    A = -np.exp(log_a_real) + 1j * a_imag
    dt = np.exp(log_dt)[:, None]
    if disc == "zoh":
        dA = np.exp(dt * A)
        bbar = (dA - 1.0) / A * b
    else:
        dA = (1 + dt * A / 2) / (1 - dt * A / 2)
        bbar = dt / (1 - dt * A / 2) * b
    l = np.arange(L)
    K = 2 * np.real(np.einsum("hn,hnl->hl", c * bbar, dA[:, :, None] ** l))
    write(f"s4d_{kind}_{disc}_M{M}", [H, M, L, 0 if disc == "zoh" else 1], log_dt, log_a_real,
          a_imag, b.real, b.imag, c.real, c.imag, d, K)


def dss_case(M, variant, H=2, L=512):
    log_dt = f32(rng.uniform(np.log(1e-3), np.log(1e-1), H))
    lam = f32(-np.exp(rng.uniform(-1, 1, (H, M)))) + 1j * f32(rng.uniform(0, 40, (H, M)))
    w = f32(rng.standard_normal((H, M))) + 1j * f32(rng.standard_normal((H, M)))
    d = f32(rng.standard_normal(H))
    dt = np.exp(log_dt)[:, None, None]
    l = np.arange(L)
    P = lam[:, :, None] * dt * l  # H x M x L
    if variant == "exp":
        S = (np.exp(lam[:, :, None] * dt) - 1) / lam[:, :, None] * np.exp(P)
    else:
        E = np.exp(P)
        S = E / E.sum(axis=-1, keepdims=True) / lam[:, :, None]
    K = np.real(np.einsum("hn,hnl->hl", w, S))
    write(f"dss_{variant}_M{M}", [H, M, L, 0 if variant == "exp" else 1, L], log_dt, lam.real,
          lam.imag, w.real, w.imag, d, K)


def s5_case(P, disc, H=3, L=256):
    lam = f32(-0.5 * np.ones(P) - rng.uniform(0, 0.3, P)) + 1j * f32(np.pi * np.arange(P) * 0.5)
    log_dt = f32(rng.uniform(np.log(1e-3), np.log(1e-1), P))
    Bt = f32(rng.standard_normal((P, H)) / np.sqrt(2)) + 1j * f32(
        rng.standard_normal((P, H)) / np.sqrt(2))
    Ct = f32(rng.standard_normal((H, P)) / np.sqrt(2)) + 1j * f32(
        rng.standard_normal((H, P)) / np.sqrt(2))
    d = f32(rng.standard_normal(H))
    dt = np.exp(log_dt)
    if disc == "zoh":
        lb = np.exp(lam * dt)
        Bb = ((lb - 1) / lam)[:, None] * Bt
    else:
        lb = (1 + lam * dt / 2) / (1 - lam * dt / 2)
        Bb = (dt / (1 - lam * dt / 2))[:, None] * Bt
    l = np.arange(L)
    K = 2 * np.real(np.einsum("op,pl,pi->oil", Ct, lb[:, None] ** l, Bb))
    write(f"s5_{disc}_P{P}", [H, P, L, 0 if disc == "zoh" else 1, 1], lam.real, lam.imag, log_dt,
          Bt.real, Bt.imag, Ct.real, Ct.imag, d, K)


def lru_case(P, r, H=3, L=256, r_min=0.5, r_max=0.99, max_phase=np.pi / 10):
    u1, u2 = rng.uniform(size=P), rng.uniform(size=P)
    nu_log = f32(np.log(-0.5 * np.log(u1 * (r_max**2 - r_min**2) + r_min**2)))
    theta_log = f32(np.log(max_phase * u2))
    lam1 = np.exp(-np.exp(nu_log) + 1j * np.exp(theta_log))
    gamma_log = f32(np.log(np.sqrt(1 - np.abs(lam1) ** 2)))
    B = f32(rng.standard_normal((P, H)) / np.sqrt(2 * H)) + 1j * f32(
        rng.standard_normal((P, H)) / np.sqrt(2 * H))
    C = f32(rng.standard_normal((H, P)) / np.sqrt(P)) + 1j * f32(
        rng.standard_normal((H, P)) / np.sqrt(P))
    d = f32(rng.standard_normal(H))
    z = -np.exp(nu_log) + 1j * np.exp(theta_log)
    lam = np.exp(z * r)
    gamma = np.exp(gamma_log) * ((lam - 1) / (lam1 - 1) if r != 1 else 1.0)
    l = np.arange(L)
    K = np.real(np.einsum("op,pl,pi->oil", C, (lam[:, None] ** l) * gamma[:, None], B))
    write(f"lru_P{P}_r{int(round(r * 1000))}", [H, P, L, round(r * 1000)], nu_log, theta_log,
          gamma_log, B.real, B.imag, C.real, C.imag, d, K)


def s5_init_case(P):
    n = 2 * P
    q = np.arange(n)
    r = np.sqrt(2 * q + 1)
    A = -np.tril(np.outer(r, r), -1) - np.diag(q + 1)
    p = np.sqrt(q + 0.5)
    S = A + np.outer(p, p)
    ev = np.linalg.eigvals(S)
    ev = ev[ev.imag > 0]
    ev = ev[np.argsort(ev.imag)]
    write(f"s5_init_P{P}", [P], ev.real, ev.imag)


def main():
    os.makedirs(OUT, exist_ok=True)
    for M, kind in ((8, "lin"), (32, "inv"), (32, "lin")):
        for disc in ("zoh", "bil"):
            s4d_case(M, kind, disc)
    for M in (8, 32):
        write(f"s4d_init_lin_M{M}", [M, 0], s4d_a_imag(M, "lin"))
        write(f"s4d_init_inv_M{M}", [M, 1], s4d_a_imag(M, "inv"))
        for v in ("exp", "softmax"):
            dss_case(M, v)
    for P in (8, 32):
        for disc in ("zoh", "bil"):
            s5_case(P, disc)
        s5_init_case(P)
        lru_case(P, 1.0)
        lru_case(P, 0.5)
    print("wrote", len(os.listdir(OUT)), "files to", OUT)


if __name__ == "__main__":
    main()

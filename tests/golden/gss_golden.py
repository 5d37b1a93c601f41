#!/usr/bin/python3
# Golden values for kernels/gss.c, numpy float64: the GSS layer of Mehta et
# al. 2022 (Fig. 1: v = gelu(dense(x, F)), u = gelu(dense(x, H)),
# y = dss(u), o = dense(dense(y, F) * v, E); without the layer's norm and
# shortcut), with DSS from Gupta et al. 2022, Proposition 1:
#   DSS-exp:     K[l] = Re(sum_n W_n (exp(L_n dt) - 1)/L_n exp(L_n dt l))
#   DSS-softmax: K[l] = Re(sum_n W_n / L_n exp(L_n dt l) / sum_{j<Lk} exp(L_n dt j))
# y = K * u + D u (causal convolution by FFT at 2L). GELU is the erf form.
#   command: /usr/bin/python3 tests/golden/gss_golden.py   (from the repo root)
#
# File gss_<name>.f32 (little-endian float32), in order:
#   dims: E F H M L variant(0 exp, 1 softmax) l_max
#   v_w (F x E), v_b, u_w (H x E), u_b, log_dt (H), lam_re, lam_im, w_re,
#   w_im (H x M each), d (H), c_w (F x H), c_b, o_w (E x F), o_b,
#   u (L x E), y (L x E)
import math
import os

import numpy as np
from scipy.special import erf

here = os.path.dirname(os.path.abspath(__file__))


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def lin(rng, o, i):
    b = 1.0 / math.sqrt(i)
    return rng.uniform(-b, b, size=(o, i)), rng.uniform(-b, b, size=o)


def case(rng, name, E, F, H, M, L, variant, l_max):
    w = {}
    w["v_w"], w["v_b"] = lin(rng, F, E)
    w["u_w"], w["u_b"] = lin(rng, H, E)
    w["log_dt"] = rng.uniform(math.log(1e-3), math.log(1e-1), size=H)
    w["lam_re"] = -0.5 * np.exp(0.2 * rng.standard_normal((H, M)))
    w["lam_im"] = math.pi * np.tile(np.arange(M), (H, 1)) + 0.2 * rng.standard_normal((H, M))
    w["w_re"] = rng.standard_normal((H, M)) * 0.5
    w["w_im"] = rng.standard_normal((H, M)) * 0.5
    w["d"] = rng.standard_normal(H)
    w["c_w"], w["c_b"] = lin(rng, F, H)
    w["o_w"], w["o_b"] = lin(rng, E, F)
    u = rng.standard_normal((L, E))

    dt = np.exp(w["log_dt"])[:, None]
    lam = w["lam_re"] + 1j * w["lam_im"]
    W = w["w_re"] + 1j * w["w_im"]
    P = (lam * dt)[:, :, None] * np.arange(L)
    if variant == 0:
        K = np.einsum("hn,hnl->hl", W * (np.exp(lam * dt) - 1.0) / lam, np.exp(P)).real
    else:
        S = np.exp((lam * dt)[:, :, None] * np.arange(l_max)).sum(-1)
        K = np.einsum("hn,hnl->hl", W / lam / S, np.exp(P)).real

    v = gelu(u @ w["v_w"].T + w["v_b"])
    uu = gelu(u @ w["u_w"].T + w["u_b"]).T  # (H, L)
    n = 2 * L
    y = np.fft.irfft(np.fft.rfft(uu, n=n) * np.fft.rfft(K, n=n), n=n)[..., :L]
    y = y + w["d"][:, None] * uu
    uc = y.T @ w["c_w"].T + w["c_b"]
    o = (uc * v) @ w["o_w"].T + w["o_b"]

    parts = [np.array([E, F, H, M, L, variant, l_max], dtype=np.float64)]
    for key in ("v_w", "v_b", "u_w", "u_b", "log_dt", "lam_re", "lam_im", "w_re", "w_im", "d",
                "c_w", "c_b", "o_w", "o_b"):
        parts.append(np.ravel(w[key]))
    parts += [u.ravel(), o.ravel()]
    data = np.concatenate(parts).astype("<f4")
    data.tofile(os.path.join(here, "gss_%s.f32" % name))
    print("gss_%s.f32: %d floats, |y|max %.3g" % (name, data.size, np.abs(o).max()))


def main():
    rng = np.random.default_rng(20261129)
    case(rng, "exp_L80", E=4, F=8, H=3, M=4, L=80, variant=0, l_max=80)
    case(rng, "softmax_L128", E=6, F=12, H=4, M=6, L=128, variant=1, l_max=128)


if __name__ == "__main__":
    main()

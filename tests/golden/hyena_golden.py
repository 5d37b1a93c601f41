#!/usr/bin/python3
# Golden values for kernels/hyena.c, numpy float64, written from
# HazyResearch/safari src/models/sequence/hyena.py (HyenaOperator with
# num_heads=1, num_blocks=1, inner_factor=1, no outer mixing, no post-order
# FFN, activation id, dropout 0; HyenaFilter with normalized=False):
#   command: /usr/bin/python3 tests/golden/hyena_golden.py   (from the repo root)
#
#   PositionalEmbedding(emb_dim, l_max): t = linspace(0, 1, l_max),
#     w = 2 pi n / l_max, f = linspace(1e-4, bands-1, bands),
#     z = [t, Re exp(-i f w), Im exp(-i f w)]
#   implicit_filter: Linear(emb, fo) Sin [Linear(fo, fo) Sin] x n_inner
#     Linear(fo, d*(order-1), bias=False); Sin(x) = sin(freq * x), one freq
#     vector shared by every Sin (the module is appended repeatedly)
#   ExponentialModulation: deltas = linspace(ln(1e-2)/1.5, ln(1e-2)/0.3, D),
#     h *= exp(-t |deltas|) + shift
#   k[o][v][l] = h[l][v*(order-1) + o], bias[o][v] = fbias[v*(order-1) + o]
#   forward: u = in_proj(u); uc = depthwise causal conv (3 taps, bias);
#     x_0..x_{order-1}, v = split(uc); for o, x_i in enumerate(reversed(x[1:])):
#     v = v * x_i; v = fftconv_ref(v, k[o], bias[o]) (rfft/irfft at 2L,
#     + v*bias); y = out_proj(v * x_0)
#
# File hyena_<name>.f32 (little-endian float32), in order:
#   dims: d_model order emb_dim filter_order n_inner l_max L
#   in_proj_w ((order+1)d x d), in_proj_b, short_w ((order+1)d x 3), short_b,
#   out_proj_w (d x d), out_proj_b (d), pos_z (l_max x emb_dim),
#   mlp: W0 (fo x emb), b0 (fo), [Wi (fo x fo), bi (fo)] x n_inner,
#   W_out (D x fo), sin_freq (fo), filter_bias (D), deltas (D), shift (1),
#   k ((order-1) x d x L), u (L x d), y (L x d)          with D = d*(order-1)
import math
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def lin(rng, o, i):
    b = 1.0 / math.sqrt(i)
    return rng.uniform(-b, b, size=(o, i)), rng.uniform(-b, b, size=o)


def make(rng, d, order, emb, fo, n_inner, l_max):
    D = d * (order - 1)
    w = {}
    w["in_proj_w"], w["in_proj_b"] = lin(rng, (order + 1) * d, d)
    w["short_w"] = rng.uniform(-0.5, 0.5, size=((order + 1) * d, 3))
    w["short_b"] = rng.uniform(-0.5, 0.5, size=(order + 1) * d)
    w["out_proj_w"], w["out_proj_b"] = lin(rng, d, d)
    t = np.linspace(0, 1, l_max)[:, None]
    bands = (emb - 1) // 2
    t_rescaled = np.linspace(0, l_max - 1, l_max)[:, None]
    ww = 2 * math.pi * t_rescaled / l_max
    f = np.linspace(1e-4, bands - 1, bands)[None]
    z = np.exp(-1j * f * ww)
    w["pos_z"] = np.concatenate([t, z.real, z.imag], axis=-1)
    mlp = [lin(rng, fo, emb)] + [lin(rng, fo, fo) for _ in range(n_inner)]
    w["mlp"] = mlp
    w["W_out"] = lin(rng, D, fo)[0]
    # Sin's freq is trainable (init w=1); perturb it so the test sees it.
    w["sin_freq"] = 1.0 + 0.3 * rng.standard_normal(fo)
    w["filter_bias"] = rng.standard_normal(D)
    w["deltas"] = np.linspace(math.log(1e-2) / 1.5, math.log(1e-2) / 0.3, D)
    w["shift"] = 0.0
    w["t"] = t
    return w


def filt(w, L):
    z, t = w["pos_z"][:L], w["t"][:L]
    h = z
    for W, b in w["mlp"]:
        h = np.sin(w["sin_freq"] * (h @ W.T + b))
    h = h @ w["W_out"].T
    decay = np.exp(-t * np.abs(w["deltas"]))
    return h * (decay + w["shift"])  # (L, D)


def fftconv_ref(u, k, D):
    L = u.shape[-1]
    n = 2 * L
    k_f = np.fft.rfft(k, n=n) / n
    u_f = np.fft.rfft(u, n=n)
    y = np.fft.irfft(u_f * k_f, n=n, norm="forward")[..., :L]
    return y + u * D[:, None]


def forward(w, d, order, u):
    L = u.shape[0]
    x = (u @ w["in_proj_w"].T + w["in_proj_b"]).T  # (C, L)
    xp = np.concatenate([np.zeros((x.shape[0], 2)), x], axis=1)
    uc = np.stack([(xp[:, t:t + 3] * w["short_w"]).sum(1) for t in range(L)], axis=1)
    uc = uc + w["short_b"][:, None]
    parts = [uc[i * d:(i + 1) * d] for i in range(order + 1)]
    xs, v = parts[:-1], parts[-1]
    h = filt(w, L)  # (L, D)
    k = h.T.reshape(d, order - 1, L).transpose(1, 0, 2)  # k[o][v][l] = h[l][v*(order-1)+o]
    bias = w["filter_bias"].reshape(d, order - 1).T
    for o, x_i in enumerate(reversed(xs[1:])):
        v = v * x_i
        v = fftconv_ref(v, k[o], bias[o])
    y = (v * xs[0]).T @ w["out_proj_w"].T + w["out_proj_b"]
    return y, k


def case(rng, name, d, order, emb, fo, n_inner, l_max, L):
    w = make(rng, d, order, emb, fo, n_inner, l_max)
    u = rng.standard_normal((L, d))
    y, k = forward(w, d, order, u)
    parts = [np.array([d, order, emb, fo, n_inner, l_max, L], dtype=np.float64)]
    for key in ("in_proj_w", "in_proj_b", "short_w", "short_b", "out_proj_w", "out_proj_b",
                "pos_z"):
        parts.append(np.ravel(w[key]))
    for W, b in w["mlp"]:
        parts += [W.ravel(), b]
    parts += [w["W_out"].ravel(), w["sin_freq"], w["filter_bias"], w["deltas"],
              np.array([w["shift"]]), k.ravel(), u.ravel(), y.ravel()]
    data = np.concatenate(parts).astype("<f4")
    data.tofile(os.path.join(here, "hyena_%s.f32" % name))
    print("hyena_%s.f32: %d floats, |y|max %.3g, |k|max %.3g" %
          (name, data.size, np.abs(y).max(), np.abs(k).max()))


def main():
    rng = np.random.default_rng(20261127)
    case(rng, "o2_L64", d=4, order=2, emb=5, fo=8, n_inner=2, l_max=64, L=64)
    case(rng, "o3_L100", d=6, order=3, emb=5, fo=8, n_inner=2, l_max=128, L=100)
    case(rng, "o2_L300", d=3, order=2, emb=7, fo=16, n_inner=1, l_max=300, L=300)


if __name__ == "__main__":
    main()

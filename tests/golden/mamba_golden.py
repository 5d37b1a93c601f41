#!/usr/bin/python3
# Golden values for kernels/mamba.c, from the reference formulas written out
# in numpy (float64), independently of the C code.
#   command: /usr/bin/python3 tests/golden/mamba_golden.py   (from the repo root)
# Follows state-spaces/mamba: Mamba.forward (mamba_ssm/modules/mamba_simple.py)
# with the slow path (conv1d with padding d_conv-1, cut to L; SiLU) and
# selective_scan_ref (mamba_ssm/ops/selective_scan_interface.py): delta =
# softplus(dt_proj(dt) + dt_bias), deltaA = exp(delta*A), deltaB_u =
# delta*B*u, x = deltaA*x + deltaB_u, y = x.C, out = y + D*u, out *= silu(z).
# Initialisation as Mamba.__init__ (dt bias = inverse softplus of dt drawn
# log-uniform in [1e-3, 1e-1], A_log = log(1..d_state), D = 1), Linear
# weights uniform(+-1/sqrt(fan_in)); conv weights likewise.
#
# File mamba_L<L>.f32 (little-endian float32), in this order:
#   dims: d_model d_inner d_state d_conv dt_rank L
#   in_proj_w (2di x dm), conv_w (di x dc), conv_b (di), x_proj_w
#   ((R+2N) x di), dt_proj_w (di x R), dt_proj_b (di), A_log (di x N), D (di),
#   out_proj_w (dm x di), u (L x dm), y (L x dm), final ssm state (di x N)
import math
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def softplus(x):
    return np.where(x > 20.0, x, np.log1p(np.exp(np.minimum(x, 20.0))))


def silu(x):
    return x / (1.0 + np.exp(-x))


def make_weights(rng, dm, expand=2, N=16, dc=4):
    di = expand * dm
    R = math.ceil(dm / 16)

    def lin(o, i):
        b = 1.0 / math.sqrt(i)
        return rng.uniform(-b, b, size=(o, i))

    w = {}
    w["in_proj_w"] = lin(2 * di, dm)
    w["conv_w"] = rng.uniform(-1 / math.sqrt(dc), 1 / math.sqrt(dc), size=(di, dc))
    w["conv_b"] = rng.uniform(-1 / math.sqrt(dc), 1 / math.sqrt(dc), size=(di,))
    w["x_proj_w"] = lin(R + 2 * N, di)
    std = R ** -0.5
    w["dt_proj_w"] = rng.uniform(-std, std, size=(di, R))
    dt = np.exp(rng.uniform(0, 1, size=di) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3))
    dt = np.maximum(dt, 1e-4)
    w["dt_proj_b"] = dt + np.log(-np.expm1(-dt))
    w["A_log"] = np.log(np.tile(np.arange(1, N + 1, dtype=np.float64), (di, 1)))
    w["D"] = np.ones(di)
    w["out_proj_w"] = lin(dm, di)
    return w, (dm, di, N, dc, R)


def selective_scan_ref(u, delta, A, B, C, D, z, delta_bias):
    # u, delta, z: (D, L); B, C: (N, L); as the reference with batch 1.
    delta = softplus(delta + delta_bias[:, None])
    dim, N = A.shape
    x = np.zeros((dim, N))
    deltaA = np.exp(np.einsum("dl,dn->dln", delta, A))
    deltaB_u = np.einsum("dl,nl,dl->dln", delta, B, u)
    ys = []
    for i in range(u.shape[1]):
        x = deltaA[:, i] * x + deltaB_u[:, i]
        ys.append(np.einsum("dn,n->d", x, C[:, i]))
    y = np.stack(ys, axis=1)
    out = y + u * D[:, None]
    out = out * silu(z)
    return out, x


def mamba_forward(w, dims, u):
    dm, di, N, dc, R = dims
    L = u.shape[0]
    xz = w["in_proj_w"] @ u.T  # (2di, L)
    x, z = xz[:di], xz[di:]
    xp = np.concatenate([np.zeros((di, dc - 1)), x], axis=1)
    xc = np.stack([(xp[:, t:t + dc] * w["conv_w"]).sum(1) for t in range(L)], axis=1)
    xc = silu(xc + w["conv_b"][:, None])
    x_dbl = (w["x_proj_w"] @ xc).T  # (L, R+2N)
    dt, B, C = x_dbl[:, :R], x_dbl[:, R:R + N], x_dbl[:, R + N:]
    dt = w["dt_proj_w"] @ dt.T  # (di, L)
    A = -np.exp(w["A_log"])
    y, last = selective_scan_ref(xc, dt, A, B.T, C.T, w["D"], z, w["dt_proj_b"])
    return (w["out_proj_w"] @ y).T, last


def main():
    rng = np.random.default_rng(20261125)
    w, dims = make_weights(rng, dm=8)
    for L in (1, 5, 64, 257):
        u = rng.standard_normal((L, dims[0]))
        y, last = mamba_forward(w, dims, u)
        parts = [np.array(list(dims) + [L], dtype=np.float64)]
        for k in ("in_proj_w", "conv_w", "conv_b", "x_proj_w", "dt_proj_w", "dt_proj_b", "A_log",
                  "D", "out_proj_w"):
            parts.append(w[k].ravel())
        parts += [u.ravel(), y.ravel(), last.ravel()]
        data = np.concatenate(parts).astype("<f4")
        data.tofile(os.path.join(here, "mamba_L%d.f32" % L))
        print("mamba_L%d.f32: %d floats, |y|max %.3g" % (L, data.size, np.abs(y).max()))


if __name__ == "__main__":
    main()

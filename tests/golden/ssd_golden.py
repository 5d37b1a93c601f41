#!/usr/bin/python3
# Golden values for kernels/ssd.c (Mamba-2 SSD core), numpy float64.
#   command: /usr/bin/python3 tests/golden/ssd_golden.py   (from the repo root)
# ssd_minimal_discrete is state-spaces/mamba mamba_ssm/modules/ssd_minimal.py
# written out in numpy (stable segsum, chunked: diagonal blocks, chunk
# states, inter-chunk recurrence, state -> output), called as the reference
# test does: ssd_minimal_discrete(x*dt, A*dt, B, C, block_len, initial_states).
# Its einsums sum over the group axis, so it holds for ngroups = 1 only; the
# ngroups = 2 case uses the recurrence of Mamba2.step (dA = exp(dt*A),
# state = state*dA + dt*x B^T, y = state C), which the script checks against
# ssd_minimal on the ngroups = 1 case.
#
# File ssd_<name>.f32 (little-endian float32), in order:
#   dims: H P G N L
#   x (L,H,P), dt (L,H) (already softplus'd), A (H), B (L,G,N), C (L,G,N),
#   initial state (H,P,N), y (L,H,P) (no D term), final state (H,P,N)
#
# The Mamba-2 block (mamba_ssm/modules/mamba2.py, d_mlp = 0, no biases in
# the projections, conv1d with bias, D per head, RMSNormGated with
# norm_before_gate=False, group_size d_inner/ngroups, eps 1e-5; the SSD by
# the recurrence above): file mamba2_<name>.f32:
#   dims: d_model d_inner head_dim G N d_conv L
#   in_proj_w, conv_w, conv_b, dt_bias, A_log, D, norm_w, out_proj_w,
#   u (L x d_model), y (L x d_model)
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def segsum(x):
    T = x.shape[-1]
    x = np.repeat(x[..., None], T, axis=-1)  # ... d e, x[..., i, j] = x_i
    mask = np.tril(np.ones((T, T), dtype=bool), k=-1)
    x = np.where(mask, x, 0.0)
    x_segsum = np.cumsum(x, axis=-2)
    mask = np.tril(np.ones((T, T), dtype=bool), k=0)
    return np.where(mask, x_segsum, -np.inf)


def ssd_minimal_discrete(X, A, B, C, block_len, initial_states):
    # X (b, l, h, p), A (b, l, h), B, C (b, l, g, n), initial_states (b, 1, h, p, n)
    b, L, h, p = X.shape
    c = L // block_len
    X = X.reshape(b, c, block_len, h, p)
    A = A.reshape(b, c, block_len, h).transpose(0, 3, 1, 2)  # b h c l
    B = B.reshape(b, c, block_len, *B.shape[2:])
    C = C.reshape(b, c, block_len, *C.shape[2:])
    A_cumsum = np.cumsum(A, axis=-1)
    Lm = np.exp(segsum(A))
    Y_diag = np.einsum("bclgn,bcsgn,bhcls,bcshp->bclhp", C, B, Lm, X)
    decay_states = np.exp(A_cumsum[:, :, :, -1:] - A_cumsum)
    states = np.einsum("bclgn,bhcl,bclhp->bcghpn", B, decay_states, X)
    states = np.concatenate([initial_states[:, :, None], states], axis=1)
    padded = np.pad(A_cumsum[:, :, :, -1], ((0, 0), (0, 0), (1, 0)))
    decay_chunk = np.exp(segsum(padded))
    new_states = np.einsum("bhzc,bcghpn->bzghpn", decay_chunk, states)
    states, final_state = new_states[:, :-1], new_states[:, -1]
    state_decay_out = np.exp(A_cumsum)
    Y_off = np.einsum("bclgn,bcghpn,bhcl->bclhp", C, states, state_decay_out)
    Y = (Y_diag + Y_off).reshape(b, L, h, p)
    return Y, final_state


def recurrence(x, dt, A, B, C, S0):
    L, H, P = x.shape
    G = B.shape[1]
    S = S0.copy()  # H P N
    ys = np.zeros_like(x)
    for t in range(L):
        for h in range(H):
            g = h // (H // G)
            dA = np.exp(dt[t, h] * A[h])
            S[h] = S[h] * dA + dt[t, h] * np.outer(x[t, h], B[t, g])
            ys[t, h] = S[h] @ C[t, g]
    return ys, S


def case(rng, name, H, P, G, N, L, block_len):
    x = rng.standard_normal((L, H, P))
    dt = np.log1p(np.exp(rng.standard_normal((L, H)) - 3.0))  # softplus(randn - 3)
    A = -np.exp(rng.uniform(0, 1, size=H))
    B = rng.standard_normal((L, G, N))
    C = rng.standard_normal((L, G, N))
    S0 = 0.5 * rng.standard_normal((H, P, N))
    y_rec, S_rec = recurrence(x, dt, A, B, C, S0)
    if G == 1:
        y, S = ssd_minimal_discrete((x * dt[..., None])[None], (A * dt)[None], B[None], C[None],
                                    block_len, S0[None, None])
        # new_states keeps a group axis of size 1: (b, g, h, p, n)
        y, S = y[0], S[0, 0]
        err = max(np.abs(y - y_rec).max() / np.abs(y_rec).max(),
                  np.abs(S - S_rec).max() / np.abs(S_rec).max())
        assert err < 1e-10, err
        print("%s: ssd_minimal vs recurrence rel err %.2g" % (name, err))
    else:
        y, S = y_rec, S_rec
    parts = [np.array([H, P, G, N, L], dtype=np.float64), x.ravel(), dt.ravel(), A, B.ravel(),
             C.ravel(), S0.ravel(), y.ravel(), S.ravel()]
    data = np.concatenate(parts).astype("<f4")
    data.tofile(os.path.join(here, "ssd_%s.f32" % name))
    print("ssd_%s.f32: %d floats, |y|max %.3g" % (name, data.size, np.abs(y).max()))


def silu(x):
    return x / (1.0 + np.exp(-x))


def mamba2_case(rng, name, dm, di, P, G, N, dc, L):
    H = di // P
    cd = di + 2 * G * N
    npj = 2 * di + 2 * G * N + H
    b = 1.0 / np.sqrt(dm)
    in_w = rng.uniform(-b, b, size=(npj, dm))
    conv_w = rng.uniform(-0.5, 0.5, size=(cd, dc))
    conv_b = rng.uniform(-0.5, 0.5, size=cd)
    dt = np.exp(rng.uniform(np.log(1e-3), np.log(1e-1), size=H))
    dt_bias = dt + np.log(-np.expm1(-dt))
    A_log = np.log(rng.uniform(1, 16, size=H))
    D = np.ones(H) + 0.1 * rng.standard_normal(H)
    norm_w = 1.0 + 0.1 * rng.standard_normal(di)
    out_w = rng.uniform(-1 / np.sqrt(di), 1 / np.sqrt(di), size=(dm, di))
    u = rng.standard_normal((L, dm))

    zxbcdt = u @ in_w.T
    z, xBC, dtr = zxbcdt[:, :di], zxbcdt[:, di:di + cd], zxbcdt[:, di + cd:]
    xp = np.concatenate([np.zeros((dc - 1, cd)), xBC], axis=0)
    xBC = np.stack([(xp[t:t + dc].T * conv_w).sum(1) for t in range(L)]) + conv_b
    xBC = silu(xBC)
    x, B, C = xBC[:, :di], xBC[:, di:di + G * N], xBC[:, di + G * N:]
    dts = np.log1p(np.exp(dtr + dt_bias))
    A = -np.exp(A_log)
    y, _ = recurrence(x.reshape(L, H, P), dts, A, B.reshape(L, G, N), C.reshape(L, G, N),
                      np.zeros((H, P, N)))
    y = y + x.reshape(L, H, P) * D[None, :, None]
    y = y.reshape(L, di) * silu(z)
    yg = y.reshape(L, G, di // G)
    yg = yg / np.sqrt((yg ** 2).mean(-1, keepdims=True) + 1e-5)
    y = yg.reshape(L, di) * norm_w
    out = y @ out_w.T
    parts = [np.array([dm, di, P, G, N, dc, L], dtype=np.float64), in_w.ravel(), conv_w.ravel(),
             conv_b, dt_bias, A_log, D, norm_w, out_w.ravel(), u.ravel(), out.ravel()]
    data = np.concatenate(parts).astype("<f4")
    data.tofile(os.path.join(here, "mamba2_%s.f32" % name))
    print("mamba2_%s.f32: %d floats, |y|max %.3g" % (name, data.size, np.abs(out).max()))


def main():
    rng = np.random.default_rng(20261126)
    case(rng, "g1_L64", H=4, P=8, G=1, N=16, L=64, block_len=16)
    case(rng, "g1_L208", H=3, P=16, G=1, N=8, L=208, block_len=16)
    case(rng, "g2_L77", H=4, P=8, G=2, N=16, L=77, block_len=0)
    mamba2_case(rng, "g1_L50", dm=8, di=16, P=4, G=1, N=8, dc=4, L=50)
    mamba2_case(rng, "g2_L130", dm=8, di=32, P=8, G=2, N=16, dc=4, L=130)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# Golden values for kernels/h3.c, numpy float64, written from
# HazyResearch/H3 src/models/ssm/h3.py (H3.forward, head_dim=1, the
# non-fused FFT path), ss_kernel_shift.py (shift kernel
# irfft(conj(rfft(B, 2N)) * rfft(C, 2N))[:N]) and ss_kernel_diag.py (S4D,
# ZOH: K = 2 Re(C (exp(dt A) - 1)/A exp(dt A l)), A = -exp(log_A_real) +
# i A_imag, B folded into C as SSKernel does).
#   command: /usr/bin/python3 tests/golden/h3_golden.py   (from the repo root)
#
# File h3_<name>.f32 (little-endian float32), in order:
#   dims: H Ns M L
#   q_w q_b k_w k_b v_w v_b (H x H, H each), shift_B (H x Ns), shift_C
#   (H x Ns), shift_D (H), log_dt (H), log_a_real (H x M), a_imag (H x M),
#   c_re (H x M), c_im (H x M), D (H), out_w (H x H), out_b (H), u (L x H),
#   y (L x H)
import math
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def lin(rng, o, i):
    b = 1.0 / math.sqrt(i)
    return rng.uniform(-b, b, size=(o, i)), rng.uniform(-b, b, size=o)


def case(rng, name, H, Ns, M, L):
    w = {}
    for p in "qkv":
        w[p + "_w"], w[p + "_b"] = lin(rng, H, H)
    w["shift_B"] = rng.standard_normal((H, Ns)) * 0.5
    w["shift_B"][:, 0] += 1.0
    b = 1.0 / math.sqrt(Ns)
    w["shift_C"] = rng.uniform(-b, b, size=(H, Ns))
    w["shift_D"] = rng.standard_normal(H)
    w["log_dt"] = rng.uniform(math.log(1e-3), math.log(1e-1), size=H)
    w["log_a_real"] = np.log(0.5 * np.ones((H, M))) + 0.1 * rng.standard_normal((H, M))
    w["a_imag"] = math.pi * np.tile(np.arange(M), (H, 1)) + 0.1 * rng.standard_normal((H, M))
    w["c_re"] = rng.standard_normal((H, M)) * math.sqrt(0.5)
    w["c_im"] = rng.standard_normal((H, M)) * math.sqrt(0.5)
    w["D"] = rng.standard_normal(H)
    w["out_w"], w["out_b"] = lin(rng, H, H)
    u = rng.standard_normal((L, H))

    # S4D kernel (SSKernelDiag, zoh)
    dt = np.exp(w["log_dt"])[:, None]
    A = -np.exp(w["log_a_real"]) + 1j * w["a_imag"]
    C = w["c_re"] + 1j * w["c_im"]
    dtA = dt * A
    Cz = C * (np.exp(dtA) - 1.0) / A
    K = 2 * np.einsum("hn,hnl->hl", Cz, np.exp(dtA[:, :, None] * np.arange(L))).real
    # shift kernel
    B_f = np.fft.rfft(w["shift_B"], n=2 * Ns)
    C_f = np.fft.rfft(w["shift_C"], n=2 * Ns)
    ks = np.fft.irfft(B_f.conj() * C_f, n=2 * Ns)[..., :min(Ns, L)]
    if Ns < L:
        ks = np.pad(ks, ((0, 0), (0, L - Ns)))

    q = (w["q_w"] @ u.T + w["q_b"][:, None])
    k = (w["k_w"] @ u.T + w["k_b"][:, None])
    v = (w["v_w"] @ u.T + w["v_b"][:, None])
    fft_size = L + L
    shift_k_out = np.fft.irfft(np.fft.rfft(ks, n=fft_size) * np.fft.rfft(k, n=fft_size),
                               n=fft_size)[..., :L]
    k = shift_k_out + w["shift_D"][:, None] * k
    kv = k * v
    kv_f = np.fft.rfft(kv, n=fft_size) / fft_size
    y = np.fft.irfft(kv_f * np.fft.rfft(K, n=fft_size), n=fft_size, norm="forward")[..., :L]
    y = y + kv * w["D"][:, None]
    y = y * q
    out = y.T @ w["out_w"].T + w["out_b"]

    parts = [np.array([H, Ns, M, L], dtype=np.float64)]
    for key in ("q_w", "q_b", "k_w", "k_b", "v_w", "v_b", "shift_B", "shift_C", "shift_D",
                "log_dt", "log_a_real", "a_imag", "c_re", "c_im", "D", "out_w", "out_b"):
        parts.append(np.ravel(w[key]))
    parts += [u.ravel(), out.ravel()]
    data = np.concatenate(parts).astype("<f4")
    data.tofile(os.path.join(here, "h3_%s.f32" % name))
    print("h3_%s.f32: %d floats, |y|max %.3g" % (name, data.size, np.abs(out).max()))


def main():
    rng = np.random.default_rng(20261128)
    case(rng, "L64", H=4, Ns=8, M=4, L=64)
    case(rng, "L333", H=6, Ns=4, M=8, L=333)


if __name__ == "__main__":
    main()

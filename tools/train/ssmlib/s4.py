"""S4 with the diagonal-plus-low-rank state matrix (Gu, Goel, Re 2022,
"Efficiently Modeling Long Sequences with Structured State Spaces", ICLR;
reference state-spaces/s4 models/s4/s4.py SSMKernelDPLR and
src/models/hippo/hippo.py nplr), as the engine's s4 kind
(engine/net/layer_s4.c, kernels/s4.c). One SISO system of real size N per
channel, kept as N/2 complex modes plus their conjugates:

  Lambda = -exp(log_A_real) + i A_imag,  A = diag(Lambda) - P P^*  (conjugate-expanded:
  the low-rank term couples each mode with its conjugate's, as the reference's Cauchy sums)
  dt = exp(log_dt) * dt_scale, bilinear:
  Abar = (I - dt/2 A)^-1 (I + dt/2 A),  Bbar = dt (I - dt/2 A)^-1 B,  y = 2 Re(C x) + D u

Training form, as the reference: the kernel through its generating function at
the L roots of unity w,
  K^(w) = 2/(1+w) [C~ R B - C~ R P (I + P^* R P)^-1 P^* R B],  R = (2/dt (1-w)/(1+w) - Lambda)^-1,
  C~ = C (I - Abar^L)  (undoes the truncation to L),
K = IRFFT(K^), then FFT convolution with 2L padding. The bin w = -1 is the
limit dt/2 C~ B (the reference evaluates it at a huge finite z). C stored is
the true C (the reference trains C~ for a fixed L; convert with C = C~ (I -
Abar^L)^-1).

Init (the reference's LegS default): Lambda, P, B from nplr('legs', N) with
B_clip = 2 (the imaginary part of V^* B clipped to [-2, 2]; ssmlib.hippo),
tiled over the channels; C complex normal (variance 1/2 per part), log_dt
uniform in [log dt_min, log dt_max], D ~ N(0, 1). Continuous-time: a graph
trained at f0 runs at f with dt_scale = f0 / f."""
import math

import torch
import torch.nn as nn

from .base import Layer, need_width, register
from .hippo import legs_nplr, log_dt_init
from .modal import cplx


@register
class S4(Layer):
    kind = "s4"
    continuous = True

    def __init__(self, width, state=64, rank=1, dt_min=1e-3, dt_max=1e-1, B_clip=2.0):
        super().__init__()
        if state % 2:
            raise ValueError("s4: state must be even (N/2 conjugate pairs)")
        if rank not in (1, 2):
            raise ValueError("s4: rank is 1 or 2")
        h, m = width, state // 2
        self.width, self.state, self.rank = width, state, rank
        W, P, B, _ = legs_nplr(state, B_clip=B_clip)
        self.log_dt = nn.Parameter(log_dt_init(h, dt_min, dt_max))
        self.log_A_real = nn.Parameter(torch.log(-W.real).float().repeat(h, 1))
        self.A_imag = nn.Parameter(W.imag.float().repeat(h, 1))
        Pr = torch.zeros(rank, h, m, dtype=torch.complex128)
        Pr[0] = P[0]
        self.P_re = nn.Parameter(Pr.real.float())
        self.P_im = nn.Parameter(Pr.imag.float())
        self.B_re = nn.Parameter(B.real.float().repeat(h, 1))
        self.B_im = nn.Parameter(B.imag.float().repeat(h, 1))
        self.C_re = nn.Parameter(torch.randn(h, m) * (0.5 ** 0.5))
        self.C_im = nn.Parameter(torch.randn(h, m) * (0.5 ** 0.5))
        self.D = nn.Parameter(torch.randn(h))

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        p = {"state": self.state}
        if self.rank != 1:
            p["rank"] = self.rank
        return p

    def tensors(self):
        return {k: getattr(self, k) for k in ("log_dt", "log_A_real", "A_imag", "P_re", "P_im",
                                               "B_re", "B_im", "C_re", "C_im", "D")}

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["state"], p.get("rank", 1))

    def full_system(self):
        """The conjugate-expanded Lambda [H, N], P [R, H, N], B, C [H, N]."""
        lam = cplx(-torch.exp(self.log_A_real), self.A_imag)
        P = cplx(self.P_re, self.P_im)
        B = cplx(self.B_re, self.B_im)
        C = cplx(self.C_re, self.C_im)
        f = lambda z: torch.cat([z, z.conj()], -1)  # noqa: E731
        return f(lam), f(P), f(B), f(C)

    def dense(self, dt):
        """A [H, N, N] and the bilinear Abar [H, N, N], Bbar [H, N] (for C~ and
        for tests)."""
        lam, P, B, _ = self.full_system()
        N = lam.shape[-1]
        A = torch.diag_embed(lam) - torch.einsum("rhi,rhj->hij", P, P.conj())
        eye = torch.eye(N, dtype=A.dtype, device=A.device)
        s = (2.0 / dt).to(A.dtype)[:, None, None]
        A1 = torch.linalg.inv(s * eye - A)
        return A, A1 @ (s * eye + A), 2.0 * (A1 @ B.unsqueeze(-1)).squeeze(-1)

    def kernel(self, L, dt_scale=1.0):
        """K [H, L] by the generating function at the Le roots of unity (Le =
        L rounded up to even: the w = -1 bin is then the exact limit)."""
        Le = L + (L % 2)
        dt = torch.exp(self.log_dt) * dt_scale  # [H]
        lam, P, B, C = self.full_system()
        _, Abar, _ = self.dense(dt)
        N = lam.shape[-1]
        eye = torch.eye(N, dtype=Abar.dtype, device=Abar.device)
        Ct = torch.einsum("hi,hij->hj", C, eye - torch.linalg.matrix_power(Abar, Le))  # [H, N]
        k = torch.arange(Le // 2, device=lam.device, dtype=self.log_dt.dtype)  # bins 0 .. Le/2 - 1
        omega = torch.exp(cplx(torch.zeros_like(k), -2.0 * math.pi * k / Le))  # [K]
        dtc = dt.to(lam.dtype)[:, None]
        g = 2.0 / dtc * (1.0 - omega) / (1.0 + omega)  # [H, K]
        R = 1.0 / (g.unsqueeze(-1) - lam.unsqueeze(1))  # [H, K, N]
        k00 = torch.einsum("hn,hkn,hn->hk", Ct, R, B)
        k01 = torch.einsum("hn,hkn,rhn->hkr", Ct, R, P)
        k10 = torch.einsum("rhn,hkn,hn->hkr", P.conj(), R, B)
        k11 = torch.einsum("ahn,hkn,bhn->hkab", P.conj(), R, P)
        r = P.shape[0]
        Minv = torch.linalg.inv(torch.eye(r, dtype=R.dtype, device=R.device) + k11)
        corr = torch.einsum("hka,hkab,hkb->hk", k01, Minv, k10)
        kf = 2.0 / (1.0 + omega) * (k00 - corr)
        nyq = 0.5 * dtc * torch.einsum("hn,hn->h", Ct, B).unsqueeze(-1)  # w = -1
        kf = torch.cat([kf, nyq], -1)
        return torch.fft.irfft(kf, n=Le)[..., :L]

    def forward(self, x, dt_scale=1.0):  # [B, T, H]
        u = x.transpose(1, 2)
        L = u.shape[-1]
        k = self.kernel(L, dt_scale)
        y = torch.fft.irfft(torch.fft.rfft(u, n=2 * L) * torch.fft.rfft(k, n=2 * L), n=2 * L)[..., :L]
        return (y + u * self.D.unsqueeze(-1)).transpose(1, 2)

"""S4D, the diagonal state space layer (Gu et al. 2022, "On the Parameterization
and Initialization of Diagonal State Space Models"; reference state-spaces/s4
models/s4/s4d.py), as the engine's s4d kind (engine/net/layer_s4d.c):

  A = -exp(log_A_real) + i A_imag, dt = exp(log_dt) * dt_scale, B = 1,
  ZOH: lambda = exp(dt A), Bbar = (lambda - 1) / A
  bilinear: lambda = (1 + dt A/2) / (1 - dt A/2), Bbar = dt / (1 - dt A/2)
  K[l] = 2 Re(sum_n C_n Bbar_n lambda_n^l),  y = K * u + D u

Training runs the convolution by FFT with 2L zero padding, as the reference;
the engine runs the same system as a recurrence or an exact chunked scan/FFT.
Continuous-time: a graph trained at f0 runs at f with dt_scale = f0 / f."""
import math

import torch
import torch.nn as nn

from .base import Layer, Stream, need_width, register


@register
class S4D(Layer):
    kind = "s4d"
    continuous = True

    def __init__(self, width, state=64, discretization="zoh", dt_min=1e-3, dt_max=1e-1, init="lin"):
        super().__init__()
        if state % 2:
            raise ValueError("s4d: state must be even (N/2 conjugate pairs)")
        if discretization not in ("zoh", "bilinear"):
            raise ValueError("s4d: discretization is 'zoh' or 'bilinear'")
        h, m = width, state // 2
        self.width, self.state, self.discretization = width, state, discretization
        self.log_dt = nn.Parameter(torch.rand(h) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        self.log_A_real = nn.Parameter(torch.log(0.5 * torch.ones(h, m)))
        n = torch.arange(m).float()
        imag = math.pi * n if init == "lin" else (state / math.pi) * (state / (2 * n + 1) - 1)
        self.A_imag = nn.Parameter(imag.repeat(h, 1))
        c = torch.randn(h, m, 2) * (0.5 ** 0.5)
        self.C_re = nn.Parameter(c[..., 0].contiguous())
        self.C_im = nn.Parameter(c[..., 1].contiguous())
        self.D = nn.Parameter(torch.randn(h))

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"state": self.state, "discretization": self.discretization}

    def tensors(self):
        return {k: getattr(self, k) for k in ("log_dt", "log_A_real", "A_imag", "C_re", "C_im", "D")}

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["state"], p.get("discretization", "zoh"))

    def kernel(self, L, dt_scale=1.0):
        dt = (torch.exp(self.log_dt) * dt_scale).unsqueeze(-1)  # [H, 1]
        A = torch.complex(-torch.exp(self.log_A_real), self.A_imag)  # [H, M]
        dtA = A * dt
        if self.discretization == "zoh":
            log_lam = dtA
            bbar = (torch.exp(dtA) - 1.0) / A
        else:
            log_lam = torch.log((1.0 + dtA / 2) / (1.0 - dtA / 2))
            bbar = dt / (1.0 - dtA / 2)
        C = torch.complex(self.C_re, self.C_im) * bbar
        l = torch.arange(L, device=A.device, dtype=self.log_dt.dtype)
        return 2.0 * torch.einsum("hn,hnl->hl", C, torch.exp(log_lam.unsqueeze(-1) * l)).real

    def forward(self, x, dt_scale=1.0):  # [B, T, H]
        u = x.transpose(1, 2)
        L = u.shape[-1]
        k = self.kernel(L, dt_scale)
        y = torch.fft.irfft(torch.fft.rfft(u, n=2 * L) * torch.fft.rfft(k, n=2 * L), n=2 * L)[..., :L]
        return (y + u * self.D.unsqueeze(-1)).transpose(1, 2)

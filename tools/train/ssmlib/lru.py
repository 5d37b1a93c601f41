"""LRU, the Linear Recurrent Unit (Orvieto, Smith, Gu, Fernando, Gulcehre,
Pascanu, De 2023, "Resurrecting Recurrent Neural Networks for Long
Sequences", ICML; the paper's appendix A code), as the engine's lru kind
(engine/net/layer_lru.c, kernels/lru.c):

  lambda = exp(-exp(nu_log) + i exp(theta_log)),  gamma = exp(gamma_log)
  x[t] = lambda (.) x[t-1] + gamma (.) (B u[t]),   y[t] = Re(C x[t]) + D (.) u[t]

One state of P complex modes shared by the H channels (MIMO, no factor 2).
Init (the paper's init_lru_parameters): |lambda| uniform on the ring
[r_min, r_max], phase uniform in [0, max_phase], gamma_log = log sqrt(1 -
|lambda|^2), B ~ N(0, 1/(2H)) per part, C ~ N(0, 1/P) per part, D ~ N(0, 1).

Training form: B u, then each mode's causal convolution with lambda^l by FFT
(ssmlib.modal), then Re(C x) + D u; the engine runs the recurrence or its
chunked scan. Rate-bound: lambda is a discrete-time pole (a phase up to
max_phase has no unique continuous reading), so a graph with an lru runs at
its trained rate behind the engine's bridge."""
import math

import torch
import torch.nn as nn

from .base import Layer, need_width, register
from .modal import cplx, modal_conv


@register
class LRU(Layer):
    kind = "lru"
    rate_bound = True

    def __init__(self, width, state=64, r_min=0.0, r_max=1.0, max_phase=6.28):
        super().__init__()
        h, p = width, state
        self.width, self.state = width, state
        u1, u2 = torch.rand(p), torch.rand(p)
        nu_log = torch.log(-0.5 * torch.log(u1 * (r_max ** 2 - r_min ** 2) + r_min ** 2))
        theta_log = torch.log(max_phase * u2)
        mod = torch.exp(-torch.exp(nu_log))
        self.nu_log = nn.Parameter(nu_log)
        self.theta_log = nn.Parameter(theta_log)
        self.gamma_log = nn.Parameter(torch.log(torch.sqrt(1.0 - mod ** 2)))
        self.B_re = nn.Parameter(torch.randn(p, h) / math.sqrt(2 * h))
        self.B_im = nn.Parameter(torch.randn(p, h) / math.sqrt(2 * h))
        self.C_re = nn.Parameter(torch.randn(h, p) / math.sqrt(p))
        self.C_im = nn.Parameter(torch.randn(h, p) / math.sqrt(p))
        self.D = nn.Parameter(torch.randn(h))

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"state": self.state}

    def tensors(self):
        return {k: getattr(self, k) for k in
                ("nu_log", "theta_log", "gamma_log", "B_re", "B_im", "C_re", "C_im", "D")}

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["state"])

    def log_lambda(self):
        return cplx(-torch.exp(self.nu_log), torch.exp(self.theta_log))

    def forward(self, x):  # [B, T, H]
        xc = cplx(x, torch.zeros_like(x))
        B = cplx(self.B_re, self.B_im) * torch.exp(self.gamma_log).unsqueeze(-1)  # [P, H]
        v = xc @ B.transpose(0, 1)  # [B, T, P]
        s = modal_conv(v, self.log_lambda())
        y = (s @ cplx(self.C_re, self.C_im).transpose(0, 1)).real
        return y + x * self.D

"""S5, the simplified state space layer (Smith, Warrington, Linderman 2023,
"Simplified State Space Layers for Sequence Modeling", ICLR; reference
lindermanlab/S5 s5/ssm.py S5SSM, s5/ssm_init.py), as the engine's s5 kind
(engine/net/layer_s5.c, kernels/s5.c): one MIMO diagonal system of P
complex states shared by the H channels, in the eigenbasis,

  dt = exp(log_dt) * dt_scale (one step per state),
  ZOH:      lambda = exp(Lambda dt),  Bbar = (lambda - 1) / Lambda * B~
  bilinear: lambda = (1 + Lambda dt/2) / (1 - Lambda dt/2),  Bbar = dt / (1 - Lambda dt/2) * B~
  x[t] = lambda x[t-1] + Bbar u[t],  y = Re(C~ x) (x 2 with conj_sym) + D u

Init (the reference's single-block case): Lambda and V from HiPPO-N, the
normal part of LegS of size 2P (conj_sym keeps one of each pair),
B~ = V^* B with B ~ N(0, 1/H) real, C~ = C V with C complex N(0, 1/2) per
part, D ~ N(0, 1), log_dt uniform in [log dt_min, log dt_max].

Training form: Bbar u, each mode's causal convolution with lambda^l by FFT
(ssmlib.modal), Re(C~ x) + D u; the reference's parallel scan computes the
same x. Continuous-time: a graph trained at f0 runs at f with dt_scale = f0 / f."""
import math

import torch
import torch.nn as nn

from .base import Layer, need_width, register
from .hippo import legs_nplr, log_dt_init
from .modal import cplx, modal_conv


@register
class S5(Layer):
    kind = "s5"
    continuous = True

    def __init__(self, width, state=64, discretization="zoh", conj_sym=True, dt_min=1e-3, dt_max=1e-1):
        super().__init__()
        if discretization not in ("zoh", "bilinear"):
            raise ValueError("s5: discretization is 'zoh' or 'bilinear'")
        h, p = width, state
        self.width, self.state, self.discretization, self.conj_sym = width, state, discretization, conj_sym
        n = 2 * p if conj_sym else p
        if n % 2:
            raise ValueError("s5: without conj_sym the state must be even (HiPPO pairs)")
        W, _, _, V = legs_nplr(n, B_clip=None)
        if not conj_sym:  # both halves of every pair
            W, V = torch.cat([W, W.conj()]), torch.cat([V, V.conj()], 1)
        B = (torch.randn(n, h, dtype=torch.float64) / math.sqrt(h)).to(torch.complex128)
        Bt = V.conj().transpose(0, 1) @ B
        C = torch.complex(torch.randn(h, n, dtype=torch.float64), torch.randn(h, n, dtype=torch.float64)) * (0.5 ** 0.5)
        Ct = C @ V
        self.Lambda_re = nn.Parameter(W.real.float())
        self.Lambda_im = nn.Parameter(W.imag.float())
        self.log_dt = nn.Parameter(log_dt_init(p, dt_min, dt_max))
        self.B_re = nn.Parameter(Bt.real.float())
        self.B_im = nn.Parameter(Bt.imag.float())
        self.C_re = nn.Parameter(Ct.real.float())
        self.C_im = nn.Parameter(Ct.imag.float())
        self.D = nn.Parameter(torch.randn(h))

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"state": self.state, "discretization": self.discretization, "conj_sym": self.conj_sym}

    def tensors(self):
        return {k: getattr(self, k) for k in
                ("Lambda_re", "Lambda_im", "log_dt", "B_re", "B_im", "C_re", "C_im", "D")}

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["state"], p.get("discretization", "zoh"), p.get("conj_sym", True))

    def discrete(self, dt_scale=1.0):
        """log lambda [P] and Bbar [P, H] at this dt_scale."""
        L = cplx(self.Lambda_re, self.Lambda_im)
        dt = torch.exp(self.log_dt) * dt_scale
        if self.discretization == "zoh":
            log_lam = L * dt
            g = (torch.exp(log_lam) - 1.0) / L
        else:
            den = 1.0 - L * dt / 2
            log_lam = torch.log((1.0 + L * dt / 2) / den)
            g = dt / den
        return log_lam, g.unsqueeze(-1) * cplx(self.B_re, self.B_im)

    def forward(self, x, dt_scale=1.0):  # [B, T, H]
        log_lam, Bbar = self.discrete(dt_scale)
        v = cplx(x, torch.zeros_like(x)) @ Bbar.transpose(0, 1)  # [B, T, P]
        s = modal_conv(v, log_lam)
        y = (s @ cplx(self.C_re, self.C_im).transpose(0, 1)).real
        return y * (2.0 if self.conj_sym else 1.0) + x * self.D

"""DSS, diagonal state spaces (Gupta, Gu, Berant 2022, "Diagonal State Spaces
are as Effective as Structured State Spaces", NeurIPS, Proposition 1;
reference ag1988/dss src/models/sequence/ss/standalone/dss.py DSSKernel), as
the engine's dss kind (engine/net/layer_dss.c, kernels/dss.c). M complex
modes per channel, the real part with no factor 2 (W absorbs it):

  exp:     Lambda = -exp(Lambda_log_neg_re) + i Lambda_im,
           K[l] = Re(sum_n W_n (exp(Lambda_n dt) - 1) / Lambda_n exp(Lambda_n dt l))
  softmax: Lambda = Lambda_re + i Lambda_im (Lambda_re < 0),
           K[l] = Re(sum_n W_n / (Lambda_n S_n) exp(Lambda_n dt l)),
           S_n = sum_{j < l_max} exp(Lambda_n dt j)   (the row softmax)
  dt = exp(log_dt) * dt_scale,  y = K * u + D u

Differences from the reference, each exact to export: Lambda is per channel
[H, M] (the reference shares one [M] across channels: tile it); one dt per
channel (the reference's sep_dt_re_im dt pair folds into Lambda per
channel); softmax normalises over a fixed l_max (the reference over the
training length L: train with L = l_max to get it exactly), which a
streaming layer needs, and at another rate over round(l_max / dt_scale)
frames so the window keeps its length in seconds; a non-decaying softmax
mode (Lambda_re >= 0, which the reference allows) has no recurrence and the
engine refuses it.

Init: Lambda = -1/2 + i (the skew part of HiPPO-LegS's eigenvalues, positive
imaginary parts: the reference's 'hippo_skew_pos_imag'), W ~ N(0, 1) per
part, log_dt uniform in [log dt_min, log dt_max], D ~ N(0, 1). Training form:
the kernel (a Vandermonde product) and FFT convolution with 2L padding."""
import math

import torch
import torch.nn as nn

from .base import Layer, need_width, register
from .hippo import legs_nplr, log_dt_init
from .modal import cplx


def effective_lmax(l_max, dt_scale):
    """The softmax window at another rate, in frames (kernels/dss.c)."""
    return max(1, int(math.floor(l_max / dt_scale + 0.5)))


@register
class DSS(Layer):
    kind = "dss"
    continuous = True

    def __init__(self, width, state=64, variant="exp", l_max=None, dt_min=1e-3, dt_max=1e-1):
        super().__init__()
        if variant not in ("exp", "softmax"):
            raise ValueError("dss: variant is 'exp' or 'softmax'")
        if (variant == "softmax") != (l_max is not None):
            raise ValueError("dss: l_max (frames) is required by softmax and only by it")
        h, m = width, state
        self.width, self.state, self.variant, self.l_max = width, state, variant, l_max
        W, _, _, _ = legs_nplr(2 * m, B_clip=None)
        lam_im = W.imag.abs().flip(0).float().repeat(h, 1)  # ascending positive parts
        lam_re = torch.full((h, m), -0.5)
        if variant == "exp":
            self.Lambda_log_neg_re = nn.Parameter(torch.log(-lam_re))
        else:
            self.Lambda_re = nn.Parameter(lam_re)
        self.Lambda_im = nn.Parameter(lam_im)
        self.log_dt = nn.Parameter(log_dt_init(h, dt_min, dt_max))
        self.W_re = nn.Parameter(torch.randn(h, m))
        self.W_im = nn.Parameter(torch.randn(h, m))
        self.D = nn.Parameter(torch.randn(h))

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        p = {"state": self.state, "variant": self.variant}
        if self.variant == "softmax":
            p["l_max"] = self.l_max
        return p

    def _re_name(self):
        return "Lambda_log_neg_re" if self.variant == "exp" else "Lambda_re"

    def tensors(self):
        return {k: getattr(self, k) for k in
                ("log_dt", self._re_name(), "Lambda_im", "W_re", "W_im", "D")}

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["state"], p.get("variant", "exp"), p.get("l_max"))

    def Lambda(self):
        re = -torch.exp(self.Lambda_log_neg_re) if self.variant == "exp" else self.Lambda_re
        return cplx(re, self.Lambda_im)

    def kernel(self, L, dt_scale=1.0):
        lam = self.Lambda()  # [H, M]
        dt = (torch.exp(self.log_dt) * dt_scale).unsqueeze(-1)
        dtl = lam * dt
        W = cplx(self.W_re, self.W_im)
        if self.variant == "exp":
            W = W * (torch.exp(dtl) - 1.0) / lam
        else:
            n = effective_lmax(self.l_max, dt_scale)
            S = (1.0 - torch.exp(dtl * n)) / (1.0 - torch.exp(dtl))  # sum_{j<n} exp(dtl j)
            W = W / (lam * S)
        pos = torch.arange(L, device=lam.device, dtype=self.log_dt.dtype)
        return torch.einsum("hn,hnl->hl", W, torch.exp(dtl.unsqueeze(-1) * pos)).real

    def forward(self, x, dt_scale=1.0):  # [B, T, H]
        u = x.transpose(1, 2)
        L = u.shape[-1]
        k = self.kernel(L, dt_scale)
        y = torch.fft.irfft(torch.fft.rfft(u, n=2 * L) * torch.fft.rfft(k, n=2 * L), n=2 * L)[..., :L]
        return (y + u * self.D.unsqueeze(-1)).transpose(1, 2)

"""GSS, the gated state space layer (Mehta, Gupta, Cutkosky, Neyshabur 2022,
"Long Range Language Modeling via Gated State Spaces", Fig. 1 and its
pseudo-code), with DSS as its SSM (Gupta, Gu, Berant 2022, "Diagonal State
Spaces are as Effective as Structured State Spaces", Proposition 1), as the
engine's gss kind (engine/net/layer_gss.c over kernels/gss.c):

  v = GELU(v_proj(u))            d_ff wide, the gate
  w = GELU(u_proj(u))            d_ssm wide (the reduced width)
  y = DSS(w) + D w
  o = o_proj(c_proj(y) * v)

The paper's layer also normalises its input and adds the shortcut: those are
glue nodes around this kind (rmsnorm / layernorm, add). GELU is the erf form.

DSS per channel (M complex modes, Lambda = -exp(log_neg_Lambda_re) + i
Lambda_im, so every mode decays and every model streams; W complex):
  exp:     K[l] = Re(sum_n W_n (exp(Lambda_n dt) - 1) / Lambda_n exp(Lambda_n dt l))
  softmax: K[l] = Re(sum_n W_n / Lambda_n exp(Lambda_n dt l) / S_n),
           S_n = sum_{j < l_max} exp(Lambda_n dt j)
(the paper's real part, no factor 2). The softmax normaliser uses the fixed
length l_max (the reference normalises over the training length), so the
kernel extends past it the same way when streaming. Init: Lambda = -1/2 +
i pi n (S4D-Lin) instead of the reference's HiPPO skew eigenvalues, W complex
normal, log dt uniform in [log 1e-3, log 1e-1].

Tensors: v_proj, u_proj, c_proj, o_proj .weight / .bias; dss.log_dt [d_ssm],
dss.log_neg_Lambda_re, dss.Lambda_im, dss.W_re, dss.W_im [d_ssm, state],
dss.D [d_ssm].

Forward is the training form: the kernel by its Vandermonde product and the
convolution by FFT (size 2T); scan="sequential" runs the diagonal recurrence
the engine streams, for checks.

Sample rate: continuous-time and rate-free: dt_scale = trained / run rate
scales dt, and l_max becomes round(l_max / dt_scale) samples (the
normalising window keeps its length in seconds)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, need_width, register
from .scan import diag_recurrence


@register
class GSS(Layer):
    kind = "gss"
    continuous = True

    def __init__(self, width, d_ff=None, d_ssm=None, state=64, variant="exp", l_max=None,
                 dt_min=1e-3, dt_max=1e-1):
        super().__init__()
        if variant not in ("exp", "softmax"):
            raise ValueError("gss: variant is 'exp' or 'softmax'")
        if variant == "softmax" and not l_max:
            raise ValueError("gss: the softmax variant needs l_max")
        F_, H, M = d_ff or 4 * width, d_ssm or max(1, width // 4), state
        self.width, self.d_ff, self.d_ssm, self.state = width, F_, H, M
        self.variant, self.l_max = variant, l_max
        self.v_proj, self.u_proj = nn.Linear(width, F_), nn.Linear(width, H)
        self.c_proj, self.o_proj = nn.Linear(H, F_), nn.Linear(F_, width)
        self.dss = nn.Module()
        d = self.dss
        d.log_dt = nn.Parameter(torch.rand(H) * (math.log(dt_max) - math.log(dt_min))
                                + math.log(dt_min))
        d.log_neg_Lambda_re = nn.Parameter(torch.full((H, M), math.log(0.5)))
        d.Lambda_im = nn.Parameter((math.pi * torch.arange(M).float()).repeat(H, 1))
        w = torch.randn(H, M, 2) * (0.5 ** 0.5)
        d.W_re, d.W_im = nn.Parameter(w[..., 0].contiguous()), nn.Parameter(w[..., 1].contiguous())
        d.D = nn.Parameter(torch.randn(H))

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        p = {"d_ff": self.d_ff, "d_ssm": self.d_ssm, "state": self.state, "variant": self.variant}
        if self.variant == "softmax":
            p["l_max"] = self.l_max
        return p

    def tensors(self):
        t = {}
        for name in ("v_proj", "u_proj", "c_proj", "o_proj"):
            lin = getattr(self, name)
            t[name + ".weight"], t[name + ".bias"] = lin.weight, lin.bias
        for name in ("log_dt", "log_neg_Lambda_re", "Lambda_im", "W_re", "W_im", "D"):
            t["dss." + name] = getattr(self.dss, name)
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p.get("d_ff"), p.get("d_ssm"), p.get("state", 64),
                   p.get("variant", "exp"), p.get("l_max"))

    def modes(self, dt_scale=1.0):
        """The discrete poles and output weights: K[l] = Re(sum w lam^l)."""
        d = self.dss
        dt = (torch.exp(d.log_dt) * dt_scale).unsqueeze(-1)
        Lam = torch.complex(-torch.exp(d.log_neg_Lambda_re), d.Lambda_im)
        W = torch.complex(d.W_re, d.W_im)
        lam = torch.exp(Lam * dt)
        if self.variant == "exp":
            return lam, W * (lam - 1.0) / Lam
        L = max(1, int(math.floor(self.l_max / dt_scale + 0.5)))
        S = (1.0 - lam ** L) / (1.0 - lam)  # sum_{j < L} lam^j
        return lam, W / (Lam * S)

    def kernel(self, T, dt_scale=1.0):
        lam, w = self.modes(dt_scale)
        dt = (torch.exp(self.dss.log_dt) * dt_scale).unsqueeze(-1)
        Lam = torch.complex(-torch.exp(self.dss.log_neg_Lambda_re), self.dss.Lambda_im)
        l = torch.arange(T, device=lam.device, dtype=self.dss.log_dt.dtype)
        return torch.einsum("hn,hnl->hl", w, torch.exp((Lam * dt).unsqueeze(-1) * l)).real

    def forward(self, u, dt_scale=1.0, scan="fft"):
        """u: [B, T, width] -> [B, T, width]."""
        T = u.shape[1]
        v = F.gelu(self.v_proj(u))
        w = F.gelu(self.u_proj(u))  # [B, T, H]
        if scan == "sequential":
            lam, wt = self.modes(dt_scale)
            y = diag_recurrence(lam, wt, w)
        else:
            k = self.kernel(T, dt_scale)
            wt = w.transpose(1, 2)
            y = torch.fft.irfft(torch.fft.rfft(wt, n=2 * T) * torch.fft.rfft(k, n=2 * T),
                                n=2 * T)[..., :T].transpose(1, 2)
        y = y + self.dss.D * w
        return self.o_proj(self.c_proj(y) * v)

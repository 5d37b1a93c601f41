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

The DSS part is ssmlib.DSS (the dss kind's module and parametrisation, M
complex modes per channel, the paper's real part with no factor 2):
  exp:     Lambda = -exp(Lambda_log_neg_re) + i Lambda_im,
           K[l] = Re(sum_n W_n (exp(Lambda_n dt) - 1) / Lambda_n exp(Lambda_n dt l))
  softmax: Lambda = Lambda_re + i Lambda_im (Lambda_re < 0),
           K[l] = Re(sum_n W_n / Lambda_n exp(Lambda_n dt l) / S_n),
           S_n = sum_{j < l_max} exp(Lambda_n dt j)
(softmax over the fixed length l_max, so the kernel extends past it the same
way when streaming; ssmlib/dss.py says how this differs from the reference).

Tensors: v_proj, u_proj, c_proj, o_proj .weight / .bias; the DSS part's under
dss. (dss.log_dt, dss.Lambda_log_neg_re or dss.Lambda_re, dss.Lambda_im,
dss.W_re, dss.W_im [d_ssm, state], dss.D [d_ssm]).

Forward is the training form: the kernel by its Vandermonde product and the
convolution by FFT (size 2T); scan="sequential" runs the diagonal recurrence
the engine streams, for checks.

Sample rate: continuous-time and rate-free: dt_scale = trained / run rate
scales dt, and l_max becomes round(l_max / dt_scale) samples (the
normalising window keeps its length in seconds)."""
import math

import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, need_width, register
from .dss import DSS, effective_lmax
from .modal import cplx
from .scan import diag_recurrence


@register
class GSS(Layer):
    kind = "gss"
    continuous = True

    def __init__(self, width, d_ff=None, d_ssm=None, state=64, variant="exp", l_max=None,
                 dt_min=1e-3, dt_max=1e-1):
        super().__init__()
        F_, H = d_ff or 4 * width, d_ssm or max(1, width // 4)
        self.width, self.d_ff, self.d_ssm, self.state = width, F_, H, state
        self.v_proj, self.u_proj = nn.Linear(width, F_), nn.Linear(width, H)
        self.c_proj, self.o_proj = nn.Linear(H, F_), nn.Linear(F_, width)
        self.dss = DSS(H, state, variant, l_max, dt_min, dt_max)

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        p = {"d_ff": self.d_ff, "d_ssm": self.d_ssm}
        p.update(self.dss.params())
        return p

    def tensors(self):
        t = {}
        for name in ("v_proj", "u_proj", "c_proj", "o_proj"):
            lin = getattr(self, name)
            t[name + ".weight"], t[name + ".bias"] = lin.weight, lin.bias
        t.update({"dss." + k: v for k, v in self.dss.tensors().items()})
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p.get("d_ff"), p.get("d_ssm"), p.get("state", 64),
                   p.get("variant", "exp"), p.get("l_max"))

    def modes(self, dt_scale=1.0):
        """The DSS part's discrete poles and output weights, K[l] = Re(sum w
        lam^l), for the recurrence."""
        d = self.dss
        Lam = d.Lambda()
        dtl = Lam * (d.log_dt.exp() * dt_scale).unsqueeze(-1)
        lam, W = dtl.exp(), cplx(d.W_re, d.W_im)
        if d.variant == "exp":
            return lam, W * (lam - 1.0) / Lam
        n = effective_lmax(d.l_max, dt_scale)
        return lam, W / (Lam * (1.0 - (dtl * n).exp()) / (1.0 - lam))

    def forward(self, u, dt_scale=1.0, scan="fft"):
        """u: [B, T, width] -> [B, T, width]."""
        v = F.gelu(self.v_proj(u))
        w = F.gelu(self.u_proj(u))  # [B, T, H]
        if scan == "sequential":
            lam, wt = self.modes(dt_scale)
            y = diag_recurrence(lam, wt, w) + self.dss.D * w
        else:
            y = self.dss(w, dt_scale)  # K * w + D w by FFT
        return self.o_proj(self.c_proj(y) * v)

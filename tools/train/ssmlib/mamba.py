"""Mamba, the selective state space block (Gu & Dao 2023, "Mamba: Linear-Time
Sequence Modeling with Selective State Spaces"; reference state-spaces/mamba,
mamba_ssm/modules/mamba_simple.py (Mamba, Mamba.step) and
mamba_ssm/ops/selective_scan_interface.py (selective_scan_ref)), as the
engine's mamba kind (engine/net/layer_mamba.c over kernels/mamba.c):

  x, z = in_proj(u)                          d_inner each
  x = SiLU(causal depthwise conv1d(x))       d_conv taps, with bias
  (dt, B, C) = x_proj(x)                     dt_rank, state, state
  dt = softplus(dt_proj(dt)) * dt_scale      dt_proj has the bias
  h = exp(dt A) h + dt B x,  A = -exp(A_log)  per channel and state
  y = (h . C + D x) * SiLU(z);  out = out_proj(y)

B-bar = dt B is the reference's simplification, not full ZOH. Tensors keep the
reference's names and layouts (in_proj.weight, conv1d.weight [d_inner, 1,
d_conv], x_proj.weight, dt_proj.weight/bias, A_log, D, out_proj.weight), so a
reference state_dict loads as is.

Forward is the training form: the projections over the whole sequence and
the selective scan by ssmlib.scan.linear_scan (chunks of `chunk` steps run
step by step all at once, chunk states by an associative scan: exact and
overflow-free, O(T d_inner state) work). scan="sequential" is the
reference's step loop (selective_scan_ref), for tiny goldens and checks.

Sample rate: dt is continuous-time (dt_scale = trained / run rate rescales
it), but the conv1d taps are per sample, so the kind is rate-bound: at
another host rate the engine runs the graph at its trained rate behind the
libsamplerate bridge and says so."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, need_width, register
from .scan import linear_scan, linear_scan_sequential


@register
class Mamba(Layer):
    kind = "mamba"
    continuous = True
    rate_bound = True

    def __init__(self, width, d_inner=None, state=16, d_conv=4, dt_rank=None, bias=False,
                 conv_bias=True, dt_min=1e-3, dt_max=1e-1, dt_init_floor=1e-4, chunk=64):
        super().__init__()
        d_inner = d_inner or 2 * width
        dt_rank = dt_rank or math.ceil(width / 16)
        self.width, self.d_inner, self.state, self.d_conv, self.dt_rank = (
            width, d_inner, state, d_conv, dt_rank)
        self.chunk = chunk
        self.in_proj = nn.Linear(width, 2 * d_inner, bias=bias)
        self.conv1d = nn.Conv1d(d_inner, d_inner, d_conv, groups=d_inner, bias=conv_bias)
        self.x_proj = nn.Linear(d_inner, dt_rank + 2 * state, bias=False)
        self.dt_proj = nn.Linear(dt_rank, d_inner, bias=True)
        std = dt_rank ** -0.5
        with torch.no_grad():
            nn.init.uniform_(self.dt_proj.weight, -std, std)
            dt = torch.exp(torch.rand(d_inner) * (math.log(dt_max) - math.log(dt_min))
                           + math.log(dt_min)).clamp(min=dt_init_floor)
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
        self.A_log = nn.Parameter(torch.log(torch.arange(1, state + 1).float()).repeat(d_inner, 1))
        self.D = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, width, bias=bias)

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"d_inner": self.d_inner, "state": self.state, "d_conv": self.d_conv,
                "dt_rank": self.dt_rank, "bias": self.in_proj.bias is not None,
                "conv_bias": self.conv1d.bias is not None}

    def tensors(self):
        t = {"in_proj.weight": self.in_proj.weight, "conv1d.weight": self.conv1d.weight,
             "x_proj.weight": self.x_proj.weight, "dt_proj.weight": self.dt_proj.weight,
             "dt_proj.bias": self.dt_proj.bias, "A_log": self.A_log, "D": self.D,
             "out_proj.weight": self.out_proj.weight}
        if self.in_proj.bias is not None:
            t["in_proj.bias"] = self.in_proj.bias
            t["out_proj.bias"] = self.out_proj.bias
        if self.conv1d.bias is not None:
            t["conv1d.bias"] = self.conv1d.bias
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p.get("d_inner"), p.get("state", 16), p.get("d_conv", 4),
                   p.get("dt_rank"), p.get("bias", False), p.get("conv_bias", True))

    def forward(self, u, dt_scale=1.0, scan="chunked", state=None):
        """u: [B, T, width] -> [B, T, width]. state: the carried SSM state
        [B, d_inner, state] or None (the conv window always starts at 0)."""
        T = u.shape[1]
        x, z = self.in_proj(u).chunk(2, dim=-1)
        x = F.silu(self.conv1d(F.pad(x.transpose(1, 2), (self.d_conv - 1, 0)))[..., :T])
        x = x.transpose(1, 2)  # [B, T, d_inner]
        dt, B, C = torch.split(self.x_proj(x), [self.dt_rank, self.state, self.state], dim=-1)
        dt = F.softplus(self.dt_proj(dt)) * dt_scale
        A = -torch.exp(self.A_log)  # [d_inner, state]
        log_a = dt.unsqueeze(-1) * A  # [B, T, d_inner, state]
        b = (dt * x).unsqueeze(-1) * B.unsqueeze(2)
        if scan == "sequential":
            h, _ = linear_scan_sequential(log_a, b, state)
        else:
            h, _ = linear_scan(log_a, b, state, self.chunk)
        # A product and a sum, not einsum: that becomes one tiny matrix
        # product per step (bmm over B T), slow on CPUs.
        y = (h * C.unsqueeze(2)).sum(-1) + x * self.D
        return self.out_proj(y * F.silu(z))

"""Mamba-2, the state space duality (SSD) block (Dao & Gu 2024, "Transformers
are SSMs: Generalized Models and Efficient Algorithms Through Structured State
Space Duality"; reference state-spaces/mamba, mamba_ssm/modules/mamba2.py
(Mamba2 with d_mlp = 0, D per head, rmsnorm with norm_before_gate=False) and
mamba_ssm/modules/ssd_minimal.py (ssd_minimal_discrete)), as the engine's
mamba2 kind (engine/net/layer_mamba2.c over kernels/ssd.c):

  (z, xBC, dt) = in_proj(u)               d_inner, d_inner + 2 G N, H
  xBC = SiLU(causal depthwise conv1d(xBC)) d_conv taps, with bias
  (x, B, C) = split(xBC);  dt = softplus(dt + dt_bias) * dt_scale
  per head h (P = head_dim channels, group g = h / (H / G) of B, C):
    S_t = exp(dt_t A_h) S_{t-1} + dt_t B_t x_t^T,   A_h = -exp(A_log_h)
    y_t = S_t^T C_t + D_h x_t
  y = RMSNorm(y * SiLU(z)) * norm.weight   per group of d_inner / G, eps
  out = out_proj(y)

Tensors keep the reference's names and layouts (in_proj.weight, conv1d.weight
[d_inner + 2 G N, 1, d_conv], conv1d.bias, dt_bias, A_log, D, norm.weight,
out_proj.weight).

Forward is the training form, the chunked SSD algorithm of ssd_minimal: inside
a chunk of `chunk` steps the quadratic (attention-like) form with the
segment-sum decay mask, across chunks the states passed on, here by an
associative scan over the chunks (ssmlib.scan.assoc_scan) instead of the
reference's chunks x chunks decay matrix, so memory stays linear in T.
Groups are handled by repeating B, C per head (ssd_minimal sums over the
group axis and so holds for G = 1 only). scan="sequential" is the recurrence
of Mamba2.step, for tiny goldens and checks.

Sample rate: dt is continuous-time (dt_scale = trained / run rate), the conv1d
taps are per sample: the kind is rate-bound (the engine resamples and says
so)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, need_width, register
from .scan import assoc_scan


def segsum(x):
    """[..., T] -> [..., T, T]: out[..., i, j] = sum_{j < k <= i} x[..., k] for
    j <= i, -inf above the diagonal (ssd_minimal's stable segsum)."""
    T = x.size(-1)
    x = x.unsqueeze(-1).expand(*x.shape, T)
    lower = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=-1)
    xs = torch.cumsum(x.masked_fill(~lower, 0), dim=-2)
    keep = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=0)
    return xs.masked_fill(~keep, -math.inf)


def ssd_chunked(x, dt, A, B, C, chunk=64, state=None):
    """x [b, T, H, P], dt [b, T, H] (after softplus), A [H] (< 0), B, C
    [b, T, H, N] (per head). Returns y [b, T, H, P] (no D term) and the last
    state [b, H, P, N]."""
    b, T, H, P = x.shape
    N = B.shape[-1]
    Q = max(1, min(chunk, T))
    nc = math.ceil(T / Q)
    pad = nc * Q - T
    X = x * dt.unsqueeze(-1)
    Adt = dt * A
    if pad:  # padded steps: no input, no decay
        X, B, C = (F.pad(t, (0, 0, 0, 0, 0, pad)) for t in (X, B, C))
        Adt = F.pad(Adt, (0, 0, 0, pad))
    X = X.reshape(b, nc, Q, H, P)
    B = B.reshape(b, nc, Q, H, N)
    C = C.reshape(b, nc, Q, H, N)
    Adt = Adt.reshape(b, nc, Q, H).permute(0, 3, 1, 2)  # b h c l
    Acs = torch.cumsum(Adt, dim=-1)
    # 1. inside each chunk: the quadratic form with the decay mask
    W = torch.einsum("bclhn,bcshn->bhcls", C, B) * torch.exp(segsum(Adt))
    Y = torch.einsum("bhcls,bcshp->bclhp", W, X)
    # 2. each chunk's own end state
    decay = torch.exp(Acs[..., -1:] - Acs)  # b h c l
    S = torch.einsum("bclhn,bhcl,bclhp->bchpn", B, decay, X)
    # 3. pass the states across chunks: S_c += exp(sum of chunk c's dt A) S_{c-1}
    a = torch.exp(Acs[..., -1]).permute(0, 2, 1)[..., None, None].expand_as(S)  # b c h p n
    if state is not None:
        S = torch.cat([S[:, :1] + a[:, :1] * state.unsqueeze(1), S[:, 1:]], dim=1)
    S = assoc_scan(a, S, dim=1)
    first = state.unsqueeze(1) if state is not None else torch.zeros_like(S[:, :1])
    S_in = torch.cat([first, S[:, :-1]], dim=1)
    # 4. the carried-in state's contribution inside each chunk
    Y = Y + torch.einsum("bclhn,bchpn,bhcl->bclhp", C, S_in, torch.exp(Acs))
    return Y.reshape(b, nc * Q, H, P)[:, :T], S[:, -1]


def ssd_sequential(x, dt, A, B, C, state=None):
    """The recurrence of Mamba2.step, one step at a time."""
    b, T, H, P = x.shape
    S = x.new_zeros(b, H, P, B.shape[-1]) if state is None else state
    ys = []
    for x_t, dt_t, B_t, C_t in zip(x.unbind(1), dt.unbind(1), B.unbind(1), C.unbind(1)):
        S = S * torch.exp(dt_t * A)[..., None, None] + torch.einsum("bh,bhn,bhp->bhpn", dt_t, B_t, x_t)
        ys.append(torch.einsum("bhpn,bhn->bhp", S, C_t))
    return torch.stack(ys, dim=1), S


@register
class Mamba2(Layer):
    kind = "mamba2"
    continuous = True
    rate_bound = True

    def __init__(self, width, d_inner=None, head_dim=64, groups=1, state=128, d_conv=4,
                 bias=False, conv_bias=True, eps=1e-5, A_init_range=(1, 16), dt_min=1e-3,
                 dt_max=1e-1, dt_init_floor=1e-4, chunk=64):
        super().__init__()
        d_inner = d_inner or 2 * width
        if d_inner % head_dim or d_inner % groups or (d_inner // head_dim) % groups:
            raise ValueError("mamba2: head_dim and groups must divide d_inner, groups the heads")
        H = d_inner // head_dim
        self.width, self.d_inner, self.head_dim, self.groups, self.state = (
            width, d_inner, head_dim, groups, state)
        self.heads, self.d_conv, self.eps, self.chunk = H, d_conv, eps, chunk
        cd = d_inner + 2 * groups * state
        self.in_proj = nn.Linear(width, 2 * d_inner + 2 * groups * state + H, bias=bias)
        self.conv1d = nn.Conv1d(cd, cd, d_conv, groups=cd, bias=conv_bias)
        dt = torch.exp(torch.rand(H) * (math.log(dt_max) - math.log(dt_min))
                       + math.log(dt_min)).clamp(min=dt_init_floor)
        self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus
        self.A_log = nn.Parameter(torch.log(torch.empty(H).uniform_(*A_init_range)))
        self.D = nn.Parameter(torch.ones(H))
        self.norm = nn.Module()
        self.norm.weight = nn.Parameter(torch.ones(d_inner))
        self.out_proj = nn.Linear(d_inner, width, bias=bias)

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"d_inner": self.d_inner, "head_dim": self.head_dim, "groups": self.groups,
                "state": self.state, "d_conv": self.d_conv, "bias": self.in_proj.bias is not None,
                "conv_bias": self.conv1d.bias is not None, "eps": self.eps}

    def tensors(self):
        t = {"in_proj.weight": self.in_proj.weight, "conv1d.weight": self.conv1d.weight,
             "dt_bias": self.dt_bias, "A_log": self.A_log, "D": self.D,
             "norm.weight": self.norm.weight, "out_proj.weight": self.out_proj.weight}
        if self.in_proj.bias is not None:
            t["in_proj.bias"] = self.in_proj.bias
            t["out_proj.bias"] = self.out_proj.bias
        if self.conv1d.bias is not None:
            t["conv1d.bias"] = self.conv1d.bias
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p.get("d_inner"), p.get("head_dim", 64), p.get("groups", 1),
                   p.get("state", 128), p.get("d_conv", 4), p.get("bias", False),
                   p.get("conv_bias", True), p.get("eps", 1e-5))

    def forward(self, u, dt_scale=1.0, scan="chunked", state=None):
        """u: [B, T, width] -> [B, T, width]. state: the carried SSM state
        [B, heads, head_dim, state] or None."""
        b, T, _ = u.shape
        di, G, N, H, P = self.d_inner, self.groups, self.state, self.heads, self.head_dim
        z, xBC, dt = torch.split(self.in_proj(u), [di, di + 2 * G * N, H], dim=-1)
        xBC = self.conv1d(F.pad(xBC.transpose(1, 2), (self.d_conv - 1, 0)))[..., :T]
        xBC = F.silu(xBC.transpose(1, 2))
        x, B, C = torch.split(xBC, [di, G * N, G * N], dim=-1)
        dt = F.softplus(dt + self.dt_bias) * dt_scale  # [b, T, H]
        A = -torch.exp(self.A_log)
        x = x.reshape(b, T, H, P)
        rep = H // G  # head h reads group h // rep
        B = B.reshape(b, T, G, N).repeat_interleave(rep, dim=2)
        C = C.reshape(b, T, G, N).repeat_interleave(rep, dim=2)
        if scan == "sequential":
            y, _ = ssd_sequential(x, dt, A, B, C, state)
        else:
            y, _ = ssd_chunked(x, dt, A, B, C, self.chunk, state)
        y = (y + x * self.D[:, None]).reshape(b, T, di) * F.silu(z)
        yg = y.reshape(b, T, G, di // G)
        yg = yg * torch.rsqrt(yg.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.out_proj(yg.reshape(b, T, di) * self.norm.weight)

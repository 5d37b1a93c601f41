"""Hyena, the long-convolution operator with implicit filters (Poli et al. 2023,
"Hyena Hierarchy: Towards Larger Convolutional Language Models"; reference
HazyResearch/safari src/models/sequence/hyena.py: HyenaOperator with one head,
one block, inner_factor 1, no outer mixing or post-order FFN, identity
activation; HyenaFilter with normalized=False), as the engine's hyena kind
(engine/net/layer_hyena.c over kernels/hyena.c):

  z = in_proj(u);  z = causal depthwise conv(z, 3 taps) + bias   (order+1) d
  x_0 .. x_{order-1}, v = split(z, d)
  for o, x_i in enumerate(reversed(x[1:])):   (the reference's order)
      v = v * x_i
      v = h_o * v + bias_o * v                 long causal convolution
  y = out_proj(v * x_0)

The implicit filters h_o[channel][l]: positional encoding z(l) (a learned
table, initialised to [t, cos(f w), -sin(f w)] with t = l / (l_max - 1),
w = 2 pi l / l_max, f = linspace(1e-4, bands - 1, bands)) -> Linear, Sin ->
(Linear, Sin) x n_inner -> Linear (no bias) to d (order - 1) channels ->
times exp(-t |deltas|) + shift; Sin(x) = sin(freq x), one freq vector shared
by every Sin as in the reference. Channel c of the MLP output is filter
o = c % (order - 1) of model channel c // (order - 1).

Tensors: in_proj.weight/bias, short_filter.weight [(order+1) d, 1, 3] /bias,
out_proj.weight/bias (the reference's names), and the filter's
filter.z [l_max, emb_dim] (the reference's pos_emb.z without its batch
axis), filter.mlp.<i>.weight/bias (i = 0 .. n_inner), filter.out.weight,
filter.freq [filter_order], filter.bias [d (order - 1)] (filter_fn.bias),
filter.deltas [d (order - 1)] (the modulation's, fixed in the reference).

Forward is the training form, the reference's FFT convolution (size 2T, a
filter of min(T, l_max) taps); scan="sequential" runs the same convolution
directly (a causal FIR), for checks. Longer inputs than l_max run on with the
same l_max-tap FIR (a sliding window): the reference stops at l_max.

Sample rate: the filter is continuous in t. At dt_scale = trained / run rate
it is evaluated at positions l dt_scale (the table interpolated linearly, t
and the decay exactly), has round(l_max / dt_scale) taps and is scaled by
dt_scale (its gain in seconds kept); the engine generates it once per host
rate and streams it by partitioned convolution. The 3-tap short filter is
per sample, so the kind is rate-bound (the engine resamples and says so)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, need_width, register


def fftconv(v, k):
    """Causal convolution of v [B, d, T] with k [d, L] (L <= T) by FFT of size 2T."""
    T = v.shape[-1]
    n = 2 * T
    return torch.fft.irfft(torch.fft.rfft(v, n=n) * torch.fft.rfft(k, n=n), n=n)[..., :T]


def directconv(v, k):
    """The same convolution as a causal FIR (F.conv1d, depthwise)."""
    L = k.shape[-1]
    return F.conv1d(F.pad(v, (L - 1, 0)), k.flip(-1).unsqueeze(1), groups=v.shape[1])


@register
class Hyena(Layer):
    kind = "hyena"
    continuous = True
    rate_bound = True

    def __init__(self, width, l_max, order=2, filter_order=64, emb_dim=3, n_inner=2, shift=0.0,
                 freq=1.0, fast_decay_pct=0.3, slow_decay_pct=1.5, target=1e-2):
        super().__init__()
        if order < 2 or emb_dim < 3 or emb_dim % 2 == 0 or not 0 <= n_inner <= 4:
            raise ValueError("hyena: order >= 2, emb_dim odd >= 3, n_inner 0..4")
        d, D = width, width * (order - 1)
        self.width, self.l_max, self.order, self.filter_order = width, l_max, order, filter_order
        self.emb_dim, self.n_inner, self.shift = emb_dim, n_inner, float(shift)
        C = (order + 1) * d
        self.in_proj = nn.Linear(d, C)
        self.short_filter = nn.Conv1d(C, C, 3, groups=C)
        self.out_proj = nn.Linear(d, d)
        self.filter = nn.Module()
        t = torch.linspace(0, 1, l_max)[:, None]
        bands = (emb_dim - 1) // 2
        w = 2 * math.pi * torch.linspace(0, l_max - 1, l_max)[:, None] / l_max
        f = torch.linspace(1e-4, bands - 1, bands)[None]
        self.filter.z = nn.Parameter(torch.cat([t, torch.cos(f * w), -torch.sin(f * w)], dim=-1))
        self.filter.mlp = nn.ModuleList(
            [nn.Linear(emb_dim, filter_order)] +
            [nn.Linear(filter_order, filter_order) for _ in range(n_inner)])
        self.filter.out = nn.Linear(filter_order, D, bias=False)
        self.filter.freq = nn.Parameter(freq * torch.ones(filter_order))
        self.filter.bias = nn.Parameter(torch.randn(D))
        max_decay, min_decay = math.log(target) / fast_decay_pct, math.log(target) / slow_decay_pct
        self.filter.register_buffer("deltas", torch.linspace(min_decay, max_decay, D))

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"l_max": self.l_max, "order": self.order, "filter_order": self.filter_order,
                "emb_dim": self.emb_dim, "n_inner": self.n_inner, "shift": self.shift}

    def tensors(self):
        f = self.filter
        t = {"in_proj.weight": self.in_proj.weight, "in_proj.bias": self.in_proj.bias,
             "short_filter.weight": self.short_filter.weight,
             "short_filter.bias": self.short_filter.bias,
             "out_proj.weight": self.out_proj.weight, "out_proj.bias": self.out_proj.bias,
             "filter.z": f.z, "filter.out.weight": f.out.weight, "filter.freq": f.freq,
             "filter.bias": f.bias, "filter.deltas": f.deltas}
        for i, lin in enumerate(f.mlp):
            t[f"filter.mlp.{i}.weight"] = lin.weight
            t[f"filter.mlp.{i}.bias"] = lin.bias
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["l_max"], p.get("order", 2), p.get("filter_order", 64),
                   p.get("emb_dim", 3), p.get("n_inner", 2), p.get("shift", 0.0))

    def taps(self, dt_scale=1.0):
        """Filter length at this rate (the engine's rule)."""
        return max(1, int(math.floor(self.l_max / dt_scale + 0.5)))

    def filters(self, L, dt_scale=1.0):
        """The implicit filters, [order - 1, width, L]: k[o][j][l]."""
        f = self.filter
        pos = torch.arange(L, dtype=f.z.dtype, device=f.z.device) * dt_scale
        t = pos / (self.l_max - 1) if self.l_max > 1 else torch.zeros_like(pos)
        i0 = torch.floor(pos).clamp(max=self.l_max - 1)
        fr = (pos - i0).clamp(0.0, 1.0).unsqueeze(-1)
        i0 = i0.long()
        i1 = (i0 + 1).clamp(max=self.l_max - 1)
        h = (1.0 - fr) * f.z[i0] + fr * f.z[i1]
        for lin in f.mlp:
            h = torch.sin(f.freq * lin(h))
        h = f.out(h)  # [L, d (order - 1)]
        h = h * (torch.exp(-t.unsqueeze(-1) * f.deltas.abs()) + self.shift) * dt_scale
        O = self.order - 1
        return h.t().reshape(self.width, O, L).transpose(0, 1)

    def forward(self, u, dt_scale=1.0, scan="fft"):
        """u: [B, T, width] -> [B, T, width]."""
        T, d, O = u.shape[1], self.width, self.order - 1
        z = self.short_filter(F.pad(self.in_proj(u).transpose(1, 2), (2, 0)))
        *xs, v = z.split(d, dim=1)
        k = self.filters(min(T, self.taps(dt_scale)), dt_scale)
        bias = self.filter.bias.reshape(d, O).t()  # [O, d]
        conv = directconv if scan == "sequential" else fftconv
        for o, x_i in enumerate(reversed(xs[1:])):
            v = v * x_i
            v = conv(v, k[o]) + v * bias[o].unsqueeze(-1)
        return self.out_proj((v * xs[0]).transpose(1, 2))

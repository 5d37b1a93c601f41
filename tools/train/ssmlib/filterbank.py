"""Strided analysis / synthesis filterbanks: learned (a Conv1d / ConvTranspose1d
pair, as the ssm-denoise network's) or fixed (a sqrt-Hann windowed orthonormal
real DFT, a perfect-reconstruction pair at hop = window / 2).

Alignment (engine/net/layer_fb_encode.c, layer_fb_decode.c): analysis frame t
reads input frames (t+1) hop - window .. (t+1) hop - 1; its synthesis lands
on output frames (t+1) hop - 1 .. (t+1) hop + window - 2. The pair delays a
perfect-reconstruction signal by window - 1 frames (attributed window - hop
to the analysis, hop - 1 to the synthesis). Both are rate-bound."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, Stream, need_width, register


def dft_basis(w):
    """[w, w]: the w/2+1 cosine rows then w/2-1 sine rows of an orthonormal
    real DFT, times a periodic sqrt-Hann window (its square overlap-adds to 1
    at hop w/2), computed in float64 and rounded to float32 as the engine does."""
    n = torch.arange(w, dtype=torch.float64)
    rows = []
    for k in range(w // 2 + 1):
        s = math.sqrt(1.0 / w) if k in (0, w // 2) else math.sqrt(2.0 / w)
        rows.append(s * torch.cos(2 * math.pi * k * n / w))
    for k in range(1, w // 2):
        rows.append(math.sqrt(2.0 / w) * torch.sin(2 * math.pi * k * n / w))
    win = torch.sqrt(0.5 - 0.5 * torch.cos(2 * math.pi * n / w))
    return (torch.stack(rows) * win).float()


class _Filterbank(Layer):
    rate_bound = True

    def __init__(self, hop, filters=None, window=None, basis="learned"):
        super().__init__()
        self.hop, self.window = hop, window or 2 * hop
        self.basis = basis
        if basis == "dft":
            if self.window % 2:
                raise ValueError(f"{self.kind}: the dft basis needs an even window")
            self.filters = self.window
            self.register_buffer("fixed", dft_basis(self.window))
        elif basis == "learned":
            if filters is None:
                raise ValueError(f"{self.kind}: a learned filterbank needs filters")
            self.filters = filters
            self.weight = nn.Parameter(torch.randn(filters, self.window) / math.sqrt(self.window))
        else:
            raise ValueError(f"{self.kind}: basis {basis!r} is not 'learned' or 'dft'")

    def taps(self):
        return self.fixed if self.basis == "dft" else self.weight

    def params(self):
        p = {"hop": self.hop, "window": self.window, "filters": self.filters}
        if self.basis != "learned":
            p["basis"] = self.basis
        return p

    def tensors(self):
        return {"weight": self.weight} if self.basis == "learned" else {}

    @classmethod
    def from_params(cls, p, ins):
        return cls(p["hop"], p.get("filters"), p.get("window"), p.get("basis", "learned"))


@register
class FbEncode(_Filterbank):
    """Analysis: Conv1d(1 -> filters, kernel window, stride hop, no bias)."""
    kind = "fb_encode"

    def stream(self, ins):
        need_width(self.kind, ins[0], 1)
        s = ins[0]
        return Stream(self.filters, s.stride * self.hop, s.latency + (self.window - self.hop) * s.stride)

    def forward(self, x):  # [B, T, 1] -> [B, T // hop, filters]
        pad = self.window - self.hop
        short = max(0, self.hop - x.shape[1])  # fewer samples than one hop: no frame
        y = F.conv1d(F.pad(x.transpose(1, 2), (pad, short)), self.taps().unsqueeze(1).to(x.dtype),
                     stride=self.hop)
        return y.transpose(1, 2)


@register
class FbDecode(_Filterbank):
    """Synthesis: ConvTranspose1d(filters -> 1, kernel window, stride hop, no
    bias), shifted so that frame t starts at output frame (t+1) hop - 1."""
    kind = "fb_decode"

    def stream(self, ins):
        need_width(self.kind, ins[0], self.filters)
        s = ins[0]
        if s.stride % self.hop:
            raise ValueError(f"fb_decode: stride {s.stride} is not a multiple of hop {self.hop}")
        k = s.stride // self.hop
        return Stream(1, k, s.latency + (self.hop - 1) * k)

    def forward(self, z):  # [B, L, filters] -> [B, L * hop + ..., 1]
        y = F.conv_transpose1d(z.transpose(1, 2), self.taps().unsqueeze(1).to(z.dtype), stride=self.hop)
        return F.pad(y, (self.hop - 1, 0)).transpose(1, 2)

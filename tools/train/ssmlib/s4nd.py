"""S4ND over a time-frequency plane (Nguyen, Goel, Gu, Downs, Shah, Dao,
Baccus, Re 2022, "S4ND: Modeling Images and Videos as Multidimensional
Signals Using State Spaces", NeurIPS; reference state-spaces/s4
src/models/sequence/modules/s4nd.py), as the engine's s4nd kind
(engine/net/layer_s4nd.c): the 2-D kernel is the outer product of one 1-D
S4D kernel (ZOH, B = 1) per axis, K(a, b) = K_t(a) K_f(b).

The plane arrives one frame per time step: width W = C F (`channels` C
planes of F bins, index c F + f). Per channel:

  time:  z[t] = sum_{a >= 0} K_t[a] x[t - a] + sum_{j < A} K_b[j] x[t + 1 + j]
  freq:  y[t][f] = sum_g K_f[f - g] z[t][g]  (causal: g <= f; symmetric: K_f[|f - g|])  + D x[t][f]

Streaming policy: the reference runs S4ND over a whole image with
bidirectional axes; a stream never has the whole plane. The time axis here is
causal (lookahead A = 0: no latency) or two-sided with the anti-causal kernel
K_b (the reference's bidirectional second kernel) truncated to a fixed
look-ahead of A frames; the output is then A frames late (the stream's
latency grows by A x stride samples): out[t] = y[t - A], with x = 0 before
frame 0. Delayed that way the time filter is one causal kernel
[K_b[A-1], ..., K_b[0], K_t[0], K_t[1], ...], which is how forward computes
it (FFT convolution with 2T padding), followed by the F x F Toeplitz
product over the bins. The time axis is continuous-time (dt_scale); the
frequency axis is the bin index (no rescaling).

Init: S4D-Lin on each axis (A = -1/2 + i pi n), C complex normal (variance
1/2 per part), log_dt uniform in [log dt_min, log dt_max] (time and backward)
or [log freq_dt_min, log freq_dt_max] (frequency), D ~ N(0, 1)."""
import math

import torch
import torch.nn as nn

from .base import Layer, Stream, register
from .hippo import log_dt_init
from .modal import cplx

AXES = ("log_dt", "log_A_real", "A_imag", "C_re", "C_im")


def s4d_zoh_kernel(log_dt, log_A_real, A_imag, C_re, C_im, L, dt_scale=1.0):
    """K [C, L] = 2 Re(sum_n C_n (exp(dt A_n) - 1) / A_n exp(dt A_n l)) (S4D, ZOH, B = 1)."""
    dt = (torch.exp(log_dt) * dt_scale).unsqueeze(-1)
    A = cplx(-torch.exp(log_A_real), A_imag)
    dtA = A * dt
    Cb = cplx(C_re, C_im) * (torch.exp(dtA) - 1.0) / A
    pos = torch.arange(L, device=A.device, dtype=log_dt.dtype)
    return 2.0 * torch.einsum("cn,cnl->cl", Cb, torch.exp(dtA.unsqueeze(-1) * pos)).real


@register
class S4ND(Layer):
    kind = "s4nd"
    continuous = True

    def __init__(self, width, state=16, freq_state=None, channels=1, freq="symmetric", lookahead=0,
                 dt_min=1e-3, dt_max=1e-1, freq_dt_min=1e-2, freq_dt_max=1e-1):
        super().__init__()
        if width % channels:
            raise ValueError("s4nd: width must be channels x bins")
        if freq not in ("causal", "symmetric"):
            raise ValueError("s4nd: freq is 'causal' or 'symmetric'")
        freq_state = state if freq_state is None else freq_state
        if state % 2 or freq_state % 2:
            raise ValueError("s4nd: state and freq_state must be even")
        self.width, self.channels, self.bins = width, channels, width // channels
        self.state, self.freq_state, self.freq, self.lookahead = state, freq_state, freq, lookahead
        axes = [("t", state, dt_min, dt_max), ("f", freq_state, freq_dt_min, freq_dt_max)]
        if lookahead:
            axes.append(("b", state, dt_min, dt_max))
        for ax, n, lo, hi in axes:
            m = n // 2
            setattr(self, f"{ax}_log_dt", nn.Parameter(log_dt_init(channels, lo, hi)))
            setattr(self, f"{ax}_log_A_real", nn.Parameter(torch.log(0.5 * torch.ones(channels, m))))
            setattr(self, f"{ax}_A_imag", nn.Parameter((math.pi * torch.arange(m).float()).repeat(channels, 1)))
            setattr(self, f"{ax}_C_re", nn.Parameter(torch.randn(channels, m) * (0.5 ** 0.5)))
            setattr(self, f"{ax}_C_im", nn.Parameter(torch.randn(channels, m) * (0.5 ** 0.5)))
        self.D = nn.Parameter(torch.randn(channels))

    def stream(self, ins):
        s = ins[0]
        if s.width != self.width:
            raise ValueError(f"s4nd: input width {s.width}, want {self.width}")
        return Stream(s.width, s.stride, s.latency + self.lookahead * s.stride)

    def params(self):
        p = {"state": self.state, "freq_state": self.freq_state, "freq": self.freq}
        if self.channels != 1:
            p["channels"] = self.channels
        if self.lookahead:
            p["lookahead"] = self.lookahead
        return p

    def tensors(self):
        axes = ("t", "f", "b") if self.lookahead else ("t", "f")
        t = {f"{ax}_{k}": getattr(self, f"{ax}_{k}") for ax in axes for k in AXES}
        t["D"] = self.D
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["state"], p.get("freq_state"), p.get("channels", 1),
                   p.get("freq", "symmetric"), p.get("lookahead", 0))

    def axis_kernel(self, ax, L, dt_scale=1.0):
        return s4d_zoh_kernel(*(getattr(self, f"{ax}_{k}") for k in AXES), L, dt_scale)

    def time_kernel(self, T, dt_scale=1.0):
        """The delayed causal time kernel [C, T]: K_b reversed, then K_t."""
        kt = self.axis_kernel("t", T, dt_scale)
        if not self.lookahead:
            return kt
        kb = self.axis_kernel("b", self.lookahead, dt_scale)
        return torch.cat([kb.flip(-1), kt], -1)[:, :T]

    def freq_matrix(self):
        """[C, F, F]: y[f] = sum_g M[f, g] z[g]."""
        F = self.bins
        kf = self.axis_kernel("f", F)  # [C, F]
        i = torch.arange(F, device=kf.device)
        lag = (i.unsqueeze(1) - i.unsqueeze(0))  # f - g
        M = kf[:, lag.abs()]
        if self.freq == "causal":
            M = M * (lag >= 0).to(M.dtype)
        return M

    def forward(self, x, dt_scale=1.0):  # [B, T, C F]
        Bn, T, _ = x.shape
        C, F, A = self.channels, self.bins, self.lookahead
        u = x.reshape(Bn, T, C, F).permute(0, 2, 3, 1)  # [B, C, F, T]
        k = self.time_kernel(T, dt_scale).unsqueeze(1)  # [C, 1, T]
        z = torch.fft.irfft(torch.fft.rfft(u, n=2 * T) * torch.fft.rfft(k, n=2 * T), n=2 * T)[..., :T]
        y = torch.einsum("cfg,bcgt->bcft", self.freq_matrix(), z)
        skip = torch.nn.functional.pad(u, (A, 0))[..., :T] * self.D[None, :, None, None]
        return (y + skip).permute(0, 3, 1, 2).reshape(Bn, T, C * F)

"""H3, the Hungry Hungry Hippos layer (Dao, Fu, Saab, Thomas, Rudra, Re 2023,
"Hungry Hungry Hippos: Towards Language Modeling with State Space Models";
reference HazyResearch/safari src/models/sequence/h3.py with head_dim 1, the
non-fused FFT path; ssm/ss_kernel_shift.py; ssm/ss_kernel_diag.py), as the
engine's h3 kind (engine/net/layer_h3.c over kernels/h3.c):

  q, k, v = q_proj(u), k_proj(u), v_proj(u)
  k = shift_ssm(k) + ssm_k_D k      the shift SSM (A = shift matrix) is the FIR
                                    kshift[j] = sum_m B[m] C[m + j], j < Ns
                                    (irfft(conj(rfft(B)) rfft(C)) in the reference)
  kv = k v
  y = S4D(kv) + D kv                the diagonal SSM (S4D, ssmlib.S4D)
  out = output_linear(y q)

Tensors: q_proj, k_proj, v_proj, output_linear .weight [W, W] / .bias [W]
(the reference's names), ssm_k_kernel.B [W, Ns], ssm_k_kernel.C [1, W, Ns]
(the reference's shapes), ssm_k_D [W], and the S4D part under kernel.
(kernel.log_dt, kernel.log_A_real, kernel.A_imag, kernel.C_re, kernel.C_im
[W, state/2], kernel.D [W]: the reference's D, ssmlib.S4D's parametrisation).

Forward is the training form: both convolutions by FFT, as the reference;
scan="sequential" runs the shift FIR directly and the S4D part as its
recurrence (what the engine streams), for checks.

Sample rate: the S4D part is continuous-time (dt_scale re-discretises it);
the shift SSM is a per-sample FIR, so the kind is rate-bound (the engine
resamples and says so)."""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, need_width, register
from .s4d import S4D
from .scan import diag_recurrence


def s4d_modes(s4d, dt_scale=1.0):
    """The discrete poles and output weights (w = 2 C Bbar) of an S4D module,
    as kernels/s4d.c discretises them."""
    dt = (torch.exp(s4d.log_dt) * dt_scale).unsqueeze(-1)
    A = torch.complex(-torch.exp(s4d.log_A_real), s4d.A_imag)
    dtA = A * dt
    if s4d.discretization == "zoh":
        lam, bbar = torch.exp(dtA), (torch.exp(dtA) - 1.0) / A
    else:
        lam, bbar = (1.0 + dtA / 2) / (1.0 - dtA / 2), dt / (1.0 - dtA / 2)
    return lam, 2.0 * torch.complex(s4d.C_re, s4d.C_im) * bbar


@register
class H3(Layer):
    kind = "h3"
    continuous = True
    rate_bound = True

    def __init__(self, width, state=64, shift_state=None, discretization="zoh"):
        super().__init__()
        ns = shift_state or state
        self.width, self.state, self.shift_state = width, state, ns
        self.q_proj, self.k_proj, self.v_proj = (nn.Linear(width, width) for _ in range(3))
        self.ssm_k_kernel = nn.Module()
        B = torch.zeros(width, ns)
        B[:, 0] = 1.0  # the reference's init: the shift FIR starts as C
        self.ssm_k_kernel.B = nn.Parameter(B)
        self.ssm_k_kernel.C = nn.Parameter(torch.randn(1, width, ns))
        self.ssm_k_D = nn.Parameter(torch.randn(width))
        self.kernel = S4D(width, state, discretization)
        self.output_linear = nn.Linear(width, width)

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"state": self.state, "shift_state": self.shift_state,
                "discretization": self.kernel.discretization}

    def tensors(self):
        t = {}
        for name in ("q_proj", "k_proj", "v_proj", "output_linear"):
            lin = getattr(self, name)
            t[name + ".weight"], t[name + ".bias"] = lin.weight, lin.bias
        t["ssm_k_kernel.B"], t["ssm_k_kernel.C"] = self.ssm_k_kernel.B, self.ssm_k_kernel.C
        t["ssm_k_D"] = self.ssm_k_D
        t.update({"kernel." + k: v for k, v in self.kernel.tensors().items()})
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p.get("state", 64), p.get("shift_state"),
                   p.get("discretization", "zoh"))

    def shift_kernel(self):
        """kshift [W, Ns]: kshift[h, j] = sum_m B[h, m] C[h, m + j]."""
        B, C, ns = self.ssm_k_kernel.B, self.ssm_k_kernel.C[0], self.shift_state
        return torch.stack([(B[:, :ns - j] * C[:, j:]).sum(-1) for j in range(ns)], dim=-1)

    def forward(self, u, dt_scale=1.0, scan="fft"):
        """u: [B, T, width] -> [B, T, width]."""
        T = u.shape[1]
        q, k, v = self.q_proj(u), self.k_proj(u), self.v_proj(u)
        ks = self.shift_kernel()
        kt = k.transpose(1, 2)  # [B, W, T]
        if scan == "sequential":
            sk = F.conv1d(F.pad(kt, (ks.shape[-1] - 1, 0)), ks.flip(-1).unsqueeze(1),
                          groups=self.width)
        else:
            n = T + ks.shape[-1]
            sk = torch.fft.irfft(torch.fft.rfft(kt, n=n) * torch.fft.rfft(ks, n=n), n=n)[..., :T]
        k = sk.transpose(1, 2) + self.ssm_k_D * k
        kv = k * v
        if scan == "sequential":
            lam, w = s4d_modes(self.kernel, dt_scale)
            y = diag_recurrence(lam, w, kv) + self.kernel.D * kv
        else:
            y = self.kernel(kv, dt_scale)  # K * kv + D kv by FFT
        return self.output_linear(y * q)

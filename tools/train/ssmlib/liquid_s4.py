"""Liquid-S4 (Hasani, Lechner, Wang, Chahine, Amini, Rus 2023, "Liquid
Structural State-Space Models", ICLR; reference raminmh/liquid-s4
src/models/sequence/ss/s4.py S4.forward, upgrade_degree), as the engine's
liquid_s4 kind (engine/net/layer_liquid_s4.c, kernels/liquid.c): the S4 layer
(ssmlib.s4, same tensors) plus the input-correlation terms of the linearised
liquid dynamics x' = (A + B u) x + B u, up to degree p:

  u_1 = u,  u_k[t] = u_(k-1)[t] u_(k-1)[t-1]   (the reference's allcombs=False)
  beta_1 = dt (1 - dt Lambda / 2)^-1 B  (the reference's dB: the diagonal part only),
  beta_k = beta_(k-1) * sum(beta_(k-1))  (sums over the conjugate-expanded modes: 2 Re)
  polyb: y = S4(u) + sum_{k=2..p} c_k u_k,  c_k = sum C beta_k
  kb:    y = K * (u + sum_{k=2..p} s^(k-1) u_k) + D u,  s = sum beta_1

The causal form: the reference flips u_k in time before adding it (not
causal) and defaults to allcombs (index combinations taken from the end of
the sequence, not causal either); a streaming layer can do neither. C is the
true C (the reference uses its C~ parameter there). Rate-bound: products of
neighbouring samples change meaning with the rate, so a graph with a
liquid_s4 runs at its trained rate behind the engine's bridge."""
import torch

from .base import register
from .modal import cplx
from .s4 import S4


def neighbour_products(u, degree):
    """[u_2, ..., u_p]: u_k[t] = u_(k-1)[t] u_(k-1)[t-1], zero before t = 0. u: [B, T, H]."""
    out, uk = [], u
    for _ in range(degree - 1):
        prev = torch.nn.functional.pad(uk[:, :-1], (0, 0, 1, 0))
        uk = uk * prev
        out.append(uk)
    return out


@register
class LiquidS4(S4):
    kind = "liquid_s4"
    continuous = False
    rate_bound = True

    def __init__(self, width, state=64, liquid_kernel="polyb", degree=2, rank=1, dt_min=1e-3,
                 dt_max=1e-1, B_clip=2.0):
        super().__init__(width, state, rank, dt_min, dt_max, B_clip)
        if liquid_kernel not in ("polyb", "kb"):
            raise ValueError("liquid_s4: liquid_kernel is 'polyb' or 'kb'")
        if not 2 <= degree <= 4:
            raise ValueError("liquid_s4: degree is 2..4")
        self.liquid_kernel, self.degree = liquid_kernel, degree

    def params(self):
        p = super().params()
        p.update({"liquid_kernel": self.liquid_kernel, "degree": self.degree})
        return p

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["state"], p.get("liquid_kernel", "polyb"), p.get("degree", 2),
                   p.get("rank", 1))

    def coefficients(self):
        """[degree - 1, H]: the weight of u_k, k = 2..p (c_k or s^(k-1))."""
        dt = torch.exp(self.log_dt).unsqueeze(-1)
        lam = cplx(-torch.exp(self.log_A_real), self.A_imag)
        beta = dt / (1.0 - 0.5 * dt * lam) * cplx(self.B_re, self.B_im)  # [H, M]
        C = cplx(self.C_re, self.C_im)
        total = 2.0 * beta.sum(-1).real  # conjugate-expanded sum
        s1, out = total, []
        for k in range(2, self.degree + 1):
            if self.liquid_kernel == "kb":
                out.append(s1 ** (k - 1))
                continue
            beta = beta * total.unsqueeze(-1)
            total = 2.0 * beta.sum(-1).real
            out.append(2.0 * (C * beta).sum(-1).real)
        return torch.stack(out)

    def forward(self, x):  # [B, T, H]
        coef = self.coefficients()
        corr = sum(c * uk for c, uk in zip(coef, neighbour_products(x, self.degree)))
        if self.liquid_kernel == "polyb":
            return super().forward(x) + corr
        v = (x + corr).transpose(1, 2)
        L = v.shape[-1]
        k = self.kernel(L)
        y = torch.fft.irfft(torch.fft.rfft(v, n=2 * L) * torch.fft.rfft(k, n=2 * L), n=2 * L)[..., :L]
        return y.transpose(1, 2) + x * self.D

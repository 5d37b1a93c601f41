"""The ssm-denoise network in PyTorch: the reference the C engine must match.

Signal path at 48 kHz (hop R = 48 samples = 1 ms, window W = 2R = 96):

  x --enc: Conv1d(1->F, kernel W, stride R, no bias), causal-->  c_t (F)
  c_t --log(c^2 + eps)--> Linear(F->H) --> S4D block x L --> RMSNorm
      --> Linear(H->F) --> sigmoid --> mask m_t ;  Linear(H->1) --> sigmoid --> vad_t
  m_t * c_t --dec: ConvTranspose1d(F->1, kernel W, stride R, no bias)--> y

  S4D block (frame rate, 1 kHz): u + GLU(Linear_{H->2H}(GELU(S4D(RMSNorm(u)))))

Frame t reads x[tR-R .. tR+R-1] (it is complete when x[tR+R-1] arrives);
its synthesis lands on y[tR+R-1 .. tR+3R-2]. The output therefore depends on
past input only, and a perfect-reconstruction filter pair aligns y[n] with
x[n - (2R-1)]: the algorithmic latency is 2R-1 = 95 samples = 1.979 ms.

No bias in enc/dec: zero input gives exactly zero output.

The S4D layer keeps continuous-time parameters (log dt, A = -exp(log_A_real)
+ i A_imag, C complex, D), is discretised by ZOH, and runs as an FFT
convolution here; the C engine runs the same system as a recurrence (live)
or a chunked FFT convolution (offline).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as Fn


class S4D(nn.Module):
    def __init__(self, h, n, dt_min=1e-3, dt_max=2e-1):
        super().__init__()
        n2 = n // 2
        self.log_dt = nn.Parameter(torch.rand(h) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        self.log_A_real = nn.Parameter(torch.log(0.5 * torch.ones(h, n2)))
        self.A_imag = nn.Parameter(math.pi * torch.arange(n2).float().repeat(h, 1))
        c = torch.randn(h, n2, 2) * (0.5 ** 0.5)
        self.C_re = nn.Parameter(c[..., 0].contiguous())
        self.C_im = nn.Parameter(c[..., 1].contiguous())
        self.D = nn.Parameter(torch.randn(h))

    def kernel(self, L):
        dt = torch.exp(self.log_dt).unsqueeze(-1)  # (H,1)
        A = torch.complex(-torch.exp(self.log_A_real), self.A_imag)  # (H,N2)
        dtA = A * dt
        C = torch.complex(self.C_re, self.C_im) * (torch.exp(dtA) - 1.0) / A
        l = torch.arange(L, device=A.device)
        K = torch.exp(dtA.unsqueeze(-1) * l)  # (H,N2,L)
        return 2.0 * torch.einsum("hn,hnl->hl", C, K).real

    def forward(self, u):  # u: (B,H,L)
        L = u.shape[-1]
        k = self.kernel(L)
        kf = torch.fft.rfft(k, n=2 * L)
        uf = torch.fft.rfft(u, n=2 * L)
        y = torch.fft.irfft(uf * kf, n=2 * L)[..., :L]
        return y + u * self.D.unsqueeze(-1)


class RMSNorm(nn.Module):
    def __init__(self, h, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(h))

    def forward(self, x):  # (B,L,H)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(nn.Module):
    def __init__(self, h, n):
        super().__init__()
        self.norm = RMSNorm(h)
        self.s4d = S4D(h, n)
        self.out = nn.Linear(h, 2 * h)

    def forward(self, x):  # (B,L,H)
        z = self.norm(x)
        z = self.s4d(z.transpose(1, 2)).transpose(1, 2)
        z = Fn.gelu(z)
        z = Fn.glu(self.out(z), dim=-1)
        return x + z


def dft_basis(w):
    """Orthonormal real DFT basis of size w (rows), times a sqrt-Hann window."""
    n = torch.arange(w).double()
    rows = []
    for k in range(w // 2 + 1):
        s = math.sqrt(1.0 / w) if k in (0, w // 2) else math.sqrt(2.0 / w)
        rows.append(s * torch.cos(2 * math.pi * k * n / w))
    for k in range(1, w // 2):
        rows.append(math.sqrt(2.0 / w) * torch.sin(2 * math.pi * k * n / w))
    B = torch.stack(rows)
    win = torch.sqrt(0.5 - 0.5 * torch.cos(2 * math.pi * n / w))  # periodic: w^2 overlap-adds to 1
    return (B * win).float()


class DenoiseNet(nn.Module):
    def __init__(self, hop=48, filters=128, width=128, state=32, layers=4, feat_eps=1e-8):
        super().__init__()
        self.hop, self.win, self.F, self.H, self.N, self.nl = hop, 2 * hop, filters, width, state, layers
        self.feat_eps = feat_eps
        self.enc = nn.Parameter(torch.randn(filters, self.win) * 0.02)
        self.dec = nn.Parameter(torch.zeros(filters, self.win))
        basis = dft_basis(self.win)  # starts as a perfect-reconstruction pair
        with torch.no_grad():
            self.enc[: self.win] = basis
            self.dec[: self.win] = basis
        self.inp = nn.Linear(filters, width)
        self.blocks = nn.ModuleList([Block(width, state) for _ in range(layers)])
        self.norm_f = RMSNorm(width)
        self.mask = nn.Linear(width, filters)
        self.vad = nn.Linear(width, 1)
        with torch.no_grad():
            self.inp.weight.mul_(0.2)
            self.mask.weight.mul_(0.1)
            self.mask.bias.fill_(3.0)

    @property
    def latency(self):
        return 2 * self.hop - 1

    def forward(self, x):
        """x: (B, T) with T a multiple of hop. Returns y (B, T), vad (B, T/hop)."""
        R = self.hop
        B, T = x.shape
        c = Fn.conv1d(Fn.pad(x, (R, 0)).unsqueeze(1), self.enc.unsqueeze(1), stride=R)  # (B,F,L)
        f = torch.log(c * c + self.feat_eps).transpose(1, 2)  # (B,L,F)
        h = self.inp(f)
        for blk in self.blocks:
            h = blk(h)
        h = self.norm_f(h)
        m = torch.sigmoid(self.mask(h)).transpose(1, 2)  # (B,F,L)
        v = torch.sigmoid(self.vad(h)).squeeze(-1)
        y = Fn.conv_transpose1d(m * c, self.dec.unsqueeze(1), stride=R).squeeze(1)  # (B,(L+1)R)
        y = Fn.pad(y, (R - 1, 0))[:, :T]
        return y, v


def to_graph(model):
    """The same network as an ssmlib Graph (graph-v1, docs/model-format.md),
    sharing nothing with `model` (weights copied, float32): the file the
    engine runs. Node ids are the old tensor prefixes, so tensor names are
    unchanged (enc.weight, blocks.0.s4d.log_dt, ...)."""
    import ssmlib as S

    m = model
    g = S.Graph(inputs=1, sample_rate=48000)
    c = g.add("enc", S.FbEncode(hop=m.hop, filters=m.F), "x")
    f = g.add("feat", S.LogPow(eps=m.feat_eps), c)
    h = g.add("inp", S.Linear(m.F, m.H), f)
    for i in range(m.nl):
        p = f"blocks.{i}"
        z = g.add(p + ".norm", S.RMSNorm(m.H, eps=m.blocks[i].norm.eps), h)
        z = g.add(p + ".s4d", S.S4D(m.H, m.N, "zoh"), z)
        z = g.add(p + ".gelu", S.Activation("gelu"), z)
        z = g.add(p + ".out", S.Linear(m.H, 2 * m.H), z)
        z = g.add(p + ".glu", S.GLU(), z)
        h = g.add(p, S.Add(), h, z)
    h = g.add("norm_f", S.RMSNorm(m.H, eps=m.norm_f.eps), h)
    k = g.add("mask", S.Linear(m.H, m.F), h)
    k = g.add("mask.sigmoid", S.Activation("sigmoid"), k)
    y = g.add("masked", S.Mul(), k, c)
    y = g.add("dec", S.FbDecode(hop=m.hop, filters=m.F), y)
    v = g.add("vad", S.Linear(m.H, 1), h)
    v = g.add("vad.sigmoid", S.Activation("sigmoid"), v)
    g.output("audio", y)
    g.output("vad", v)
    layers = dict(zip([n["id"] for n in g.nodes], g.layers))
    sd = export_tensors(m)
    for n in g.nodes:
        mine = layers[n["id"]].tensors()
        if mine:
            layers[n["id"]].load_tensors({k: sd[f"{n['tensors']}.{k}"] for k in mine})
    assert g.latency == m.latency, (g.latency, m.latency)
    return g


def export_tensors(model):
    """Name -> float32 CPU tensor, as the C engine reads them."""
    sd = {}
    m = model
    sd["enc.weight"] = m.enc.detach()
    sd["dec.weight"] = m.dec.detach()
    sd["inp.weight"] = m.inp.weight.detach()
    sd["inp.bias"] = m.inp.bias.detach()
    for i, b in enumerate(m.blocks):
        p = f"blocks.{i}."
        sd[p + "norm.weight"] = b.norm.weight.detach()
        for k in ["log_dt", "log_A_real", "A_imag", "C_re", "C_im", "D"]:
            sd[p + "s4d." + k] = getattr(b.s4d, k).detach()
        sd[p + "out.weight"] = b.out.weight.detach()
        sd[p + "out.bias"] = b.out.bias.detach()
    sd["norm_f.weight"] = m.norm_f.weight.detach()
    sd["mask.weight"] = m.mask.weight.detach()
    sd["mask.bias"] = m.mask.bias.detach()
    sd["vad.weight"] = m.vad.weight.detach()
    sd["vad.bias"] = m.vad.bias.detach()
    return {k: v.float().cpu().contiguous() for k, v in sd.items()}

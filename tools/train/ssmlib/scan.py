"""The linear recurrence h[t] = a[t] h[t-1] + b[t] (element-wise, a = exp(log_a)
with log_a <= 0) in a form fast enough to train on long audio sequences, shared
by the selective families (mamba.py, mamba2.py).

Two-level and exact: the sequence is cut into chunks of Q steps; inside a
chunk the recurrence runs step by step, all chunks at once (Q small tensor
ops, each over every chunk of every batch item); the chunk-end states are
then combined by a Hillis-Steele associative scan over the chunks
(log2(T / Q) ops), using (a1, b1) o (a2, b2) = (a1 a2, a2 b1 + b2)
(Blelloch 1990; the S5 paper's formulation, Smith et al. 2023); finally each
step adds its chunk's carried-in state times the cumulative decay. Only
products of decays (<= 1) and sums appear, so nothing overflows however fast
a mode decays (no exp(-cumsum) trick). Work O(T) per element, Q + log2(T/Q)
+ a few sequential launches per call."""
import math

import torch
import torch.nn.functional as F


def assoc_scan(a, b, dim=1):
    """Inclusive scan of x[c] = a[c] x[c-1] + b[c] along dim, x[-1] = 0
    (Hillis-Steele: log2(n) steps over the whole tensor)."""
    n = a.shape[dim]
    k = 1
    while k < n:
        a_prev = torch.cat([torch.ones_like(a.narrow(dim, 0, k)), a.narrow(dim, 0, n - k)], dim)
        b_prev = torch.cat([torch.zeros_like(b.narrow(dim, 0, k)), b.narrow(dim, 0, n - k)], dim)
        b = a * b_prev + b
        a = a * a_prev
        k *= 2
    return b


def linear_scan(log_a, b, h0=None, chunk=64):
    """h[:, t] = exp(log_a[:, t]) * h[:, t-1] + b[:, t] along dim 1 of [B, T, ...]
    tensors (log_a broadcastable to b), h[:, -1] = h0 (default 0). Returns
    (h for every t, h at the last step)."""
    B, T = b.shape[:2]
    rest = b.shape[2:]
    log_a = log_a.expand_as(b)
    Q = max(1, min(chunk, T))
    nc = math.ceil(T / Q)
    pad = nc * Q - T
    if pad:  # padded steps keep the state: a = 1, b = 0
        spec = (0, 0) * len(rest) + (0, pad)
        log_a, b = F.pad(log_a, spec), F.pad(b, spec)
    la = log_a.reshape(B, nc, Q, *rest)
    bb = b.reshape(B, nc, Q, *rest)
    # Step-major copies, unbound once: slicing step by step would give each
    # step's backward a zero tensor of the whole input (quadratic in Q).
    a_steps = la.exp().movedim(2, 0).contiguous().unbind(0)
    b_steps = bb.movedim(2, 0).contiguous().unbind(0)
    h = torch.zeros_like(b_steps[0])
    p = torch.ones_like(a_steps[0])
    hs, ps = [], []
    for a_t, b_t in zip(a_steps, b_steps):
        h = a_t * h + b_t
        p = a_t * p  # the decay from the chunk's start through step t
        hs.append(h)
        ps.append(p)
    hl = torch.stack(hs, dim=2)  # each chunk from a zero state
    P = torch.stack(ps, dim=2)
    E, Pe = hl[:, :, -1], P[:, :, -1]
    if h0 is not None:
        E = torch.cat([(E[:, :1] + Pe[:, :1] * h0.unsqueeze(1)), E[:, 1:]], dim=1)
    H = assoc_scan(Pe, E, dim=1)  # the state at each chunk's end
    first = h0.unsqueeze(1) if h0 is not None else torch.zeros_like(H[:, :1])
    Hin = torch.cat([first, H[:, :-1]], dim=1)  # the state each chunk starts from
    h = hl + P * Hin.unsqueeze(2)
    return h.reshape(B, nc * Q, *rest)[:, :T], H[:, -1]


def linear_scan_sequential(log_a, b, h0=None):
    """The same recurrence one step at a time (the reference's loop): for tiny
    goldens and for checking linear_scan."""
    log_a = log_a.expand_as(b)
    h = torch.zeros_like(b[:, 0]) if h0 is None else h0
    hs = []
    for la_t, b_t in zip(log_a.unbind(1), b.unbind(1)):
        h = la_t.exp() * h + b_t
        hs.append(h)
    return torch.stack(hs, dim=1), h


def diag_recurrence(lam, w, u):
    """The diagonal bank's recurrence (engine: kernels/diag.c, weights on the
    output), one step at a time: x[t] = lam x[t-1] + u[t] per mode, y[t] =
    Re(sum_m w_m x_m[t]). lam, w: [H, M] complex; u: [B, T, H] real. For
    checking FFT forms against the recurrence the engine streams."""
    x = torch.zeros(u.shape[0], *lam.shape, dtype=lam.dtype, device=u.device)
    ys = []
    for u_t in u.unbind(1):
        x = lam * x + u_t.unsqueeze(-1)
        ys.append((w * x).sum(-1).real)
    return torch.stack(ys, dim=1)

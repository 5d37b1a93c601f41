"""HiPPO-LegS and its structured forms, for the initialisations of the s4,
liquid_s4 and s5 kinds (reference: state-spaces/s4 src/models/hippo/hippo.py,
transition('legs'), rank_correction('legs'), nplr(); the S5 init of
lindermanlab/S5 s5/ssm_init.py make_DPLR_HiPPO uses the same
eigendecomposition). Double precision; runs at construction only."""
import math

import torch


def legs(N):
    """A (N x N) and B (N) of HiPPO-LegS: A[n, k] = -sqrt(2n+1) sqrt(2k+1)
    (n > k), -(n+1) (n = k), 0 (n < k); B[n] = sqrt(2n+1)."""
    q = torch.sqrt(2 * torch.arange(N, dtype=torch.float64) + 1)
    A = -torch.tril(q.unsqueeze(1) * q.unsqueeze(0), -1) - torch.diag(torch.arange(N, dtype=torch.float64) + 1)
    return A, q.clone()


def legs_nplr(N, B_clip=2.0):
    """The reference's nplr('legs', N): A = V (diag(W) - P P^*) V^* with the
    normal part S = A + P P^T (P[n] = sqrt(n + 1/2)) = -1/2 I + skew,
    diagonalised by eigh(-i S); one of each conjugate pair kept (the half
    with negative imaginary parts, sorted, as the reference); B~ = V^* B with
    its imaginary part clipped to [-B_clip, B_clip] (the reference's default
    B_clip=2 for the LegS init; None: no clip). Returns W [N/2], P~ [1, N/2],
    B~ [N/2], V [N, N/2] (complex128)."""
    A, B = legs(N)
    P = torch.sqrt(torch.arange(N, dtype=torch.float64) + 0.5)
    S = A + P.unsqueeze(1) * P.unsqueeze(0)
    w_re = torch.mean(torch.diagonal(S))
    w_im, V = torch.linalg.eigh(S.to(torch.complex128) * -1j)
    W = torch.complex(w_re.expand_as(w_im), w_im)
    idx = torch.argsort(w_im)
    W, V = W[idx][:N // 2], V[:, idx][:, :N // 2]
    Vh = V.conj().transpose(0, 1)
    Bt = Vh @ B.to(torch.complex128)
    Pt = (Vh @ P.to(torch.complex128)).unsqueeze(0)
    if B_clip is not None:
        Bt = torch.complex(Bt.real, torch.clamp(Bt.imag, -B_clip, B_clip))
    return W, Pt, Bt, V


def log_dt_init(h, dt_min, dt_max):
    """log dt uniform in [log dt_min, log dt_max] (the S4 family's init)."""
    return torch.rand(h) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min)

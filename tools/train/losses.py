"""Loss helpers shared by the denoiser trainers (train.py: v1, train_dn2.py:
v2), so both train on the same spectral distance."""
import torch
import torch.nn.functional as Fn


def delay(x, d):
    """x (..., T) delayed by d samples, zeros in front, length kept."""
    return Fn.pad(x, (d, 0))[..., : x.shape[-1]]


def stft_loss(y, t):
    """Multi-resolution log-magnitude L1 (256/1024/4096), per item (B,)."""
    loss = 0.0
    for n in (256, 1024, 4096):
        w = torch.hann_window(n, device=y.device)
        Y = torch.stft(y, n, n // 4, window=w, return_complex=True).abs()
        T = torch.stft(t, n, n // 4, window=w, return_complex=True).abs()
        loss = loss + (torch.log(Y + 1e-5) - torch.log(T + 1e-5)).abs().mean((1, 2))
    return loss / 3

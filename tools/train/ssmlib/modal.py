"""Shared math of the MIMO diagonal kinds (lru, s5): a bank of complex
first-order modes x_p[t] = lambda_p x_p[t-1] + v_p[t], run as the causal
convolution of v with lambda^l by FFT (the offline / training form; the
engine runs the recurrence or a chunked scan, kernels/mimo.c)."""
import torch


def modal_conv(v, log_lam):
    """x[:, t, p] = sum_{j <= t} exp(log_lam[p] j) v[:, t - j, p].
    v: [B, T, P] complex; log_lam: [P] complex. FFT of size 2T: no wrap."""
    T = v.shape[1]
    j = torch.arange(T, device=v.device, dtype=log_lam.real.dtype).unsqueeze(-1)  # [T, 1]
    k = torch.exp(log_lam.unsqueeze(0) * j)  # [T, P]
    n = 2 * T
    x = torch.fft.ifft(torch.fft.fft(v, n=n, dim=1) * torch.fft.fft(k, n=n, dim=0), n=n, dim=1)
    return x[:, :T]


def cplx(re, im):
    return torch.complex(re, im)

"""Speech-enhancement metrics for the denoiser benchmark, numpy only.

  si_sdr(ref, est)          scale-invariant SDR, Le Roux et al., "SDR -
                            half-baked or well done?", ICASSP 2019.
  seg_snr(ref, est, fs)     segmental SNR as in Loizou, "Speech Enhancement:
                            Theory and Practice" (comp_snr.m): 30 ms Hann
                            frames, 75 % overlap, each frame clamped to
                            [-10, 35] dB, mean over all frames.
  stoi(ref, est, fs)        short-time objective intelligibility, Taal,
                            Hendriks, Heusdens, Jensen, "An algorithm for
                            intelligibility prediction of time-frequency
                            weighted noisy speech", IEEE TASLP 19(7), 2011,
                            following the authors' stoi.m step by step.
  estimate_delay(ref, est)  lag of est behind ref by cross-correlation.
  resample_poly(x, up, down)  scipy.signal.resample_poly where scipy is
                            installed, else resample_poly_np: the same
                            filter (Kaiser beta 5 windowed sinc, 10 zero
                            crossings each side at the lower rate) in numpy,
                            so the metrics need no scipy.
"""
import numpy as np

EPS = np.finfo(np.float64).eps

try:  # the same filter, in C: several times faster than the numpy version
    from scipy.signal import resample_poly as _scipy_resample_poly
except ImportError:
    _scipy_resample_poly = None


def si_sdr(ref, est):
    """SI-SDR in dB: est is projected onto ref (both made zero-mean); the
    projection is the target, the rest is the error."""
    ref = np.asarray(ref, np.float64) - np.mean(ref)
    est = np.asarray(est, np.float64) - np.mean(est)
    alpha = np.dot(est, ref) / (np.dot(ref, ref) + EPS)
    target = alpha * ref
    err = est - target
    return 10 * np.log10((np.dot(target, target) + EPS) / (np.dot(err, err) + EPS))


def seg_snr(ref, est, fs, frame_s=0.030, lo=-10.0, hi=35.0):
    ref = np.asarray(ref, np.float64)
    est = np.asarray(est, np.float64)
    win_len = int(round(frame_s * fs))
    hop = win_len // 4
    # Loizou's window: 0.5 * (1 - cos(2 pi n / (L + 1))), n = 1..L.
    w = 0.5 * (1 - np.cos(2 * np.pi * np.arange(1, win_len + 1) / (win_len + 1)))
    n_frames = (len(ref) - win_len) // hop + 1
    if n_frames < 1:
        raise ValueError("signal shorter than one segSNR frame")
    idx = np.arange(win_len)[None, :] + hop * np.arange(n_frames)[:, None]
    r = ref[idx] * w
    e = (ref - est)[idx] * w
    snr = 10 * np.log10(np.sum(r * r, 1) / (np.sum(e * e, 1) + EPS) + EPS)
    return float(np.mean(np.clip(snr, lo, hi)))


def _firwin_kaiser(numtaps, cutoff, beta):
    """Lowpass FIR (cutoff relative to Nyquist) with unit DC gain, as
    scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta))."""
    m = np.arange(numtaps) - (numtaps - 1) / 2
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(numtaps, beta)
    return h / np.sum(h)


def resample_poly(x, up, down):
    x = np.asarray(x, np.float64)
    if _scipy_resample_poly is not None:
        return _scipy_resample_poly(x, up, down)
    return resample_poly_np(x, up, down)


def resample_poly_np(x, up, down):
    x = np.asarray(x, np.float64)
    g = np.gcd(up, down)
    up, down = up // g, down // g
    if up == down == 1:
        return x.copy()
    max_rate = max(up, down)
    half_len = 10 * max_rate
    h = _firwin_kaiser(2 * half_len + 1, 1.0 / max_rate, 5.0) * up
    # Output m is the filtered upsampled signal at m * down + half_len; only
    # the taps that land on input samples (every up-th) contribute, which is
    # x convolved with one polyphase branch h[p::up].
    n_out = -(-len(x) * up // down)
    pos = np.arange(n_out) * down + half_len
    y = np.zeros(n_out)
    for p in range(up):
        sel = pos % up == p
        conv = np.convolve(x, h[p::up])
        q = (pos[sel] - p) // up
        ok = q < len(conv)
        y[np.nonzero(sel)[0][ok]] = conv[q[ok]]
    return y


# STOI constants, Taal et al. 2011, section II.
STOI_FS = 10000
STOI_FRAME = 256
STOI_NFFT = 512
STOI_BANDS = 15
STOI_MIN_FREQ = 150.0
STOI_SEG = 30  # frames per intermediate-intelligibility segment (384 ms)
STOI_BETA = -15.0  # lower signal-to-distortion bound, dB
STOI_RANGE = 40.0  # silent-frame removal: frames this far below the loudest go


def _hanning(n):
    """MATLAB's hanning(n): a Hann window without its zero end points."""
    return np.hanning(n + 2)[1:-1]


def _third_octave(fs, nfft, num_bands, min_freq):
    f = np.linspace(0, fs, nfft + 1)[: nfft // 2 + 1]
    k = np.arange(num_bands)
    lo = min_freq * 2.0 ** ((2 * k - 1) / 6)
    hi = min_freq * 2.0 ** ((2 * k + 1) / 6)
    obm = np.zeros((num_bands, len(f)))
    for i in range(num_bands):
        a = np.argmin((f - lo[i]) ** 2)
        b = np.argmin((f - hi[i]) ** 2)
        obm[i, a:b] = 1
    return obm


def _frames(n, frame, hop):
    # stoi.m: frames = 1:hop:(length(x) - frame), 1-based.
    return np.arange(0, n - frame, hop)


def _remove_silent_frames(x, y, dyn_range, frame, hop):
    w = _hanning(frame)
    starts = _frames(len(x), frame, hop)
    idx = starts[:, None] + np.arange(frame)[None, :]
    xf = x[idx] * w
    yf = y[idx] * w
    energy = 20 * np.log10(np.linalg.norm(xf, axis=1) / np.sqrt(frame) + EPS)
    keep = (energy - np.max(energy) + dyn_range) > 0
    xf, yf = xf[keep], yf[keep]
    return _overlap_add(xf, hop), _overlap_add(yf, hop)


def _overlap_add(frames, hop):
    """Overlap-add of consecutive frames at a hop of half their length."""
    n, frame = frames.shape
    if n == 0:
        return np.zeros(0)
    out = np.zeros((n - 1) * hop + frame)
    out[: n * hop] += frames[:, :hop].ravel()
    out[hop : hop + n * hop] += frames[:, hop:].ravel()
    return out


def _stdft(x, frame, hop, nfft):
    starts = _frames(len(x), frame, hop)
    idx = starts[:, None] + np.arange(frame)[None, :]
    return np.fft.rfft(x[idx] * _hanning(frame), nfft, axis=1).T  # bins x frames


def stoi(ref, est, fs):
    """STOI in [-1, 1] (about 0.4 for unintelligible, 1 for identical)."""
    x = np.asarray(ref, np.float64)
    y = np.asarray(est, np.float64)
    if len(x) != len(y):
        raise ValueError("stoi: reference and estimate differ in length")
    if fs != STOI_FS:
        x = resample_poly(x, STOI_FS, fs)
        y = resample_poly(y, STOI_FS, fs)
    x, y = _remove_silent_frames(x, y, STOI_RANGE, STOI_FRAME, STOI_FRAME // 2)
    obm = _third_octave(STOI_FS, STOI_NFFT, STOI_BANDS, STOI_MIN_FREQ)
    X = np.sqrt(obm @ np.abs(_stdft(x, STOI_FRAME, STOI_FRAME // 2, STOI_NFFT)) ** 2)
    Y = np.sqrt(obm @ np.abs(_stdft(y, STOI_FRAME, STOI_FRAME // 2, STOI_NFFT)) ** 2)
    n_seg = X.shape[1] - STOI_SEG + 1
    if n_seg < 1:
        raise ValueError("stoi: fewer than %d speech frames after silence removal" % STOI_SEG)
    # Segments: (n_seg, bands, STOI_SEG).
    idx = np.arange(n_seg)[:, None] + np.arange(STOI_SEG)[None, :]
    Xs = X[:, idx].transpose(1, 0, 2)
    Ys = Y[:, idx].transpose(1, 0, 2)
    # Normalise each band of the degraded segment to the clean energy, then
    # clip it so the signal-to-distortion ratio is at least BETA dB.
    alpha = np.sqrt(np.sum(Xs**2, 2, keepdims=True) / (np.sum(Ys**2, 2, keepdims=True) + EPS))
    c = 10 ** (-STOI_BETA / 20)
    Yp = np.minimum(alpha * Ys, Xs * (1 + c))
    xn = Xs - Xs.mean(2, keepdims=True)
    yn = Yp - Yp.mean(2, keepdims=True)
    xn /= np.sqrt(np.sum(xn**2, 2, keepdims=True)) + EPS
    yn /= np.sqrt(np.sum(yn**2, 2, keepdims=True)) + EPS
    return float(np.mean(np.sum(xn * yn, 2)))


def estimate_delay(ref, est, max_lag):
    """Lag d (samples, -max_lag..max_lag) maximising |sum est[n] ref[n - d]|:
    positive when est comes later than ref."""
    ref = np.asarray(ref, np.float64)
    est = np.asarray(est, np.float64)
    # Lags within +-max_lag do not wrap around with this length.
    n_fft = 1 << int(np.ceil(np.log2(max(len(ref), len(est)) + max_lag + 1)))
    c = np.fft.irfft(np.fft.rfft(est, n_fft) * np.conj(np.fft.rfft(ref, n_fft)), n_fft)
    lags = np.arange(-max_lag, max_lag + 1)
    return int(lags[np.argmax(np.abs(c[lags % n_fft]))])


def align(est, delay):
    """Undo a delay of est (samples, negative for a lead): shift it back
    and fill with zeros, keeping its length. The reference keeps its full
    length, so every system is scored over the same span."""
    n = len(est)
    if delay >= 0:
        return np.concatenate([est[delay:], np.zeros(min(delay, n))])
    return np.concatenate([np.zeros(min(-delay, n)), est[: max(n + delay, 0)]])

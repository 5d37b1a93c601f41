"""On-the-fly training mixtures for the denoiser (PyTorch; CPU or CUDA).

    from mixer import Corpus, MixConfig, make_batch, make_valset, FAMILIES, KINDS
    corpus = Corpus.load("DATA_DIR", device)          # make_data_v2.sh output
    gen = torch.Generator(device=device); gen.manual_seed(1)
    noisy, clean, info = make_batch(corpus, gen, B=32, T=96000)
    vsets = make_valset(corpus, device=device)        # fixed seed, voice-disjoint

A batch item is one of KINDS: speech + 1..2 noises (mix), speech alone
(clean), noise alone (noise: target zeros), digital silence then noise, with
or without speech after it (onset: the model must clamp the noise quickly;
some start with a word, over noise or a floor: it must not clamp that),
digital silence (silence) or a -100..-70 dBFS white floor (floor; target
zeros). The target keeps the speech's room and EQ: the task is denoising.
Everything is synthesised here each call (noise, rooms, levels, EQ,
clipping) except the speech and the music, which come from the corpus;
babble is built from the corpus speech of the same split.

SNR is active-speech power (the samples inside utterances, after room and
EQ) over noise power on the whole clip (on the noise-on part for onset
items). Level is the input's RMS over its non-silent part.
"""
import json
import math
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as Fn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codec  # noqa: E402

SR = 48000
FAMILIES = ("colored", "hum", "fan", "traffic", "keyboard", "mouse", "clicks", "bursts", "impacts", "babble", "music")
KINDS = ("mix", "clean", "noise", "onset", "silence", "floor")
FAM = {f: i for i, f in enumerate(FAMILIES)}
KIND = {k: i for i, k in enumerate(KINDS)}


@dataclass
class MixConfig:
    p_kind: dict = field(default_factory=lambda: {"mix": 0.69, "clean": 0.10, "noise": 0.08, "onset": 0.10,
                                                  "silence": 0.02, "floor": 0.01})
    family_weights: dict = field(default_factory=lambda: {
        "colored": 1.0, "hum": 0.7, "fan": 0.8, "traffic": 0.8, "keyboard": 1.0, "mouse": 0.5, "clicks": 0.4,
        "bursts": 0.7, "impacts": 0.5, "babble": 1.2, "music": 1.0})
    p_second_noise: float = 0.35
    snr_range: tuple = (-5.0, 25.0)
    snr_dist: str = "realistic"  # or "uniform"; realistic: Beta(1.8, 1.5) over the range (mode near 13 dB)
    level_db: tuple = (-45.0, -10.0)  # input RMS, dBFS
    noise_only_level_db: tuple = (-60.0, -15.0)
    p_room: float = 0.35
    p_noise_room: float = 0.5
    rt60: tuple = (0.15, 0.9)
    drr_db: tuple = (-3.0, 12.0)
    speech_eq_db: float = 6.0
    noise_eq_db: float = 4.0
    p_highpass: float = 0.3  # microphone/channel high-pass 50..200 Hz (input and target)
    p_lowpass: float = 0.1  # channel low-pass 7..16 kHz (input and target)
    p_hf_ext: float = 0.4  # speech-driven noise above the TTS band (input and target)
    p_speed: float = 0.5
    speed: tuple = (0.92, 1.08)  # resampling: pitch and formants together
    pause_s: tuple = (0.05, 1.2)
    utt_gain_db: float = 4.0
    p_clip: float = 0.05  # hard clip of the input at 0.3..0.9 of its peak
    p_overload: float = 0.3  # input peaking over full scale is clamped (else scaled down with the target)
    onset_silence_s: tuple = (0.1, 0.9)
    p_onset_speech: float = 0.5
    # Of the onset items with speech, the share whose speech starts with the
    # sound (0..20 ms after the silence), and of those the share with only a
    # floor of noise (SNR 35..60 dB): a word after silence is not a noise
    # onset, and a model that only ever saw noise first learns to clamp it.
    p_onset_speech_at: float = 0.5
    p_onset_quiet: float = 0.4
    # Clean items over a white floor 45..75 dB under the speech, at most
    # -70 dBFS (a microphone's, a dither's): the target stays the speech. Floor items teach "floor alone
    # -> zeros"; without these a model clamps the first word after a floor.
    p_clean_floor: float = 0.6
    babble_talkers: tuple = (2, 16)


# ----------------------------------------------------------------- corpus
def _upsample(x, factor, taps_per_phase=32, chunk=1 << 20):
    """Integer-factor band-limited upsampling (Kaiser-windowed sinc, cutoff
    0.95 of the input Nyquist), chunked FFT convolution: memory stays small."""
    if factor == 1:
        return x.clone()
    n = taps_per_phase * factor
    t = (torch.arange(2 * n + 1, dtype=torch.float64) - n) / factor
    h = 0.95 * torch.special.sinc(0.95 * t) * torch.kaiser_window(2 * n + 1, periodic=False, beta=9.0, dtype=torch.float64)
    h = h.to(torch.float32).to(x.device)
    up = torch.zeros(len(x) * factor, device=x.device)
    up[::factor] = x  # zero-stuffed; the filter's DC gain is factor
    pad = Fn.pad(up, (n, n))
    out = torch.empty_like(up)
    nfft = 1 << math.ceil(math.log2(chunk + 4 * n + 1))
    H = torch.fft.rfft(h, nfft)
    for s in range(0, len(up), chunk):
        m = min(chunk, len(up) - s)
        y = torch.fft.irfft(torch.fft.rfft(pad[s: s + m + 2 * n], nfft) * H, nfft)
        out[s: s + m] = y[2 * n: 2 * n + m]
    return out


class Corpus:
    """Speech utterances (and music) of each split as flat 48 kHz tensors."""

    def __init__(self):
        self.speech, self.utt_off, self.utt_len = {}, {}, {}
        self.music = {}
        self.meta = {}
        self.device = "cpu"

    @classmethod
    def load(cls, data_dir, device="cpu", splits=("train", "val")):
        self = cls()
        self.device = torch.device(device)
        meta = json.load(open(os.path.join(data_dir, "index.json")))
        self.meta = {k: v for k, v in meta.items() if k != "utterances"}
        with open(os.path.join(data_dir, meta["speech"]["file"]), "rb") as f:
            x16 = codec.decode(f.read())
        rate = meta["rate"]
        if SR % rate:
            raise ValueError(f"speech rate {rate} does not divide {SR}")
        gap = 64  # zeros between utterances: no filter ringing from one into the next
        for split in splits:
            us = [u for u in meta["utterances"] if u["split"] == split]
            if not us:
                continue
            parts, offs, lens, pos = [], [], [], 0
            for u in us:
                a = x16[u["offset"]: u["offset"] + u["length"]]
                a = a / (np.sqrt(np.mean(a.astype(np.float64) ** 2)) + 1e-8) * 0.05  # one level; mixing varies it
                parts += [a.astype(np.float32), np.zeros(gap, np.float32)]
                offs.append(pos)
                lens.append(len(a))
                pos += len(a) + gap
            flat = torch.from_numpy(np.concatenate(parts)).to(self.device)
            f = SR // rate
            self.speech[split] = _upsample(flat, f)
            self.utt_off[split] = torch.tensor(offs, device=self.device) * f
            self.utt_len[split] = torch.tensor(lens, device=self.device) * f
        mpath = os.path.join(data_dir, "music.json")
        if os.path.exists(mpath):
            mm = json.load(open(mpath))
            self.meta["music"] = {k: v for k, v in mm.items() if k != "pieces"}
            with open(os.path.join(data_dir, mm["file"]), "rb") as fh:
                xm = codec.decode(fh.read())
            for split in splits:
                ps = [p for p in mm["pieces"] if p["split"] == split]
                if ps:
                    a = np.concatenate([xm[p["offset"]: p["offset"] + p["length"]] for p in ps])
                    a = a / (np.sqrt(np.mean(a.astype(np.float64) ** 2)) + 1e-8)
                    self.music[split] = _upsample(torch.from_numpy(a.astype(np.float32)).to(self.device),
                                                  SR // mm["rate"])
        return self

    def view(self, split, device):
        """A corpus holding only `split`, on `device` (e.g. a CPU copy of the
        validation speech, so validation batches are the same on any device)."""
        c = Corpus()
        c.device = torch.device(device)
        c.meta = self.meta
        c.speech = {split: self.speech[split].to(device)}
        c.utt_off = {split: self.utt_off[split].to(device)}
        c.utt_len = {split: self.utt_len[split].to(device)}
        if split in self.music:
            c.music = {split: self.music[split].to(device)}
        return c

    def minutes(self, split):
        return float(self.utt_len[split].sum()) / SR / 60


# ----------------------------------------------------------------- helpers
def _u(gen, shape, lo, hi):
    if isinstance(shape, int):
        shape = (shape,)
    return torch.rand(shape, generator=gen, device=gen.device) * (hi - lo) + lo


def _n(gen, shape):
    if isinstance(shape, int):
        shape = (shape,)
    return torch.randn(shape, generator=gen, device=gen.device)


def _logu(gen, shape, lo, hi):
    return torch.exp(_u(gen, shape, math.log(lo), math.log(hi)))


def _freqs(T, device):
    return torch.fft.rfftfreq(T, 1.0 / SR, device=device)


def shape_spectrum(x, gain):
    """Filter each row of x by a zero-phase gain: gain(f) -> (B or 1, F)."""
    T = x.shape[-1]
    return torch.fft.irfft(torch.fft.rfft(x) * gain(_freqs(T, x.device)), n=T)


def convolve(x, h):
    n = x.shape[-1] + h.shape[-1]
    return torch.fft.irfft(torch.fft.rfft(x, n=n) * torch.fft.rfft(h, n=n), n=n)[..., : x.shape[-1]]


def smooth_eq(gen, B, db, points=10):
    """Random smooth EQ curves: dB at log-spaced knots, interpolated in log f."""
    dev = gen.device
    knots = _n(gen, (B, points)) * db / 2
    lf = torch.linspace(math.log(40.0), math.log(24000.0), points, device=dev)

    def g(f):
        pos = (torch.log(f.clamp(min=40.0)) - lf[0]) / (lf[-1] - lf[0]) * (points - 1)
        i0 = pos.floor().clamp(0, points - 2).long()
        w = (pos - i0).clamp(0, 1)
        return 10 ** ((knots[:, i0] * (1 - w) + knots[:, i0 + 1] * w) / 20)

    return g


def _rms(x, mask=None):
    if mask is None:
        return x.pow(2).mean(-1).sqrt()
    return ((x.pow(2) * mask).sum(-1) / mask.sum(-1).clamp(min=1)).sqrt()


def _unit(x, mask=None):
    return x / (_rms(x, mask).unsqueeze(-1) + 1e-9)


def _impulses(gen, B, T, times, amps):
    """Scatter events (B, M) of sample times (invalid: <0 or >=T) into (B, T)."""
    imp = torch.zeros(B, T + 1, device=gen.device)
    t = times.long()
    ok = (t >= 0) & (t < T)
    imp.scatter_add_(1, torch.where(ok, t, torch.full_like(t, T)), amps * ok)
    return imp[:, :T]


def _resonances(gen, B, L, n, f_lo, f_hi, tau_lo, tau_hi):
    """(B, L) kernels: n damped sinusoids each, random frequency/decay/phase."""
    t = torch.arange(L, device=gen.device) / SR
    f = _logu(gen, (B, n, 1), f_lo, f_hi)
    tau = _logu(gen, (B, n, 1), tau_lo, tau_hi)
    a = _u(gen, (B, n, 1), 0.2, 1.0)
    ph = _u(gen, (B, n, 1), 0, 2 * math.pi)
    return (a * torch.exp(-t / tau) * torch.sin(2 * math.pi * f * t + ph)).sum(1)


def _event_times(gen, B, T, mean_gap_s, sigma=0.5, p_pause=0.0, pause_s=(0.4, 2.0)):
    """Random event times: lognormal gaps around mean_gap_s (B,) with
    occasional pauses; a random start so a clip may begin mid-stream."""
    mg = mean_gap_s.unsqueeze(-1)
    M = int(T / SR / float(mean_gap_s.min()) * 1.5) + 8
    gaps = mg * torch.exp(sigma * _n(gen, (B, M)) - sigma ** 2 / 2)
    pause = (_u(gen, (B, M), 0, 1) < p_pause).float() * _u(gen, (B, M), *pause_s)
    t = torch.cumsum(gaps + pause, 1) - _u(gen, (B, 1), 0, 1) * mg * 4
    return t * SR


# ----------------------------------------------------------------- noise families
def n_colored(gen, B, T, corpus, split):
    alpha = _u(gen, B, 0.0, 2.2).unsqueeze(-1)  # 0 white, 1 pink, 2 brown
    return shape_spectrum(_n(gen, (B, T)), lambda f: (f.clamp(min=20.0) / 1000.0) ** (-alpha / 2))


def n_hum(gen, B, T, corpus, split):
    dev = gen.device
    f0 = torch.where(_u(gen, B, 0, 1) < 0.5, 50.0, 60.0) * _u(gen, B, 0.995, 1.005)
    t = torch.arange(T, device=dev) / SR
    k = torch.arange(1, 41, device=dev, dtype=torch.float32)
    # Spectral patterns: smooth decay, odd-heavy (transformer), buzz (rectifier: rich, flat to kHz).
    pat = torch.randint(0, 3, (B,), generator=gen, device=dev)
    decay = _u(gen, B, 0.5, 0.92).unsqueeze(-1)
    amp = decay ** (k - 1)
    amp = torch.where((pat == 1).unsqueeze(-1), amp * torch.where(k % 2 == 1, 1.0, 0.15), amp)
    amp = torch.where((pat == 2).unsqueeze(-1), 1.0 / k ** _u(gen, B, 0.3, 0.8).unsqueeze(-1), amp)
    amp = amp * _u(gen, (B, 40), 0.4, 1.0) * (k * f0.unsqueeze(-1) < 20000)
    ph = _u(gen, (B, 40), 0, 2 * math.pi)
    y = torch.zeros(B, T, device=dev)
    for j in range(40):  # one harmonic at a time: (B, T) memory, not (B, 40, T)
        y = y + amp[:, j: j + 1] * torch.sin(2 * math.pi * (j + 1) * f0.unsqueeze(-1) * t + ph[:, j: j + 1])
    y = _unit(y)
    return y * (1 + 0.1 * torch.sin(2 * math.pi * _u(gen, B, 0.1, 2.0).unsqueeze(-1) * t)) + 0.02 * _unit(n_colored(gen, B, T, None, None))


def n_fan(gen, B, T, corpus, split):
    dev = gen.device
    fc = _logu(gen, B, 150, 4000).unsqueeze(-1)
    q = _u(gen, B, 0.5, 3.0).unsqueeze(-1)
    blade = _logu(gen, B, 60, 400).unsqueeze(-1)

    def g(f):
        lp = 1.0 / (1.0 + (f / fc) ** 2)
        return lp * (1.0 + 4.0 / (1.0 + ((f - blade) / (blade / (4 * q))) ** 2))

    y = _unit(shape_spectrum(_n(gen, (B, T)), g))
    t = torch.arange(T, device=dev) / SR
    tone = sum(_u(gen, (B, 1), 0.0, 0.3) / h * torch.sin(2 * math.pi * h * blade * t + _u(gen, (B, 1), 0, 6.3))
               for h in (1, 2, 3))
    rot = _u(gen, B, 5, 40).unsqueeze(-1)
    return y * (1.0 + _u(gen, (B, 1), 0.0, 0.3) * torch.sin(2 * math.pi * rot * t)) + tone


def n_traffic(gen, B, T, corpus, split):
    """Road noise: low rumble, tyre hiss band and engine harmonics, swelling
    as vehicles pass (slow Gaussian envelopes over a steady base)."""
    dev = gen.device
    t = torch.arange(T, device=dev) / SR
    fc = _logu(gen, B, 60, 400).unsqueeze(-1)
    rumble = _unit(shape_spectrum(_n(gen, (B, T)), lambda f: (f.clamp(min=15.0) / 100.0) ** -1.0 / (1 + (f / fc) ** 4)))
    tyre_c = _logu(gen, B, 400, 1500).unsqueeze(-1)
    tyre = _unit(shape_spectrum(_n(gen, (B, T)), lambda f: 1.0 / (1 + ((f - tyre_c) / (0.7 * tyre_c)) ** 2)))
    f_eng = _u(gen, B, 25, 90).unsqueeze(-1) * (1 + _u(gen, B, -0.15, 0.15).unsqueeze(-1) * t / (T / SR))
    phase = 2 * math.pi * torch.cumsum(f_eng.expand(B, T), 1) / SR
    eng = sum(torch.sin(h * phase) / h for h in range(1, 7))
    env = _u(gen, (B, 1), 0.2, 0.6).expand(B, T).clone()
    for _ in range(3):  # passing vehicles
        c = _u(gen, (B, 1), -2.0, T / SR + 2.0)
        w = _u(gen, (B, 1), 0.7, 3.0)
        env = env + _u(gen, (B, 1), 0.0, 1.0) * torch.exp(-0.5 * ((t - c) / w) ** 2)
    mix = rumble + _u(gen, (B, 1), 0.1, 0.6) * tyre + _u(gen, (B, 1), 0.0, 0.5) * _unit(eng)
    return mix * env


def n_keyboard(gen, B, T, corpus, split):
    """Typing: press and release clicks of each key (sharp broadband
    transients with plastic/metal resonances plus a low thock), keys at
    lognormal intervals in word bursts, a louder lower space bar."""
    L = int(0.04 * SR)
    press = _resonances(gen, B, L, 4, 1500, 7000, 0.002, 0.012) + _resonances(gen, B, L, 2, 150, 500, 0.005, 0.02)
    press = press + 0.5 * _n(gen, (B, L)) * torch.exp(-torch.arange(L, device=gen.device) / (0.0008 * SR))
    rel = _resonances(gen, B, L, 3, 2000, 8000, 0.001, 0.006)
    space = _resonances(gen, B, L, 3, 300, 2500, 0.004, 0.02) + 0.4 * _resonances(gen, B, L, 3, 2000, 6000, 0.002, 0.008)
    mean_gap = _u(gen, B, 0.09, 0.28)
    times = _event_times(gen, B, T, mean_gap, sigma=0.45, p_pause=0.08)
    M = times.shape[1]
    is_space = _u(gen, (B, M), 0, 1) < 0.17
    amp = _u(gen, (B, M), 0.4, 1.0)
    up = times + _u(gen, (B, M), 0.05, 0.16) * SR
    y = convolve(_impulses(gen, B, T, times, amp * ~is_space), press)
    y = y + convolve(_impulses(gen, B, T, up, 0.35 * amp), rel)
    y = y + convolve(_impulses(gen, B, T, times, 1.5 * amp * is_space), space)
    return y + 0.003 * _unit(n_colored(gen, B, T, None, None))


def n_mouse(gen, B, T, corpus, split):
    """Mouse: button clicks in press/release pairs (some double clicks) and
    scroll-wheel ratchet trains."""
    L = int(0.02 * SR)
    k = _resonances(gen, B, L, 3, 2500, 9000, 0.0007, 0.004)
    kr = _resonances(gen, B, L, 3, 3000, 10000, 0.0005, 0.003)
    times = _event_times(gen, B, T, _u(gen, B, 0.3, 1.5), sigma=0.8)
    M = times.shape[1]
    dbl = _u(gen, (B, M), 0, 1) < 0.25
    amp = _u(gen, (B, M), 0.5, 1.0)
    y = convolve(_impulses(gen, B, T, times, amp), k)
    y = y + convolve(_impulses(gen, B, T, times + _u(gen, (B, M), 0.06, 0.14) * SR, 0.6 * amp), kr)
    t2 = times + _u(gen, (B, M), 0.12, 0.25) * SR
    y = y + convolve(_impulses(gen, B, T, t2, amp * dbl), k)
    # Scroll wheel: trains of small ticks at 8..30 per second, 0.2..1 s long.
    wheel = _u(gen, B, 0, 1) < 0.5
    start = _u(gen, (B, 1), -0.2, T / SR) * SR
    rate = _u(gen, (B, 1), 8, 30)
    n = torch.arange(32, device=gen.device)
    wt = start + n * SR / rate + _n(gen, (B, 32)) * 0.004 * SR
    keep = (n / rate < _u(gen, (B, 1), 0.2, 1.0)) & wheel.unsqueeze(-1)
    y = y + convolve(_impulses(gen, B, T, wt, 0.3 * keep), kr)
    return y + 0.002 * _unit(n_colored(gen, B, T, None, None))


def n_clicks(gen, B, T, corpus, split):
    rate = _u(gen, B, 2.0, 40.0).unsqueeze(-1)
    imp = (_u(gen, (B, T), 0, 1) < rate / SR).float() * _n(gen, (B, T))
    L = 256
    tau = _u(gen, B, 5, 60).unsqueeze(-1)
    k = _n(gen, (B, L)) * torch.exp(-torch.arange(L, device=gen.device) / tau)
    return convolve(imp, k) + 0.01 * _unit(n_colored(gen, B, T, None, None))


def n_bursts(gen, B, T, corpus, split):
    base = n_colored(gen, B, T, None, None)
    seg = SR // 20
    nseg = T // seg + 2
    on = (_u(gen, (B, nseg), 0, 1) < _u(gen, (B, 1), 0.1, 0.6)).float()
    env = Fn.interpolate(on.unsqueeze(1), size=nseg * seg, mode="linear", align_corners=False).squeeze(1)[:, :T]
    return base * env + 0.01 * _unit(base)


def n_impacts(gen, B, T, corpus, split):
    """Knocks, door thuds and dish/cutlery clatter: sparse events with
    low damped modes or many metallic ones."""
    L = int(0.3 * SR)
    thud = _resonances(gen, B, L, 3, 50, 400, 0.01, 0.08)
    clat = _resonances(gen, B, L, 8, 1000, 9000, 0.01, 0.25)
    times = _event_times(gen, B, T, _u(gen, B, 0.3, 2.0), sigma=0.9)
    M = times.shape[1]
    kind = _u(gen, (B, M), 0, 1) < _u(gen, (B, 1), 0, 1)
    amp = _logu(gen, (B, M), 0.2, 1.0)
    y = convolve(_impulses(gen, B, T, times, amp * kind), thud)
    return y + convolve(_impulses(gen, B, T, times, amp * ~kind), clat) + 0.005 * _unit(n_colored(gen, B, T, None, None))


def n_babble(gen, B, T, corpus, split):
    """2..16 talkers from the corpus (same split), each at its own level,
    the far group through a room."""
    cfg = MixConfig()
    K = cfg.babble_talkers[1]
    n = torch.exp(_u(gen, B, math.log(cfg.babble_talkers[0]), math.log(K + 0.99))).floor().clamp(max=K)
    s, _ = speech_windows(corpus, split, gen, B * K, T, pause_s=(0.02, 0.4))
    w = _u(gen, (B, K), 0.3, 1.0) * (torch.arange(K, device=gen.device) < n.unsqueeze(-1))
    s = s.view(B, K, T) * w.unsqueeze(-1)
    far = torch.arange(K, device=gen.device) >= (n.unsqueeze(-1) * _u(gen, (B, 1), 0, 0.5)).floor()
    near = (s * ~far.unsqueeze(-1)).sum(1)
    farsum = (s * far.unsqueeze(-1)).sum(1)
    return near + convolve(farsum, rir(gen, B, (0.3, 1.0), (-6.0, 3.0), T))


def n_music(gen, B, T, corpus, split):
    x = corpus.music.get(split)
    if x is None:
        raise ValueError(f"corpus has no music for split {split!r} (music.spc missing)")
    f = _u(gen, B, 0.9, 1.1)  # pitch/tempo change by resampling
    start = _u(gen, B, 0, 1) * (len(x) - T * 1.12 - 2)
    pos = start.unsqueeze(-1) + torch.arange(T, device=gen.device) * f.unsqueeze(-1)
    p0 = pos.floor().long()
    fr = pos - p0
    return x[p0] * (1 - fr) + x[p0 + 1] * fr


GENERATORS = {"colored": n_colored, "hum": n_hum, "fan": n_fan, "traffic": n_traffic, "keyboard": n_keyboard,
              "mouse": n_mouse, "clicks": n_clicks, "bursts": n_bursts, "impacts": n_impacts, "babble": n_babble,
              "music": n_music}


def make_noise(corpus, gen, family, B, T, split="train"):
    """One family's noise, (B, T), unit RMS."""
    return _unit(GENERATORS[family](gen, B, T, corpus, split))


# ----------------------------------------------------------------- rooms
def rir(gen, B, rt60=(0.15, 0.9), drr_db=(-3.0, 12.0), max_len=None, return_params=False):
    """Synthetic room impulse responses: direct path, 6..12 sparse early
    reflections (2..40 ms), and a diffuse tail whose highs decay faster than
    its lows (two bands, high RT60 0.35..0.9 of the low)."""
    dev = gen.device
    r = _u(gen, B, *rt60).unsqueeze(-1)
    L = int(min(max(rt60) * 1.1, 1.0) * SR)
    if max_len:
        L = min(L, max_len)
    t = torch.arange(L, device=dev) / SR
    lo = _n(gen, (B, L)) * torch.exp(-6.9 * t / r)
    hi = _n(gen, (B, L)) * torch.exp(-6.9 * t / (r * _u(gen, (B, 1), 0.35, 0.9)))
    xo = _logu(gen, B, 1000, 4000).unsqueeze(-1)
    # Zero-padded: a zero-phase filter's acausal half must not wrap the strong start onto the end.
    tail = shape_spectrum(Fn.pad(lo, (0, L)), lambda f: 1 / (1 + (f / xo) ** 2))[:, :L] \
        + shape_spectrum(Fn.pad(hi, (0, L)), lambda f: (f / xo) ** 2 / (1 + (f / xo) ** 2))[:, :L]
    onset = _u(gen, (B, 1), 0.002, 0.01)
    tail = tail * torch.sigmoid((t - onset) / 0.0005)
    early = torch.zeros(B, L, device=dev)
    ne = 12
    d = (_u(gen, (B, ne), 0.002, 0.04) * SR).long().clamp(max=L - 1)
    a = _u(gen, (B, ne), -0.6, 0.6) * (torch.arange(ne, device=dev) < torch.randint(6, ne + 1, (B, 1), generator=gen, device=dev))
    early.scatter_add_(1, d, a)
    early[:, 0] = 1.0
    g = 10 ** (-_u(gen, B, *drr_db) / 20).unsqueeze(-1)
    tail = tail / (tail.pow(2).sum(-1, keepdim=True).sqrt() + 1e-9) * early.pow(2).sum(-1, keepdim=True).sqrt() * g
    h = early + tail
    h = h / h.pow(2).sum(-1, keepdim=True).sqrt()
    return (h, r.squeeze(-1)) if return_params else h


# ----------------------------------------------------------------- speech
def speech_windows(corpus, split, gen, B, T, pause_s=(0.05, 1.2), speed=None, utt_gain_db=4.0):
    """B windows of T samples from random utterance sequences joined by
    random pauses (a window may start mid-utterance). Returns speech (B, T)
    and the active mask (B, T) (inside an utterance)."""
    flat, uoff, ulen = corpus.speech[split], corpus.utt_off[split], corpus.utt_len[split]
    dev = gen.device
    if speed is None:
        speed = torch.ones(B, device=dev)
    need = T * float(speed.max()) + 2
    K = int(need / max(1.0, float(ulen.min()))) + 2
    ids = torch.randint(0, len(ulen), (B, K), generator=gen, device=dev)
    lens = ulen[ids]
    gaps = (_u(gen, (B, K), *pause_s) * SR).long()
    seg = gaps + lens
    ends = torch.cumsum(seg, 1)
    starts = ends - seg
    total = ends[:, -1].float()
    span = (speed * T + 2)
    off = _u(gen, B, 0, 1) * (total - span).clamp(min=0)
    gain = 10 ** (_u(gen, (B, K), -utt_gain_db, utt_gain_db) / 20)
    pos = off.unsqueeze(-1) + torch.arange(T, device=dev) * speed.unsqueeze(-1)
    p0 = pos.floor().long()
    fr = pos - p0

    def at(q):
        k = torch.searchsorted(ends, q, right=True).clamp(max=K - 1)
        within = q - starts.gather(1, k)
        g = gaps.gather(1, k)
        act = (within >= g) & (within < seg.gather(1, k))
        src = (uoff[ids.gather(1, k)] + within - g).clamp(0, len(flat) - 1)
        return flat[src] * act * gain.gather(1, k), act

    a0, act = at(p0)
    a1, _ = at(p0 + 1)
    return a0 * (1 - fr) + a1 * fr, act


def hf_extension(gen, s):
    """Noise above the TTS band (7.5..20 kHz) driven by the speech's own
    3..7.5 kHz envelope, as fricatives and breath have: the corpus speech is
    band-limited at 8 kHz, real speech is not."""
    B, T = s.shape
    band = shape_spectrum(s, lambda f: ((f > 3000) & (f < 7500)).float())
    env = Fn.avg_pool1d(band.abs().unsqueeze(1), 97, stride=1, padding=48).squeeze(1)[:, :T]
    tilt = _u(gen, B, 0.5, 2.0).unsqueeze(-1)
    hf = shape_spectrum(_n(gen, (B, T)), lambda f: (f > 7500).float() * (f.clamp(min=7500) / 7500) ** (-tilt))
    g = 10 ** (_u(gen, B, -18.0, -4.0) / 20).unsqueeze(-1)
    return s + g * env * hf / (_rms(hf).unsqueeze(-1) + 1e-9)


def sample_snr(gen, B, cfg):
    lo, hi = cfg.snr_range
    if cfg.snr_dist == "uniform":
        return _u(gen, B, lo, hi)
    # Beta via two gammas drawn from gen (Distribution.sample takes no generator).
    g1 = _gamma(gen, B, 1.8)
    g2 = _gamma(gen, B, 1.5)
    return lo + (hi - lo) * g1 / (g1 + g2)


def _gamma(gen, B, k):
    """Marsaglia-Tsang gamma(k >= 1) variates from gen (a few rejection rounds)."""
    d = k - 1 / 3
    c = 1 / math.sqrt(9 * d)
    out = torch.full((B,), float("nan"), device=gen.device)
    for _ in range(12):
        z = _n(gen, B)
        u = _u(gen, B, 0, 1)
        v = (1 + c * z) ** 3
        ok = (v > 0) & (torch.log(u.clamp(min=1e-30)) < 0.5 * z * z + d - d * v + d * torch.log(v.clamp(min=1e-30)))
        out = torch.where(torch.isnan(out) & ok, d * v, out)
    return torch.where(torch.isnan(out), torch.full_like(out, d), out)


# ----------------------------------------------------------------- batch
def _choice(gen, B, names, weights):
    w = torch.tensor([float(weights[n]) for n in names], device=gen.device)
    return torch.multinomial(w / w.sum(), B, replacement=True, generator=gen)


def make_batch(corpus, gen, B, T, split="train", cfg=None, kind=None, snr=None, families=None):
    """Mixtures for training or validation.

    corpus: Corpus (its device must be gen's device); gen: torch.Generator.
    kind: None (drawn from cfg.p_kind), a name of KINDS, or (B,) long codes.
    snr: None (drawn), a float, or (B,) tensor, dB (mix and onset items).
    families: None (drawn: one noise, a second with cfg.p_second_noise), or
      (B,) / (B, 2) long FAMILIES codes, -1 for none.
    Returns noisy (B, T), clean (B, T) float32 and info, a dict of tensors:
      kind (B,) KINDS code; family (B, 2) FAMILIES codes or -1; snr (B,) dB
      (nan where there is no speech or no noise); level_db (B,) input RMS
      dBFS (nan for silence); onset (B,) first sample after the digital
      silence (-1: none); speech_start (B,) first target sample the onset
      items' speech may occupy; room (B,) bool; clipped (B,) bool;
      vad (B, T) bool, speech active (before the room).
    """
    cfg = cfg or MixConfig()
    dev = gen.device
    cd = corpus.speech[split].device
    # torch names the generator's device "cuda" and a tensor's "cuda:0".
    if cd.type != dev.type or (cd.index or 0) != (dev.index or 0):
        raise ValueError(f"corpus on {corpus.speech[split].device}, generator on {dev}")
    if kind is None:
        kd = _choice(gen, B, KINDS, cfg.p_kind)
    elif isinstance(kind, str):
        kd = torch.full((B,), KIND[kind], device=dev, dtype=torch.long)
    else:
        kd = kind.to(dev).long()
    has_speech = (kd == KIND["mix"]) | (kd == KIND["clean"]) | (kd == KIND["onset"])
    has_noise = (kd == KIND["mix"]) | (kd == KIND["noise"]) | (kd == KIND["onset"])

    # Speech: sequence of utterances, speed change, per-utterance gain, HF extension, EQ, room.
    speed = torch.where(_u(gen, B, 0, 1) < cfg.p_speed, _u(gen, B, *cfg.speed), torch.ones(B, device=dev))
    s, vad = speech_windows(corpus, split, gen, B, T, cfg.pause_s, speed, cfg.utt_gain_db)
    hfx = _u(gen, B, 0, 1) < cfg.p_hf_ext
    s = torch.where(hfx.unsqueeze(-1), hf_extension(gen, s), s)
    s = shape_spectrum(s, smooth_eq(gen, B, cfg.speech_eq_db))
    room = _u(gen, B, 0, 1) < cfg.p_room
    s = torch.where(room.unsqueeze(-1), convolve(s, rir(gen, B, cfg.rt60, cfg.drr_db, T)), s)

    # Onset items: digital silence, then noise; speech (if any) 50..500 ms after
    # it, or starting with the sound (p_onset_speech_at), then maybe over a floor.
    onset_item = kd == KIND["onset"]
    onset = torch.where(onset_item, (_u(gen, B, *cfg.onset_silence_s).clamp(max=0.6 * T / SR) * SR).long(),
                        torch.full((B,), -1, device=dev, dtype=torch.long))
    with_sp = _u(gen, B, 0, 1) < cfg.p_onset_speech
    sp_start = torch.where(onset_item, onset + (_u(gen, B, 0.05, 0.5) * SR).long(), torch.zeros(B, device=dev, dtype=torch.long))
    at_on = onset_item & with_sp & (_u(gen, B, 0, 1) < cfg.p_onset_speech_at)
    sp_start = torch.where(at_on, onset + (_u(gen, B, 0.0, 0.02) * SR).long(), sp_start)
    quiet = at_on & (_u(gen, B, 0, 1) < cfg.p_onset_quiet)
    tt = torch.arange(T, device=dev)
    sp_mask = (tt >= sp_start.unsqueeze(-1)) & ~(onset_item & ~with_sp).unsqueeze(-1)
    s = s * sp_mask * has_speech.unsqueeze(-1)
    vad = vad & sp_mask & has_speech.unsqueeze(-1)

    # Noise: one or two families, each unit RMS, own EQ and (maybe) own room.
    if families is None:
        fam = torch.stack([_choice(gen, B, FAMILIES, cfg.family_weights), _choice(gen, B, FAMILIES, cfg.family_weights)], 1)
        fam[:, 1] = torch.where(_u(gen, B, 0, 1) < cfg.p_second_noise, fam[:, 1], -1)
    else:
        fam = families.to(dev).long()
        if fam.dim() == 1:
            fam = torch.stack([fam, torch.full_like(fam, -1)], 1)
    fam = torch.where(has_noise.unsqueeze(-1), fam, -1)
    noise = torch.zeros(B, T, device=dev)
    for slot in range(2):
        w = _u(gen, B, 0.3, 1.0) if slot else torch.ones(B, device=dev)
        for f, name in enumerate(FAMILIES):
            idx = (fam[:, slot] == f).nonzero().squeeze(-1)
            if len(idx) == 0:
                continue
            n = make_noise(corpus, gen, name, len(idx), T, split)
            noise[idx] += n * w[idx].unsqueeze(-1)
    nroom = (_u(gen, B, 0, 1) < cfg.p_noise_room) & (fam[:, 0] != FAM["babble"])
    noise = torch.where(nroom.unsqueeze(-1), convolve(noise, rir(gen, B, cfg.rt60, (-6.0, 6.0), T)), noise)
    noise = shape_spectrum(noise, smooth_eq(gen, B, cfg.noise_eq_db))
    on_mask = tt >= onset.clamp(min=0).unsqueeze(-1)
    noise = noise * on_mask

    # SNR: active speech power over noise power (noise-on part).
    if snr is None:
        snr_t = sample_snr(gen, B, cfg)
    else:
        snr_t = torch.as_tensor(snr, device=dev, dtype=torch.float32).expand(B).clone()
    snr_t = torch.where(quiet, _u(gen, B, 35.0, 60.0), snr_t)
    ps = _rms(s, vad.float()).pow(2)
    pn = _rms(noise, on_mask.float()).pow(2)
    both = has_speech & has_noise & (vad.sum(-1) > 0) & (pn > 0)
    gn = torch.where(both, torch.sqrt(ps / pn.clamp(min=1e-20) * 10 ** (-snr_t / 10)), 1.0 / pn.clamp(min=1e-20).sqrt())
    noise = noise * gn.unsqueeze(-1) * has_noise.unsqueeze(-1)
    x = s + noise

    # Level, then overload handling and clipping.
    floor_item = kd == KIND["floor"]
    lvl = torch.where(has_speech, _u(gen, B, *cfg.level_db), _u(gen, B, *cfg.noise_only_level_db))
    g = 10 ** (lvl / 20) / (_rms(x, on_mask.float()) + 1e-12)
    g = torch.where(_rms(x) > 0, g, torch.zeros_like(g))
    x, s = x * g.unsqueeze(-1), s * g.unsqueeze(-1)
    pk = x.abs().amax(-1)
    over = pk > 0.99
    clamp_over = over & (_u(gen, B, 0, 1) < cfg.p_overload)
    k = torch.where(over & ~clamp_over, 0.99 / pk.clamp(min=1e-12), torch.ones_like(pk))
    x, s = x * k.unsqueeze(-1), s * k.unsqueeze(-1)
    x = torch.where(clamp_over.unsqueeze(-1), x.clamp(-1.0, 1.0), x)
    hard = (_u(gen, B, 0, 1) < cfg.p_clip) & (kd == KIND["mix"])
    cl = (_u(gen, B, 0.3, 0.9) * x.abs().amax(-1)).unsqueeze(-1)
    x = torch.where(hard.unsqueeze(-1), torch.maximum(torch.minimum(x, cl), -cl), x)
    # Channel filters (microphone high-pass, band-limited channel): input and target alike.
    hp = _u(gen, B, 0, 1) < cfg.p_highpass
    lp = _u(gen, B, 0, 1) < cfg.p_lowpass
    fh = _u(gen, B, 50, 200).unsqueeze(-1)
    fl = _logu(gen, B, 7000, 16000).unsqueeze(-1)
    if bool((hp | lp).any()):
        def chan(f):
            gh = torch.where(hp.unsqueeze(-1), (f / fh) ** 2 / (1 + (f / fh) ** 2), torch.ones_like(f))
            gl = torch.where(lp.unsqueeze(-1), 1 / (1 + (f / fl) ** 8), torch.ones_like(f))
            return gh * gl
        x2, s2 = shape_spectrum(x, chan), shape_spectrum(s, chan)
        sel = (hp | lp).unsqueeze(-1)
        x, s = torch.where(sel, x2, x), torch.where(sel, s2, s)
        x = x * on_mask  # the digital silence stays digital silence
        s = s * sp_mask * on_mask
    # Silence and floor items.
    x = torch.where((kd == KIND["silence"]).unsqueeze(-1), torch.zeros_like(x), x)
    fl_lvl = 10 ** (_u(gen, B, -100.0, -70.0) / 20).unsqueeze(-1)
    x = torch.where(floor_item.unsqueeze(-1), _n(gen, (B, T)) * fl_lvl, x)
    cfl = (kd == KIND["clean"]) & (_u(gen, B, 0, 1) < cfg.p_clean_floor)
    cfl_lvl = 10 ** ((lvl - _u(gen, B, 45.0, 75.0)).clamp(max=-70.0) / 20).unsqueeze(-1)
    # ... most of them with 0.1..0.9 s of the floor alone before the first word.
    pre = (cfl & (_u(gen, B, 0, 1) < 0.7)).unsqueeze(-1) & (tt < (_u(gen, B, 0.1, 0.9) * SR).long().unsqueeze(-1))
    x, s, vad = x.masked_fill(pre, 0.0), s.masked_fill(pre, 0.0), vad & ~pre
    x = torch.where(cfl.unsqueeze(-1), x + _n(gen, (B, T)) * cfl_lvl, x)
    no_sp = ~has_speech
    s = torch.where(no_sp.unsqueeze(-1), torch.zeros_like(s), s)
    nan = torch.full((B,), float("nan"), device=dev)
    info = {
        "kind": kd, "family": fam,
        "snr": torch.where(both, snr_t, nan),
        "level_db": torch.where((kd == KIND["silence"]), nan, 20 * torch.log10(_rms(x, on_mask.float()) + 1e-20)),
        "onset": onset, "speech_start": torch.where(onset_item, sp_start, torch.zeros_like(sp_start)),
        "room": room & has_speech, "clipped": (clamp_over | hard), "vad": vad,
    }
    return x.float(), s.float(), info


# ----------------------------------------------------------------- validation
VAL_SNRS = (-5.0, 0.0, 5.0, 10.0, 15.0, 20.0)


def make_valset(corpus, B=16, T=4 * SR, seed=777, device=None, split="val", cfg=None):
    """Fixed validation batches from the validation-only voices and music.

    Built on the CPU from `seed` (the same numbers whatever device trains),
    then moved to `device` (default: the corpus's). Returns an ordered dict
    name -> (noisy, clean, info):
      snr{-5,0,5,10,15,20}   one noise each, families in turn across items
      family:<name>          that family alone at SNR 0, 5 and 10 dB in turn
      clean, noise, onset, silence   the special kinds (onset: half with speech)
    Room, EQ, level and the rest as in training (cfg), clipping off.
    """
    device = device or corpus.device
    cfg = cfg or MixConfig()
    cfg = MixConfig(**{**cfg.__dict__, "p_clip": 0.0, "p_overload": 0.0})
    cpu = corpus.view(split, "cpu")
    gen = torch.Generator()
    gen.manual_seed(seed)
    out = {}
    fam_cycle = torch.arange(B) % len(FAMILIES)
    for v in VAL_SNRS:
        out[f"snr{v:g}"] = make_batch(cpu, gen, B, T, split, cfg, kind="mix", snr=v, families=fam_cycle)
    snr3 = torch.tensor([0.0, 5.0, 10.0]).repeat(B // 3 + 1)[:B]
    for f in FAMILIES:
        out[f"family:{f}"] = make_batch(cpu, gen, B, T, split, cfg, kind="mix", snr=snr3,
                                        families=torch.full((B,), FAM[f]))
    for k in ("clean", "noise", "onset", "silence"):
        out[k] = make_batch(cpu, gen, B, T, split, cfg, kind=k, families=fam_cycle)
    return {k: (x.to(device), s.to(device), {a: b.to(device) for a, b in i.items()}) for k, (x, s, i) in out.items()}

#!/usr/bin/python3
"""Make the denoiser validation set: noisy/clean WAV pairs, 48 kHz mono.

Everything comes from Debian packages or is synthesised here:

  speech   festival voices (English, Italian, Catalan, Finnish, Czech
           talkers; packages festival, festvox-*), resampled to 48 kHz. TTS
           is band-limited (16, 22.05 or 32 kHz output), so the clean speech
           has little energy above 8..16 kHz; the noise is full band.
  text     word salads of 4..6 random words from Debian word lists
           (wamerican, witalian, wcatalan), drawn with this script's seed.
  noise    synthesised: white, pink, brown, hum (mains + harmonics), fan,
           clicks, babble (four espeak-ng talkers), bursts (non-stationary).
  room     synthetic room impulse responses (early reflections + a damped
           exponential tail, RT60 0.2..0.6 s, direct-to-reverberant ratio
           3..12 dB). Every noise goes through one; odd-numbered utterances
           are reverberated too, and their clean reference is the
           reverberant speech (the task is denoising, not dereverberation).
  level    speech at -32..-22 dBFS RMS; a mixture that would peak above
           0.95 is scaled down with its reference (never clipped).

Split from the training corpus (tools/train/make_data.py, which speaks with
espeak-ng, every language and variant, and flite kal16/awb/rms/slt): the
target talkers here are festival voices that neither engine makes; the text
is drawn from word lists with VAL_SEED (the training text is licence
sentences and word salads from its own seed); every noise and room
realisation comes from VAL_SEED. Only the babble talkers are espeak-ng
voices, and only as noise.

Layout written under --out:
  clean/ID.wav noisy/ID.wav   16-bit PCM, 48 kHz, mono, same length
  manifest.csv                id,utt,speaker,noise,snr_db,rt60_s,seconds,text
IDs: uNN_NOISE_snrSS (SS = -5..20), uNN_clean (noisy == clean),
silence_zero and silence_floor (no speech; the clean reference is zeros).
SNR is speech power over noise power on the whole clip, both after the room.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.io import wavfile
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

FS = 48000
VAL_SEED = 20261125
SNRS = (-5, 0, 5, 10, 15, 20)
NOISES = ("white", "pink", "brown", "hum", "fan", "clicks", "babble", "bursts")

# Target talkers: festival voices, none of them made by espeak-ng or flite
# (the engines the training corpus uses), with the word list their text is
# drawn from. Finnish and Czech spelling is phonemic, so those voices read
# Italian words with their own phonology. Left out on purpose: festival's
# kal (flite's kal16 is the same diphone set) and slt HTS (the same talker
# as flite's slt).
VAL_SPEAKERS = (
    ("festival", "ked_diphone", "american-english"),  # US English, male
    ("festival", "lp_diphone", "italian"),  # Italian, female
    ("festival", "upc_ca_ona_hts", "catalan"),  # Catalan, female
    ("festival", "pc_diphone", "italian"),  # Italian, male
    ("festival", "czech_dita", "italian"),  # Czech, female
    ("festival", "hy_fi_mv_diphone", "italian"),  # Finnish, male
    ("festival", "suo_fi_lj_diphone", "italian"),  # Finnish, female
    ("festival", "czech_machac", "italian"),  # Czech, male
)
# Babble talkers: espeak-ng voice variants (the training engine, but as
# noise, never as the target), never the same as the target talkers.
BABBLE_SPEAKERS = (
    ("espeak-ng", "en+Alicia", "american-english"),
    ("espeak-ng", "en-us+Mario", "american-english"),
    ("espeak-ng", "en-gb-x-gbclan+michel", "american-english"),
    ("espeak-ng", "en-us+steph2", "american-english"),
    ("espeak-ng", "en-029+ed", "american-english"),
    ("espeak-ng", "en-gb-scotland+grandpa", "american-english"),
)


def check_variants(speakers, tmpdir):
    """espeak-ng silently falls back to the plain voice when a variant name
    is wrong (names are case-sensitive, and en-gb ignores variants): make
    sure each variant really changes the voice."""
    for engine, voice, _ in speakers:
        if engine != "espeak-ng" or "+" not in voice:
            continue
        out = []
        for v in (voice, voice.split("+")[0]):
            path = os.path.join(tmpdir, "check.wav")
            subprocess.run(["espeak-ng", "-v", v, "-w", path, "checking the voice variant"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            out.append(wavfile.read(path)[1])
        if out[0].shape == out[1].shape and np.array_equal(out[0], out[1]):
            raise SystemExit("espeak-ng voice %s sounds like its base voice" % voice)


def words(wordlist):
    """Lower-case ASCII words of 3..8 letters from a Debian word list (the
    diphone voices choke on accented letters)."""
    with open(os.path.join("/usr/share/dict", wordlist), encoding="utf-8") as f:
        w = [x.strip() for x in f]
    return sorted(set(x for x in w if x.isascii() and x.isalpha() and x.islower()
                      and 3 <= len(x) <= 8))


def sentence(rng, vocab, n_words):
    return " ".join(rng.choice(vocab, size=n_words, replace=False))


def tts(speaker, text, tmpdir, tag):
    """Speak text with (engine, voice, wordlist); return float64 at 48 kHz."""
    engine, voice, _ = speaker
    path = os.path.join(tmpdir, tag + ".wav")
    if engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", voice, "-s", "170", "-w", path, text]
    elif engine == "festival":
        txt = os.path.join(tmpdir, tag + ".txt")
        with open(txt, "w", encoding="ascii") as f:
            f.write(text + "\n")
        cmd = ["text2wave", "-eval", "(voice_%s)" % voice, txt, "-o", path]
    else:
        raise ValueError(engine)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    fs, x = wavfile.read(path)
    x = x.astype(np.float64) / 32768.0
    if x.ndim > 1:
        x = x.mean(axis=1)
    g = np.gcd(FS, fs)
    y = resample_poly(x, FS // g, fs // g)
    return trim(y)


def trim(x, floor_db=-50.0):
    """Drop leading/trailing samples more than floor_db below the peak."""
    a = np.abs(x)
    idx = np.nonzero(a > a.max() * 10 ** (floor_db / 20))[0]
    return x[idx[0] : idx[-1] + 1] if idx.size else x


def colored(rng, n, slope_db_per_oct):
    """Gaussian noise with a power spectrum sloping by slope dB per octave."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / FS)
    f[0] = f[1]
    spec *= (np.maximum(f, 20.0) / 1000.0) ** (slope_db_per_oct / (20 * np.log10(2)))
    spec[0] = 0
    return np.fft.irfft(spec, n)


def noise(kind, rng, n, babble_src):
    t = np.arange(n) / FS
    if kind == "white":
        return rng.standard_normal(n)
    if kind == "pink":
        return colored(rng, n, -3.0)
    if kind == "brown":
        return colored(rng, n, -6.0)
    if kind == "hum":
        f0 = rng.choice([50.0, 60.0]) * (1 + rng.uniform(-0.003, 0.003))
        y = np.zeros(n)
        for h in range(1, 40):
            if h * f0 > 20000:
                break
            amp = (1.0 if h == 1 else rng.uniform(0.1, 0.7)) / h**0.7
            y += amp * np.sin(2 * np.pi * h * f0 * t + rng.uniform(0, 2 * np.pi))
        return y + 0.02 * colored(rng, n, -3.0) * np.std(y)
    if kind == "fan":
        base = colored(rng, n, -4.5)
        sos = butter(2, [rng.uniform(150, 400), rng.uniform(2500, 6000)], "bandpass", fs=FS,
                     output="sos")
        base = sosfilt(sos, base) + 0.3 * base
        blade = rng.uniform(25, 60)
        am = 1 + 0.3 * np.sin(2 * np.pi * blade * t + rng.uniform(0, 6.3))
        y = base * am / np.std(base)
        for h in (1, 2, 3):
            y += 0.4 / h * np.sin(2 * np.pi * h * blade * 3 * t + rng.uniform(0, 6.3))
        return y
    if kind == "clicks":
        y = 0.01 * rng.standard_normal(n)
        n_clicks = rng.poisson(6.0 * n / FS) + 2
        for _ in range(n_clicks):
            at = rng.integers(0, n - 2000)
            ln = rng.integers(48, 1500)
            decay = np.exp(-np.arange(ln) / rng.uniform(10, 300))
            ring = np.sin(2 * np.pi * rng.uniform(500, 8000) * np.arange(ln) / FS)
            click = rng.uniform(0.2, 1.0) * decay * (0.5 * ring + 0.5 * rng.standard_normal(ln))
            y[at : at + ln] += click
        return y
    if kind == "babble":
        y = np.zeros(n)
        for s in babble_src:
            start = rng.integers(0, max(1, len(s) - n))
            seg = s[start : start + n]
            seg = seg / (np.std(seg) + 1e-12)
            off = rng.integers(0, max(1, n - len(seg) + 1))
            y[off : off + len(seg)] += seg
        return y
    if kind == "bursts":
        y = np.zeros(n)
        pos = int(rng.uniform(0, 0.3) * FS)
        while pos < n:
            ln = int(rng.uniform(0.1, 0.6) * FS)
            seg = colored(rng, ln, rng.uniform(-6, 0))
            env = np.sin(np.pi * np.arange(ln) / ln) ** rng.uniform(0.3, 3)
            end = min(n, pos + ln)
            y[pos:end] += rng.uniform(0.3, 1.0) * (seg * env)[: end - pos] / np.std(seg)
            pos = end + int(rng.uniform(0.05, 0.7) * FS)
        return y + 0.02 * rng.standard_normal(n)
    raise ValueError(kind)


def rir(rng, rt60):
    """Synthetic room impulse response: direct path, a few early
    reflections, and a noise tail whose highs decay faster than its lows."""
    ln = int(max(rt60, 0.05) * 1.2 * FS)
    h = np.zeros(ln)
    h[0] = 1.0
    for _ in range(8):
        d = int(rng.uniform(0.002, 0.025) * FS)
        if d < ln:
            h[d] += rng.uniform(-0.6, 0.6)
    tt = np.arange(ln) / FS
    tail = rng.standard_normal(ln) * np.exp(-6.9 * tt / rt60)
    lows = sosfilt(butter(2, 1500, "lowpass", fs=FS, output="sos"), tail)
    highs = (tail - lows) * np.exp(-6.9 * tt / rt60)
    onset = int(0.005 * FS)
    tail = (lows + highs) * (np.arange(ln) >= onset)
    # Direct-to-reverberant ratio 3..12 dB: a talker a metre or two away.
    drr_db = rng.uniform(3.0, 12.0)
    h += tail * np.sqrt(np.sum(h**2) * 10 ** (-drr_db / 10) / (np.sum(tail**2) + 1e-12))
    return h / np.sqrt(np.sum(h**2))


def write(path, x):
    wavfile.write(path, FS, np.round(np.clip(x, -1, 32767 / 32768) * 32768).astype(np.int16))


def place(rng, speech, u):
    """The clean reference of utterance u: speech between 0.3..0.5 s of
    silence before and 0.2..0.4 s after, through a room when u is odd, at
    -32..-22 dBFS RMS. Returns it and the RT60 of the room its noises get."""
    lead, tail = rng.uniform(0.3, 0.5), rng.uniform(0.2, 0.4)
    s = np.concatenate([np.zeros(int(lead * FS)), speech, np.zeros(int(tail * FS))])
    rt60 = float(rng.uniform(0.2, 0.6))
    if u % 2:
        s = fftconvolve(s, rir(rng, rt60))[: len(s)]
    level = 10 ** (rng.uniform(-32, -22) / 20)
    s *= level / np.sqrt(np.mean(s**2))
    return s, rt60


def write_pairs(out, rng, u, s, rt60, speaker, text, babble):
    """Write utterance u's pairs (every noise at every SNR, then the clean
    item) under out; babble is the list of talker signals its babble draws
    four from. Returns their manifest rows."""
    n = len(s)
    base = dict(utt=u, speaker=speaker, rt60_s="%.2f" % (rt60 if u % 2 else 0.0),
                seconds="%.3f" % (n / FS), text=text)
    rows = []
    for kind in NOISES:
        talkers = [babble[i] for i in rng.choice(len(babble), 4, replace=False)]
        v = noise(kind, rng, n, talkers)
        v = fftconvolve(v, rir(rng, rt60))[:n]
        v /= np.sqrt(np.mean(v**2))
        for snr in SNRS:
            g = np.sqrt(np.mean(s**2)) * 10 ** (-snr / 20)
            x = s + g * v
            peak = np.max(np.abs(x))
            k = min(1.0, 0.95 / peak)  # scale both, never clip
            id_ = "u%02d_%s_snr%d" % (u, kind, snr)
            write(os.path.join(out, "clean", id_ + ".wav"), k * s)
            write(os.path.join(out, "noisy", id_ + ".wav"), k * x)
            rows.append(dict(base, id=id_, noise=kind, snr_db=snr))
    id_ = "u%02d_clean" % u
    for sub in ("clean", "noisy"):
        write(os.path.join(out, sub, id_ + ".wav"), s)
    rows.append(dict(base, id=id_, noise="none", snr_db="inf"))
    return rows


def write_silences(out, rng):
    """The two items without speech: digital zero and a -80 dBFS floor."""
    n = 3 * FS
    rows = []
    for id_, x in (("silence_zero", np.zeros(n)),
                   ("silence_floor", 10 ** (-80 / 20) * rng.standard_normal(n))):
        write(os.path.join(out, "clean", id_ + ".wav"), np.zeros(n))
        write(os.path.join(out, "noisy", id_ + ".wav"), x)
        rows.append(dict(id=id_, utt="", speaker="", noise="silence", snr_db="",
                         rt60_s="", seconds="%.3f" % (n / FS), text=""))
    return rows


def finish(out, rng, rows):
    """The silence items after the pairs, then the manifest of them all."""
    rows = rows + write_silences(out, rng)
    fields = ["id", "utt", "speaker", "noise", "snr_db", "rt60_s", "seconds", "text"]
    with open(os.path.join(out, "manifest.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    total = sum(float(r["seconds"]) for r in rows)
    print("wrote %d pairs (%.1f s of audio) to %s" % (len(rows), total, out))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "data", "valset"))
    ap.add_argument("--utterances", type=int, default=len(VAL_SPEAKERS))
    ap.add_argument("--seed", type=int, default=VAL_SEED)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    vocab = {sp[2]: words(sp[2]) for sp in VAL_SPEAKERS + BABBLE_SPEAKERS}
    n_utt = min(args.utterances, len(VAL_SPEAKERS))
    texts = [sentence(rng, vocab[VAL_SPEAKERS[i][2]], int(rng.integers(4, 7)))
             for i in range(n_utt)]
    babble_texts = [sentence(rng, vocab[sp[2]], 14) for sp in BABBLE_SPEAKERS]

    for sub in ("clean", "noisy"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:
        check_variants(VAL_SPEAKERS + BABBLE_SPEAKERS, tmp)
        speech = list(pool.map(lambda i: tts(VAL_SPEAKERS[i], texts[i], tmp, "u%d" % i),
                               range(n_utt)))
        babble = list(pool.map(lambda i: tts(BABBLE_SPEAKERS[i], babble_texts[i], tmp, "b%d" % i),
                               range(len(BABBLE_SPEAKERS))))

    rows = []
    for u in range(n_utt):
        s, rt60 = place(rng, speech[u], u)
        spk = "%s:%s" % VAL_SPEAKERS[u][:2]
        rows += write_pairs(args.out, rng, u, s, rt60, spk, texts[u], babble)
    return finish(args.out, rng, rows)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The capture signal: what a user plays through an amp, pedal, compressor or
reverb so that tools/train/capture.py can learn it (as Neural Amp Modeler's
input.wav), and the held-out material the captures are measured on.

Everything is made here from Debian packages and synthesis (the brief's data
rules): log sine sweeps, white and pink noise bursts at several levels, level
staircases (a compressor's attack and release), Karplus-Strong plucks and
strummed chords, fluidsynth guitar parts with a Debian soundfont, espeak-ng
speech, silence gaps (a reverb's tail, a compressor's release). A sync
marker (a 4095-sample maximum-length sequence) opens and closes the signal:
capture.py finds it in the recording to measure the device's latency, and
the second one checks that nothing was dropped or added in between.

Two outputs, never sharing an instance of any material:

  capture:  SYNC | train part (~60 s) | val part (~14 s) | SYNC     (--capture)
  eval:     speech (flite voices, other text), fluidsynth music (other
            seeds, the other soundfont), plucks (other seeds)       (--eval)

The JSON beside each WAV lists every section: offset, length, kind, split.

Usage:
  /usr/bin/python3 tools/train/capture_signal.py --capture OUT.wav [--seed 1]
  /usr/bin/python3 tools/train/capture_signal.py --eval OUT.wav [--seed 2]
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import wave

import numpy as np
from scipy.signal import lfilter, resample_poly

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_music  # noqa: E402  (MIDI writing)

SR = 48000
SOUNDFONTS = make_music.SOUNDFONTS
GUITARS = list(range(24, 32))  # General MIDI guitars
MARKER_LEN = 4095


def db(x):
    return 10.0 ** (x / 20.0)


def sync_marker():
    """The order-12 maximum-length sequence (x^12 + x^6 + x^4 + x + 1), +-0.5:
    its autocorrelation is one sharp peak, so the recording's copy is found
    to the sample even through distortion."""
    state, bits = 1, []
    for _ in range(MARKER_LEN):
        bits.append(state & 1)
        fb = ((state >> 0) ^ (state >> 1) ^ (state >> 4) ^ (state >> 6)) & 1
        state = (state >> 1) | (fb << 11)
    return (np.array(bits, np.float64) - 0.5)


def fade(x, ms=5.0):
    n = min(len(x) // 2, int(SR * ms / 1000))
    if n > 0:
        w = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
        x = x.copy()
        x[:n] *= w
        x[-n:] *= w[::-1]
    return x


def silence(sec):
    return np.zeros(int(SR * sec))


def log_sweep(f0, f1, sec, level_db):
    t = np.arange(int(SR * sec)) / SR
    k = np.log(f1 / f0)
    return fade(db(level_db) * np.sin(2 * np.pi * f0 * sec / k * (np.exp(t / sec * k) - 1)), 20)


def pink(rng, n):
    """1/f noise by spectral shaping, unit RMS."""
    f = np.fft.rfftfreq(n, 1 / SR)
    s = (rng.standard_normal(len(f)) + 1j * rng.standard_normal(len(f))) / np.sqrt(np.maximum(f, 20.0))
    x = np.fft.irfft(s, n)
    return np.clip(x / np.sqrt(np.mean(x ** 2)), -3, 3)


def noise_bursts(rng, levels, n_bursts):
    """White and pink bursts of 30 ms .. 0.8 s, each at a level from levels
    (dB RMS), with short and long gaps."""
    out = []
    for _ in range(n_bursts):
        n = int(SR * rng.uniform(0.03, 0.8))
        x = np.clip(rng.standard_normal(n), -3, 3) if rng.random() < 0.5 else pink(rng, n)
        out.append(fade(x * db(rng.choice(levels)), 2))
        out.append(silence(rng.choice([0.02, 0.05, 0.15, 0.4])))
    return np.concatenate(out)


def staircase(rng, lo, hi, steps, step_sec):
    """A tone-plus-noise bed whose level jumps between lo and hi dB every
    step_sec: the attack and release of a dynamics processor at many depths."""
    n = int(SR * step_sec)
    out = []
    f = rng.uniform(110, 660)
    for _ in range(steps):
        lvl = db(rng.uniform(lo, hi))
        t = np.arange(n) / SR
        x = 0.7 * np.sin(2 * np.pi * f * t + rng.uniform(0, 6.3)) + 0.5 * pink(rng, n)
        out.append(lvl * x)
        f *= 2 ** (rng.integers(-5, 6) / 12)
    return fade(np.concatenate(out), 5)


def pluck(rng, f0, sec, level_db, bright):
    """Karplus-Strong plucked string (Karplus & Strong 1983) with a fractional
    delay and a decay shaped by bright in (0, 1)."""
    n = int(SR * sec)
    p = SR / f0
    d = int(p) - 1
    frac = p - 1 - d
    burst = rng.uniform(-1, 1, d + 1)
    burst = lfilter([1 - bright * 0.5], [1, -bright * 0.5], burst)  # a softer pick is darker
    loss = 0.996 - 0.01 * (1 - bright)
    # y[i] = x[i] + loss/2 (y[i-d-1] + y[i-d-2]) through a linear fractional
    # delay: one IIR filter, so lfilter runs the whole string at C speed.
    a = np.zeros(d + 4)
    a[0] = 1.0
    a[d + 1] = -0.5 * loss * (1 - frac)
    a[d + 2] = -0.5 * loss
    a[d + 3] = -0.5 * loss * frac
    out = lfilter([1.0], a, np.concatenate([burst, np.zeros(n - len(burst))]) if n > len(burst) else burst[:n])
    out = out / (np.max(np.abs(out)) + 1e-9)
    return fade(out * db(level_db), 3)


def pluck_phrase(rng, sec, level_range):
    """Single notes and strummed chords of plucked strings, a guitar's range."""
    out = np.zeros(int(SR * sec))
    t = 0.0
    while t < sec - 0.3:
        lvl = rng.uniform(*level_range)
        if rng.random() < 0.45:  # a chord: 3..6 strings strummed
            root = 82.41 * 2 ** (rng.integers(0, 12) / 12)
            shape = [0, 7, 12, 16, 19, 24][: rng.integers(3, 7)]
            dur = rng.uniform(0.6, 2.0)
            for k, semi in enumerate(shape):
                s = pluck(rng, root * 2 ** (semi / 12), dur, lvl - 4, rng.uniform(0.4, 1.0))
                i = int(SR * (t + k * rng.uniform(0.008, 0.03)))
                m = min(len(s), len(out) - i)
                if m > 0:
                    out[i:i + m] += s[:m]
        else:
            dur = rng.uniform(0.15, 1.2)
            s = pluck(rng, 82.41 * 2 ** (rng.integers(0, 30) / 12), dur, lvl, rng.uniform(0.3, 1.0))
            i = int(SR * t)
            m = min(len(s), len(out) - i)
            out[i:i + m] += s[:m]
        t += dur * rng.uniform(0.5, 1.1) if rng.random() < 0.8 else dur + rng.uniform(0.1, 0.5)
    return out / (np.max(np.abs(out)) + 1e-9) * db(level_range[1])


def fluid_guitar(rng, sec, soundfont, peak_db, programs=GUITARS):
    """A guitar part (chords and a melody) written as MIDI here and rendered
    by fluidsynth with a Debian soundfont, reverb and chorus off (so the
    device under capture adds the only ambience)."""
    r = random.Random(int(rng.integers(1 << 30)))
    ev, bpm, _info = make_music.compose(r, sec)
    prog = [r.choice(programs), r.choice(programs)]
    ev = [(t, bytes([0xC0 | (m[0] & 0x0F), prog[(m[0] & 0x0F) % 2]])) if m[0] & 0xF0 == 0xC0 else (t, m)
          for t, m in ev if (m[0] & 0x0F) != 9]  # no drums: a guitar part
    with tempfile.TemporaryDirectory() as td:
        mid, wav = os.path.join(td, "g.mid"), os.path.join(td, "g.wav")
        make_music.write_midi(mid, ev, bpm)
        subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", "0.5", "-r", str(SR), "-T", "wav",
                        "-F", wav, soundfont, mid], check=True, capture_output=True, timeout=300)
        a = read_wav(wav)
    a = a[: int(SR * sec)]
    nz = np.nonzero(np.abs(a) > 1e-4)[0]
    if len(nz):
        a = a[nz[0]:]
    a = np.pad(a, (0, max(0, int(SR * sec) - len(a))))
    return fade(a / (np.max(np.abs(a)) + 1e-9) * db(peak_db), 10)


def speech(texts, voices, peak_db, engine="espeak-ng"):
    """Sentences from espeak-ng (or flite), resampled to 48 kHz."""
    out = []
    with tempfile.TemporaryDirectory() as td:
        for i, (text, voice) in enumerate(zip(texts, voices)):
            wav = os.path.join(td, f"s{i}.wav")
            if engine == "flite":
                subprocess.run(["flite", "-voice", voice, "-t", text, "-o", wav], check=True, capture_output=True)
            else:
                subprocess.run(["espeak-ng", "-v", voice, "-w", wav, text], check=True, capture_output=True)
            a, rate = read_wav(wav, with_rate=True)
            g = np.gcd(SR, rate)
            a = resample_poly(a, SR // g, rate // g)
            out.append(a / (np.max(np.abs(a)) + 1e-9) * db(peak_db))
            out.append(silence(0.25))
    return np.concatenate(out)


def read_wav(path, with_rate=False):
    with wave.open(path) as w:
        raw = w.readframes(w.getnframes())
        a = np.frombuffer(raw, np.int16).astype(np.float64) / 32768
        a = a.reshape(-1, w.getnchannels()).mean(1)
        rate = w.getframerate()
    return (a, rate) if with_rate else a


def write_wav(path, x):
    """32-bit float WAV (the trainer reads it exactly)."""
    x = np.asarray(x, np.float32)
    import struct
    with open(path, "wb") as f:
        data = x.tobytes()
        f.write(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, SR, SR * 4, 4, 32))
        f.write(b"data" + struct.pack("<I", len(data)) + data)


class Builder:
    def __init__(self):
        self.parts, self.sections, self.n = [], [], 0

    def add(self, x, kind, split, **info):
        x = np.asarray(x, np.float64)
        self.sections.append(dict(info, kind=kind, split=split, offset=self.n, length=len(x)))
        self.parts.append(x)
        self.n += len(x)

    def signal(self):
        x = np.concatenate(self.parts)
        peak = np.max(np.abs(x))
        if peak > 0.999:
            raise ValueError(f"capture signal clips (peak {peak:.3f})")
        return x


TRAIN_TEXT = [
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Please turn the amplifier up a little, then play the second verse again.",
]
VAL_TEXT = ["A small boat drifted slowly across the quiet harbour at dawn."]
EVAL_TEXT = [
    "Every morning the baker opens his shop before the sun rises over the hills.",
    "Could you send me the recording from yesterday's rehearsal, please?",
    "Thunder rolled across the valley while the children ran home through the rain.",
    "She measured the distance twice and still found the map was wrong.",
]


def capture(seed, tiny=False):
    """tiny: a few seconds of sweeps, noise, a staircase and plucks (no
    fluidsynth or espeak-ng), for the pipeline's end-to-end test; it has the
    same sync markers and train / val split as the full signal."""
    rng = np.random.default_rng(seed)
    b = Builder()
    marker = sync_marker()
    b.add(silence(0.5), "silence", "sync")  # the devices settle (guitarix ramps in over 9000 samples)
    b.add(marker, "sync", "sync")
    b.add(silence(1.0), "silence", "sync")
    sf_train = SOUNDFONTS[0]
    for split, scale in (("train", 1.0), ("val", 0.22)):
        if tiny:
            b.add(log_sweep(20, 20000, 1.0, -12 if split == "train" else -18), "sweep", split,
                  level_db=-12 if split == "train" else -18)
            b.add(noise_bursts(rng, [-30, -18], 2), "noise", split)
            b.add(staircase(rng, -36, -12, 3, 0.2), "staircase", split)
            b.add(pluck_phrase(rng, 1.5, (-20, -6)), "plucks", split, level_db=[-20, -6])
            b.add(silence(0.3), "silence", split)
            continue
        # Sweeps: the small-signal and the driven transfer function.
        for lvl in ((-30, -18, -6) if split == "train" else (-12,)):
            b.add(log_sweep(20, 20000, 2.5 if split == "train" else 1.5, lvl), "sweep", split, level_db=lvl)
            b.add(silence(0.4), "silence", split)
        b.add(noise_bursts(rng, [-42, -32, -24, -18, -12], int(14 * scale) or 5), "noise", split)
        b.add(silence(0.5), "silence", split)
        b.add(staircase(rng, -40, -10, int(20 * scale) or 4, 0.35), "staircase", split)
        b.add(silence(0.8), "silence", split)
        for lvl in ((-24, -12), (-12, -3)) if split == "train" else ((-16, -4),):
            b.add(pluck_phrase(rng, 8.0 if split == "train" else 3.0, lvl), "plucks", split,
                  level_db=list(lvl))
            b.add(silence(0.6), "silence", split)
        for peak in ((-10, -2) if split == "train" else (-5,)):
            b.add(fluid_guitar(rng, 6.0 if split == "train" else 2.5, sf_train, peak), "fluid_guitar", split,
                  peak_db=peak, soundfont=os.path.basename(sf_train))
            b.add(silence(0.5), "silence", split)
        if split == "train":
            b.add(speech(TRAIN_TEXT, ["en-us", "en-gb"], -6), "speech", split, engine="espeak-ng")
        else:
            b.add(speech(VAL_TEXT, ["en-gb-x-rp"], -8), "speech", split, engine="espeak-ng")
        b.add(silence(1.0), "silence", split)
    b.add(marker, "sync", "sync")
    b.add(silence(1.5), "silence", "sync")
    return b


def evaluation(seed):
    """Held-out material: none of it is in the capture signal (other text
    and voices, other seeds, the other soundfont)."""
    rng = np.random.default_rng(seed + 1000)
    b = Builder()
    b.add(silence(0.5), "silence", "eval")
    b.add(speech(EVAL_TEXT[:2], ["slt", "rms"], -6, engine="flite"), "speech", "eval", engine="flite")
    b.add(speech(EVAL_TEXT[2:], ["awb", "kal16"], -12, engine="flite"), "speech", "eval", engine="flite")
    b.add(silence(0.8), "silence", "eval")
    sf = SOUNDFONTS[1] if os.path.exists(SOUNDFONTS[1]) else SOUNDFONTS[0]
    for peak in (-12, -3):
        b.add(fluid_guitar(rng, 6.0, sf, peak), "fluid_guitar", "eval", peak_db=peak, soundfont=os.path.basename(sf))
        b.add(silence(0.6), "silence", "eval")
    # Music that is not a guitar: piano, organ, strings, brass.
    b.add(fluid_guitar(rng, 6.0, sf, -6, programs=[0, 4, 16, 19, 48, 61]), "fluid_music", "eval", peak_db=-6,
          soundfont=os.path.basename(sf))
    b.add(silence(0.6), "silence", "eval")
    b.add(pluck_phrase(rng, 8.0, (-18, -3)), "plucks", "eval", level_db=[-18, -3])
    b.add(silence(1.5), "silence", "eval")
    return b


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--capture", metavar="OUT.wav")
    g.add_argument("--eval", metavar="OUT.wav")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tiny", action="store_true", help="--capture: a few seconds, synthesis only (tests)")
    args = ap.parse_args()
    if not args.tiny and not any(os.path.exists(s) for s in SOUNDFONTS):
        raise SystemExit("no soundfont: install fluid-soundfont-gm (tools/train/capture-packages.txt)")
    out = args.capture or args.eval
    b = capture(args.seed, args.tiny) if args.capture else evaluation(args.seed)
    x = b.signal()
    write_wav(out, x)
    meta = {"rate": SR, "samples": len(x), "seconds": round(len(x) / SR, 2), "seed": args.seed,
            "recipe": "tools/train/capture_signal.py " + ("--capture" if args.capture else "--eval")
            + (" --tiny" if args.tiny else ""),
            "marker_length": MARKER_LEN, "sections": b.sections}
    with open(os.path.splitext(out)[0] + ".json", "w") as f:
        json.dump(meta, f, indent=1)
    split = {}
    for s in b.sections:
        split[s["split"]] = split.get(s["split"], 0) + s["length"] / SR
    print(json.dumps({"file": out, "seconds": meta["seconds"], "by_split": {k: round(v, 1) for k, v in split.items()}}))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Make the speech corpus for the ssm-denoise model from Debian TTS only.

Speech: espeak-ng (all its languages, all its voice variants, random rate,
pitch and word gap) and flite (its built-in voices, random duration stretch
and pitch). Text: sentences from Debian-packaged text (/usr/share/common-licenses,
plus /usr/share/dict/words when wamerican is installed) and random word salads
drawn from the same vocabulary. Never the Debian speech corpus reserved as held-out evaluation data.

Output (compact, so it travels to the GPU machine in one carry):
  OUT/speech_<rate>.i16.xz  concatenated int16 utterances at the TTS's native
                            rate, delta-coded then lzma-compressed
  OUT/index.json            per utterance: rate, offset, length, voice, split

Noise, reverberation, level/EQ/clipping are NOT made here: train.py mixes
them on the GPU on the fly (a new mixture every step).

Usage: /usr/bin/python3 tools/train/make_data.py --out DIR --minutes 26 --seed 1
"""
import argparse
import glob
import json
import lzma
import os
import random
import re
import subprocess
import wave

import numpy as np


def read_sentences():
    text = ""
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path):
            with open(path, errors="ignore") as f:
                text += f.read() + "\n"
    text = re.sub(r"[^A-Za-z0-9.,;:!?' \n-]", " ", text)
    text = re.sub(r"\s+", " ", text)
    sents = [s.strip() for s in re.split(r"(?<=[.!?;])\s", text)]
    sents = [s for s in sents if 20 <= len(s) <= 220 and sum(c.isalpha() for c in s) > 15]
    words = sorted(set(w.lower() for w in re.findall(r"[A-Za-z]{2,}", text)))
    if os.path.exists("/usr/share/dict/words"):
        with open("/usr/share/dict/words", errors="ignore") as f:
            words += [w.strip() for w in f if w.strip().isalpha()]
    return sents, words


def salad(rng, words):
    n = rng.randint(5, 16)
    s = " ".join(rng.choice(words) for _ in range(n))
    if rng.random() < 0.3:
        s += " " + str(rng.randint(0, 99999))
    return s.capitalize() + rng.choice([".", "?", "!", ","])


def wav_bytes_to_array(raw):
    import io

    w = wave.open(io.BytesIO(raw))
    rate = w.getframerate()
    a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    return rate, a


def trim(a, thr=40):
    idx = np.nonzero(np.abs(a.astype(np.int32)) > thr)[0]
    if len(idx) == 0:
        return a[:0]
    lo = max(0, idx[0] - 200)
    hi = min(len(a), idx[-1] + 200)
    return a[lo:hi]


def espeak(rng, langs, variants, text):
    lang = rng.choice(langs)
    var = rng.choice(variants)
    rate = rng.randint(110, 230)
    pitch = rng.randint(15, 85)
    gap = rng.choice([0, 0, 0, 1, 3])
    amp = rng.randint(80, 180)
    cmd = ["espeak-ng", "--stdout", "-v", f"{lang}+{var}", "-s", str(rate), "-p", str(pitch),
           "-g", str(gap), "-a", str(amp), text]
    raw = subprocess.run(cmd, capture_output=True, check=True).stdout
    return wav_bytes_to_array(raw), f"espeak-ng:{lang}+{var}:s{rate}:p{pitch}"


def flite(rng, voices, text, tmp):
    v = rng.choice(voices)
    stretch = rng.uniform(0.8, 1.3)
    f0 = rng.uniform(80, 220)
    cmd = ["flite", "-voice", v, "--setf", f"duration_stretch={stretch:.2f}",
           "--setf", f"int_f0_target_mean={f0:.0f}", "-t", text, "-o", tmp]
    subprocess.run(cmd, capture_output=True, check=True)
    with open(tmp, "rb") as f:
        raw = f.read()
    return wav_bytes_to_array(raw), f"flite:{v}:d{stretch:.2f}:f{f0:.0f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=26.0)
    ap.add_argument("--flite-share", type=float, default=0.3)
    ap.add_argument("--val-share", type=float, default=0.04)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    sents, words = read_sentences()
    out = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True).stdout
    langs = [ln.split()[1] for ln in out.splitlines()[1:] if ln.split()]
    # English gets a third of the espeak time: most users speak it, and the
    # licence text is English (other voices read it with their own phonology).
    langs = langs + ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-029"] * 12
    out = subprocess.run(["espeak-ng", "--voices=variant"], capture_output=True, text=True).stdout
    variants = [ln.split()[4].split("/")[-1] for ln in out.splitlines()[1:] if ln.split()]
    fl_voices = ["kal16", "awb", "rms", "slt"]
    tmp = os.path.join(args.out, "tmp.wav")

    target = {"espeak": args.minutes * 60 * (1 - args.flite_share),
              "flite": args.minutes * 60 * args.flite_share}
    got = {"espeak": 0.0, "flite": 0.0}
    chunks = {}
    index = []
    while any(got[k] < target[k] for k in got):
        text = rng.choice(sents) if rng.random() < 0.7 else salad(rng, words)
        eng = "espeak" if got["espeak"] / target["espeak"] <= got["flite"] / target["flite"] else "flite"
        try:
            if eng == "espeak":
                (rate, a), voice = espeak(rng, langs, variants, text)
            else:
                (rate, a), voice = flite(rng, fl_voices, text, tmp)
        except subprocess.CalledProcessError:
            continue
        a = trim(a)
        if len(a) < rate * 0.7:
            continue
        a = a[: int(rate * 4.5)]  # short utterances: more voices per minute
        buf = chunks.setdefault(rate, [])
        off = sum(len(x) for x in buf)
        buf.append(a)
        split = "val" if rng.random() < args.val_share else "train"
        index.append({"rate": rate, "offset": off, "length": len(a), "voice": voice, "split": split})
        got[eng] += len(a) / rate
        if len(index) % 100 == 0:
            print(f"{len(index)} utterances, espeak {got['espeak']/60:.1f} min, "
                  f"flite {got['flite']/60:.1f} min", flush=True)
    if os.path.exists(tmp):
        os.remove(tmp)
    files = {}
    for rate, buf in chunks.items():
        a = np.concatenate(buf)
        d = np.diff(a.astype(np.int32), prepend=0).astype(np.int16)  # wraps; undone by cumsum in int16
        name = f"speech_{rate}.i16.xz"
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(lzma.compress(d.tobytes(), preset=6))
        files[str(rate)] = {"file": name, "samples": int(len(a))}
    meta = {"seed": args.seed, "minutes": {k: v / 60 for k, v in got.items()},
            "files": files, "utterances": index,
            "recipe": "tools/train/make_data.py (espeak-ng, flite; text from /usr/share/common-licenses)"}
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(meta, f)
    print(json.dumps({k: v for k, v in meta.items() if k != "utterances"}, indent=1))


if __name__ == "__main__":
    main()

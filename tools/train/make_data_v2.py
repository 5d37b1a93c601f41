#!/usr/bin/python3
"""Make the speech corpus for denoiser v2 from Debian TTS voices only.

Engines and voices (see tools/train/data-v2-packages.txt):
  mbrola    espeak-ng's mb-* voices over the Debian mbrola voice databases
            (some 65 recorded diphone speakers, about 30 languages, and the
            mb-*-en voices: those speakers reading English)
  espeak    espeak-ng's formant voices: every language, every variant
            (whisper and whisperf among them)
  flite     kal16, awb, rms, slt
  festival  czech_krb (a child), czech_ph, msu_ru_nsh_clunits, rab_diphone,
            don_diphone, us1/us2/en1_mbrola (mbrola speakers with festival's
            prosody). Never the festival voices of the validation set
            (make_valset.py: ked, lp, pc, ona, lj, mv, dita, machac; nor kal
            and slt, which it leaves out because flite has them).
Text: sentences of /usr/share/common-licenses for English voices; word salads
from each language's Debian word list (wamerican, wngerman, ..., hunspell-*
dictionaries) for the others, and sometimes English for them too.
Variation: sox pitch, formant (speed then pitch back) and tempo changes;
whispered speech (espeak-ng whisper variants, and an LPC noise-excited
resynthesis for the other engines); shouted speech (higher pitch, treble
lift, compression, hot level).
Split: the speakers in VAL_SPEAKERS and the espeak variants in VAL_VARIANTS
are validation only (a voice-disjoint split, recorded per utterance in
index.json); all other voices are training.

Output (one carry folder, see tools/train/README.md):
  OUT/speech.spc   every utterance at 16 kHz, concatenated, codec.py
  OUT/index.json   per utterance: offset, length, engine, voice, speaker,
                   lang, style, fx, split, text; totals per engine and split

Usage: /usr/bin/python3 tools/train/make_data_v2.py --out DIR --minutes 90 --seed 1
"""
import argparse
import glob
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np
from scipy.signal import butter, lfilter, resample_poly, sosfilt, sosfiltfilt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codec  # noqa: E402

SR = 16000
MAX_SECONDS = 5.0
HIGHPASS = butter(2, 50.0, "highpass", fs=SR, output="sos")
# Validation-only speakers (mbrola databases, wherever they are used, and
# festival voices): US male, French female, German female, Italian male,
# Brazilian female, Dutch female.
VAL_SPEAKERS = ("mbrola:us3", "mbrola:fr4", "mbrola:de5", "mbrola:it3", "mbrola:br4", "mbrola:nl3")
VAL_VARIANTS = ("Andrea", "max", "f5", "klatt4", "Storm")
ENGINE_SHARE = {"mbrola": 0.50, "espeak": 0.22, "festival": 0.16, "flite": 0.12}
FESTIVAL_VOICES = (  # (voice, speaker, text language)
    ("czech_krb", "festival:krb", "cs"),
    ("czech_ph", "festival:ph", "cs"),
    ("msu_ru_nsh_clunits", "festival:nsh", "ru"),
    ("rab_diphone", "festival:rab", "en"),
    ("don_diphone", "festival:don", "en"),
    ("us1_mbrola", "mbrola:us1", "en"),
    ("us2_mbrola", "mbrola:us2", "en"),
    ("en1_mbrola", "mbrola:en1", "en"),
)
FLITE_VOICES = ("kal16", "awb", "rms", "slt")
# Debian word lists: /usr/share/dict name, or hunspell dictionary.
WORDLISTS = {
    "en": "dict:american-english", "de": "dict:ngerman", "fr": "dict:french", "it": "dict:italian",
    "es": "dict:spanish", "pt": "dict:portuguese", "pt-br": "dict:brazilian", "nl": "dict:dutch",
    "sv": "dict:swedish", "pl": "dict:polish", "ca": "dict:catalan", "da": "dict:danish",
    "nb": "dict:bokmaal", "cs": "hun:cs_CZ", "hu": "hun:hu_HU", "ro": "hun:ro_RO", "hr": "hun:hr_HR",
    "lt": "hun:lt_LT", "el": "hun:el_GR", "tr": "hun:tr_TR", "is": "hun:is_IS", "id": "hun:id_ID",
    "ms": "hun:id_ID", "af": "hun:af_ZA", "he": "hun:he_IL", "ru": "hun:ru_RU", "ar": "hun:ar",
    "fa": "hun:ar", "et": "hun:et_EE", "hi": "hun:hi_IN", "te": "hun:te_IN",
}


# ----------------------------------------------------------------- text
def read_sentences():
    text = ""
    for path in sorted(glob.glob("/usr/share/common-licenses/*")):
        if os.path.isfile(path):
            with open(path, errors="ignore") as f:
                text += f.read() + "\n"
    text = re.sub(r"[^A-Za-z0-9.,;:!?' \n-]", " ", text)
    text = re.sub(r"\s+", " ", text)
    sents = [s.strip() for s in re.split(r"(?<=[.!?;])\s", text)]
    return [s for s in sents if 20 <= len(s) <= 220 and sum(c.isalpha() for c in s) > 15]


def read_words(spec):
    kind, name = spec.split(":")
    if kind == "dict":
        path, enc = os.path.join("/usr/share/dict", name), "utf-8"
        start = 0
    else:
        path = os.path.join("/usr/share/hunspell", name + ".dic")
        enc = "utf-8"
        with open(os.path.join("/usr/share/hunspell", name + ".aff"), "rb") as f:
            for ln in f:
                if ln.startswith(b"SET"):
                    enc = ln.split()[1].decode().lower().replace("iso8859", "iso-8859")
                    break
        start = 1
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        raw = f.read()
    try:
        lines = raw.decode(enc).splitlines()[start:]
    except UnicodeDecodeError:  # some /usr/share/dict lists are Latin-1
        lines = raw.decode("latin-1").splitlines()[start:]
    words = set()
    for ln in lines:
        w = ln.split("/")[0].strip()
        if 2 <= len(w) <= 14 and w.isalpha() and not w.isupper():
            words.add(w)
    return sorted(words)


class Texts:
    def __init__(self, rng):
        self.rng = rng
        self.sents = read_sentences()
        self.cache = {}

    def words(self, lang):
        key = lang if lang in WORDLISTS else lang.split("-")[0]
        if key not in WORDLISTS:
            key = "en"
        if key not in self.cache:
            self.cache[key] = read_words(WORDLISTS[key])
        return self.cache[key] or self.words("en")

    def get(self, lang):
        """English: licence sentences or salads; other languages: salads of
        their own words, and one time in six English."""
        r = self.rng
        en = lang.startswith("en") or lang not in WORDLISTS and lang.split("-")[0] not in WORDLISTS
        if not en and r.random() < 1 / 6:
            en = True
        if en and r.random() < 0.65:
            return r.choice(self.sents), "en"
        ws = self.words("en" if en else lang)
        s = " ".join(r.choice(ws) for _ in range(r.randint(4, 14)))
        if r.random() < 0.2:
            s += " " + str(r.randint(0, 99999))
        return s[0].upper() + s[1:] + r.choice([".", ".", "?", "!", ","]), "en" if en else lang


# ----------------------------------------------------------------- engines
def wav_to_float(raw):
    w = wave.open(io.BytesIO(raw))
    rate, ch = w.getframerate(), w.getnchannels()
    a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float64) / 32768.0
    if ch > 1:
        a = a.reshape(-1, ch).mean(1)
    return rate, a


def float_to_wav(rate, a):
    buf = io.BytesIO()
    w = wave.open(buf, "wb")
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(np.round(np.clip(a, -1, 32767 / 32768) * 32768).astype(np.int16).tobytes())
    w.close()
    return buf.getvalue()


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, check=True, timeout=120, **kw).stdout


def say_espeak(voice, text, rng):
    rate, pitch = rng.randint(120, 220), rng.randint(20, 80)
    gap, amp = rng.choice([0, 0, 0, 1, 3]), rng.randint(80, 180)
    raw = run(["espeak-ng", "--stdout", "-v", voice, "-s", str(rate), "-p", str(pitch), "-g", str(gap),
               "-a", str(amp), text])
    return wav_to_float(raw), f"s{rate}:p{pitch}:g{gap}"


def say_flite(voice, text, rng, tmp):
    stretch, f0 = rng.uniform(0.8, 1.3), rng.uniform(80, 220)
    run(["flite", "-voice", voice, "--setf", f"duration_stretch={stretch:.2f}", "--setf",
         f"int_f0_target_mean={f0:.0f}", "-t", text, "-o", tmp])
    with open(tmp, "rb") as f:
        return wav_to_float(f.read()), f"d{stretch:.2f}:f{f0:.0f}"


def say_festival(voice, text, rng, tmp):
    stretch = rng.uniform(0.85, 1.25)
    txt = tmp + ".txt"
    with open(txt, "w", encoding="utf-8") as f:
        f.write(text + "\n")
    run(["text2wave", "-eval", f"(voice_{voice})", "-eval", f"(Parameter.set 'Duration_Stretch {stretch:.2f})",
         txt, "-o", tmp])
    with open(tmp, "rb") as f:
        return wav_to_float(f.read()), f"d{stretch:.2f}"


def mbrola_voices():
    """(espeak voice, speaker, language) of every mb-* voice whose Debian
    mbrola database is installed."""
    out = run(["espeak-ng", "--voices=mb"]).decode()
    res = []
    for ln in out.splitlines()[1:]:
        f = ln.split()
        if len(f) < 5:
            continue
        lang, file = f[1], f[4]
        name = file.split("/")[-1]  # mb-de1, mb-de1-en
        db = name.split("-")[1]
        if name.endswith("-grc") or not os.path.exists(f"/usr/share/mbrola/{db}/{db}"):
            continue
        res.append((name, "mbrola:" + db, "en" if name.endswith("-en") else lang))
    return res


def espeak_voices():
    out = run(["espeak-ng", "--voices"]).decode()
    langs = [ln.split()[1] for ln in out.splitlines()[1:] if ln.split()]
    out = run(["espeak-ng", "--voices=variant"]).decode()
    variants = [ln.split()[4].split("/")[-1] for ln in out.splitlines()[1:] if ln.split()]
    return langs, variants


# ----------------------------------------------------------------- variation
def sox(rate, a, effects):
    # -R -D: repeatable, no random dither (the corpus must come out the same from the same seed)
    raw = run(["sox", "-R", "-D", "-t", "wav", "-", "-t", "wav", "-"] + effects, input=float_to_wav(rate, a * 0.5))
    r, y = wav_to_float(raw)
    return y * 2.0


def random_fx(rng, style):
    """sox effects: pitch, formant (speed, then pitch back) and tempo."""
    fx = []
    if style == "shout":
        fx += ["pitch", str(rng.randint(200, 500)), "treble", str(rng.randint(4, 9)), "2500",
               "bass", str(-rng.randint(2, 6)), "compand", "0.005,0.08", "6:-50,-50,-30,-14,0,-4", "-6"]
        return fx
    if rng.random() < 0.25:
        f = rng.uniform(0.88, 1.14)
        fx += ["speed", f"{f:.3f}", "pitch", str(int(round(-1200 * np.log2(f))))]
    if rng.random() < 0.3:
        fx += ["pitch", str(rng.randint(-350, 350))]
    if rng.random() < 0.3:
        fx += ["tempo", "-s", f"{rng.uniform(0.8, 1.25):.3f}"]
    return fx


def whisperise(x, rng):
    """Noise-excited LPC resynthesis: keeps the vocal-tract envelope and the
    frame energy, replaces the voicing by breath (what whispering does)."""
    n, hop = 512, 256
    win = np.hanning(n + 1)[:n]  # sums to 1 at 50 % overlap
    pad = np.concatenate([np.zeros(n), x, np.zeros(n)])
    y = np.zeros_like(pad)
    frames = (len(pad) - n) // hop
    X = np.stack([pad[i * hop: i * hop + n] for i in range(frames)])
    k = codec._reflection(X)
    A = np.concatenate([np.ones((frames, 1)), -codec._q_to_pred(codec._k_to_q(k))], 1)
    nrng = np.random.default_rng(rng.randint(0, 2 ** 31))
    for i in range(frames):
        e = np.sqrt(np.mean((X[i] * win) ** 2))
        if e < 1e-6:
            continue
        s = lfilter([1.0], A[i], nrng.standard_normal(n))
        y[i * hop: i * hop + n] += win * s * e / (np.sqrt(np.mean((s * win) ** 2)) + 1e-12)
    y = sosfilt(butter(2, 350, "highpass", fs=SR, output="sos"), y[n: n + len(x)])
    return y


def trim(a, floor_db=-45.0):
    idx = np.nonzero(np.abs(a) > np.abs(a).max() * 10 ** (floor_db / 20))[0] if len(a) else []
    if len(idx) == 0:
        return a[:0]
    return a[max(0, idx[0] - 160): idx[-1] + 160]


# ----------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=90.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--val-share", type=float, default=None,
                    help="draw validation voices for this share of mbrola/espeak utterances (default: as often as "
                         "any other voice; tiny test corpora use it to have a validation split at all)")
    ap.add_argument("--snr-db", type=float, default=42.0, help="codec error below the local speech level")
    args = ap.parse_args()
    t0 = time.time()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    texts = Texts(rng)
    mb = mbrola_voices()
    mb_speakers = sorted(set(s for _, s, _ in mb))
    langs, variants = espeak_voices()
    # English gets a third of the formant voices' time, as in make_data.py.
    langs = langs + ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-029"] * 12
    print(f"{len(mb)} mbrola voices over {len(mb_speakers)} speakers, {len(variants)} espeak variants", flush=True)

    def pick(pool, val):
        if args.val_share is None:
            return rng.choice(pool)
        want = rng.random() < args.val_share
        return rng.choice([p for p in pool if (p in val) == want])

    target = {k: v * args.minutes * 60 for k, v in ENGINE_SHARE.items()}
    got = {k: 0.0 for k in target}
    utts, audio = [], []
    offset = 0
    fails = 0
    with tempfile.TemporaryDirectory() as td:
        tmp = os.path.join(td, "u.wav")
        while any(got[k] < target[k] for k in got):
            eng = min(got, key=lambda k: got[k] / target[k])
            style = "normal"
            r = rng.random()
            if r < 0.06:
                style = "whisper"
            elif r < 0.12:
                style = "shout"
            try:
                if eng == "mbrola":
                    spk = pick(mb_speakers, VAL_SPEAKERS)
                    voice, spk, lang = rng.choice([v for v in mb if v[1] == spk])
                    text, tl = texts.get(lang)
                    (rate, a), prm = say_espeak(voice, text, rng)
                elif eng == "espeak":
                    lang, var = rng.choice(langs), pick(variants, VAL_VARIANTS)
                    if style == "whisper":
                        var = rng.choice(["whisper", "whisperf"])
                    voice, spk = f"{lang}+{var}", "espeak:" + var
                    text, tl = texts.get(lang)
                    (rate, a), prm = say_espeak(voice, text, rng)
                elif eng == "flite":
                    voice = rng.choice(FLITE_VOICES)
                    spk, lang = "flite:" + voice, "en"
                    text, tl = texts.get("en")
                    (rate, a), prm = say_flite(voice, text, rng, tmp)
                else:
                    voice, spk, lang = rng.choice(FESTIVAL_VOICES)
                    text, tl = texts.get(lang)
                    (rate, a), prm = say_festival(voice, text, rng, tmp)
                a = trim(a)
                if len(a) < rate * 0.7:
                    fails += 1
                    continue
                a = a[: int(rate * (MAX_SECONDS + 1.0))]
                fx = random_fx(rng, style)
                if fx:
                    a = sox(rate, a, fx)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired, wave.Error, EOFError):
                fails += 1
                continue
            if rate != SR:
                g = np.gcd(rate, SR)
                a = resample_poly(a, SR // g, rate // g)
            if style == "whisper" and not (eng == "espeak" and "whisper" in voice):
                a = whisperise(a, rng)
            # Some voices carry a DC offset (don_diphone: a quarter of its RMS) or rumble below
            # 50 Hz (a few mbrola databases): no microphone chain passes that, and the target must not.
            a = sosfiltfilt(HIGHPASS, a - a.mean())
            a = trim(a)
            if len(a) > SR * MAX_SECONDS:  # cut mid-speech: fade out, no step into the pause
                a = a[: int(SR * MAX_SECONDS)].copy()
                a[-320:] *= np.cos(np.linspace(0, np.pi / 2, 320)) ** 2
            if len(a) < SR * 0.7 or not np.all(np.isfinite(a)):
                fails += 1
                continue
            a = a / (np.abs(a).max() + 1e-12) * 0.9
            var = voice.split("+")[-1] if eng == "espeak" else None
            split = "val" if spk in VAL_SPEAKERS or var in VAL_VARIANTS else "train"
            utts.append({"offset": offset, "length": len(a), "engine": eng, "voice": voice, "speaker": spk,
                         "lang": tl, "style": style, "params": prm, "fx": " ".join(fx), "split": split,
                         "text": text})
            audio.append(a)
            offset += len(a)
            got[eng] += len(a) / SR
            if len(utts) % 200 == 0:
                print(f"{len(utts)} utterances, " + ", ".join(f"{k} {v / 60:.1f} min" for k, v in got.items())
                      + f", {time.time() - t0:.0f} s", flush=True)
    t_tts = time.time() - t0
    x = np.concatenate(audio)
    blob = codec.encode(x, snr_db=args.snr_db)
    with open(os.path.join(args.out, "speech.spc"), "wb") as f:
        f.write(blob)
    y = codec.decode(blob)
    err = 10 * np.log10(np.sum(x ** 2) / np.sum((y - x) ** 2))

    def minutes(key):
        d = {}
        for u in utts:
            k = (u["split"], key(u))
            d[k] = d.get(k, 0.0) + u["length"] / SR / 60
        return {f"{s}:{k}": round(v, 2) for (s, k), v in sorted(d.items())}

    meta = {
        "version": 2, "seed": args.seed, "rate": SR,
        "speech": {"file": "speech.spc", "samples": int(len(x)), "codec_snr_db": round(float(err), 1),
                   "bytes": len(blob)},
        "minutes": {"total": round(len(x) / SR / 60, 2), "by_engine": minutes(lambda u: u["engine"]),
                    "by_style": minutes(lambda u: u["style"]), "by_split": minutes(lambda u: "all")},
        "speakers": {s: sorted(set(u["speaker"] for u in utts if u["split"] == s)) for s in ("train", "val")},
        "val_speakers": list(VAL_SPEAKERS), "val_variants": list(VAL_VARIANTS),
        "seconds_to_make": round(time.time() - t0, 1), "seconds_tts": round(t_tts, 1), "failed_utterances": fails,
        "recipe": "tools/train/make_data_v2.py (espeak-ng + mbrola, espeak-ng, flite, festival; sox)",
        "utterances": utts,
    }
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(meta, f, ensure_ascii=False)
    summary = {k: v for k, v in meta.items() if k not in ("utterances", "speakers")}
    summary["n_speakers"] = {k: len(v) for k, v in meta["speakers"].items()}
    summary["n_utterances"] = len(utts)
    print(json.dumps(summary, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()

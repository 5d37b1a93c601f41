#!/usr/bin/python3
"""Make the denoiser's real-speech set: noisy/clean WAV pairs, 48 kHz mono,
with recorded human talkers instead of TTS.

The validation set (make_valset.py) and every training corpus speak with
TTS engines, and candidate models rank differently on different synthetic
sets. This set keeps make_valset.py's noises, rooms, levels, SNRs, layout
and manifest (it imports them) and swaps the speech for studio recordings
of voice prompts from Debian's Asterisk packages:

  g722 (16 kHz wideband)  asterisk-core-sounds-{en,es,fr,it,ru}-g722:
                          Allison (US English and Mexican Spanish, the same
                          woman), June (Canadian French, f), Carlo
                          (Italian, m), IvrvoiceRU (Russian, f)
  8 kHz telephone band    asterisk-prompt-it-menardi-wav (Italian, f),
                          asterisk-prompt-es-co (July E. Jimenez, Colombian
                          Spanish, f), asterisk-prompt-fr-armelle (Armelle
                          Desjardins, French, f); GSM 06.10 except Menardi's
                          16-bit PCM

Each prompt is decoded with ffmpeg at its own rate, high-passed at 60 Hz
(Armelle's files open with a sub-50 Hz thump of -13 dBFS; the other talkers
lose nothing audible) and stripped of 10 ms at either end, resampled to
48 kHz, trimmed like make_valset.py's TTS (make_valset.trim), and kept only
when it passes the speech check below and lasts 1.5..6 s. The text column is
the prompt's name (the packages ship no transcripts).

Babble: four streams of OTHER prompt talkers (a talker's stream is its
prompts back to back; never the target utterance's person, so Allison's
Spanish never babbles under her English), instead of espeak-ng.

Speech check (no listening): no clipping, RMS above -40 dBFS, 10 ms frame
energies spanning at least 15 dB between their 10th and 95th percentiles (a
tone or steady noise does not), and a quietest 5 % of frames at least 15 dB
under the clip's RMS. The script prints each talker's figures.
"""
import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.signal import butter, resample_poly, sosfiltfilt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_valset import FS, finish, place, trim, write_pairs  # noqa: E402

REAL_SEED = 20261203

# (package, format, rate of its files, voice, person, language, gender).
# Voices of one person share a person name: babble never uses the target's.
VOICES = (
    ("asterisk-core-sounds-en-g722", "g722", 16000, "en_US_f_Allison", "Allison", "en-US", "f"),
    ("asterisk-core-sounds-es-g722", "g722", 16000, "es_MX_f_Allison", "Allison", "es-MX", "f"),
    ("asterisk-core-sounds-fr-g722", "g722", 16000, "fr_CA_f_June", "June", "fr-CA", "f"),
    ("asterisk-core-sounds-it-g722", "g722", 16000, "it_IT_m_Carlo", "Carlo", "it-IT", "m"),
    ("asterisk-core-sounds-ru-g722", "g722", 16000, "ru_RU_f_IvrvoiceRU", "IvrvoiceRU", "ru-RU",
     "f"),
    ("asterisk-prompt-it-menardi-wav", "wav", 8000, "it_IT_f_Menardi", "Menardi", "it-IT", "f"),
    ("asterisk-prompt-es-co", "gsm", 8000, "es_CO_f_July", "July", "es-CO", "f"),
    ("asterisk-prompt-fr-armelle", "gsm", 8000, "fr_FR_f_Armelle", "Armelle", "fr-FR", "f"),
)
# The target voice of each utterance, by name. Odd utterances get a room
# (make_valset.place), so each 16 kHz person is heard both dry and
# reverberant, and Carlo, the one man, twice.
UTTERANCES = ("en_US_f_Allison", "it_IT_m_Carlo", "fr_CA_f_June", "ru_RU_f_IvrvoiceRU",
              "it_IT_f_Menardi", "es_CO_f_July", "fr_FR_f_Armelle", "es_MX_f_Allison",
              "it_IT_m_Carlo")
BYTES_PER_S = {"g722": 8000, "gsm": 1650, "wav": 16000}
MIN_S, MAX_S = 1.5, 6.0
BABBLE_S = 15.0  # each babble stream; longer than the longest utterance


def prompt_files(package, fmt):
    """The package's prompts in its main folder (not digits/, letters/ ...),
    whose size says 1.5..7 s before trimming."""
    out = subprocess.run(["dpkg-query", "-L", package], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    files = [f for f in out if f.endswith("." + fmt) and os.path.isfile(f)]
    if not files:
        raise SystemExit("%s has no .%s prompts: is it installed?" % (package, fmt))
    dirs = [os.path.dirname(f) for f in files]
    top = max(set(dirs), key=dirs.count)
    return sorted(f for f, d in zip(files, dirs)
                  if d == top and MIN_S <= os.path.getsize(f) / BYTES_PER_S[fmt] <= 7.0)


def decode(path, fmt, rate):
    """A prompt as float64 at 48 kHz: DC and sub-60 Hz thumps removed, 10 ms
    dropped at either end (what is left of a thump's onset), trimmed."""
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error"]
    cmd += [] if fmt == "wav" else ["-f", fmt]
    cmd += ["-i", path, "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    x = np.frombuffer(raw, np.int16).astype(np.float64) / 32768.0
    clipped = int(np.sum(np.abs(x) >= 32767 / 32768))
    x = sosfiltfilt(butter(4, 60, "highpass", fs=rate, output="sos"), x)
    edge = rate // 100
    x = x[edge:-edge]
    return trim(resample_poly(x, FS // rate, 1)), clipped


def speech_figures(x):
    """(seconds, RMS dBFS, 10..95 % frame spread dB, floor dB under RMS)."""
    h = FS // 100
    e = 10 * np.log10(np.mean(x[: len(x) // h * h].reshape(-1, h) ** 2, axis=1) + 1e-12)
    rms = 10 * np.log10(np.mean(x**2) + 1e-12)
    return (len(x) / FS, rms, np.percentile(e, 95) - np.percentile(e, 10),
            np.percentile(e, 5) - rms)


def is_speech(fig, clipped):
    sec, rms, spread, floor = fig
    return clipped < 2 and MIN_S <= sec <= MAX_S and rms > -40 and spread >= 15 and floor <= -15


def gather(voice, rng, pool, n_targets):
    """n_targets clips of a voice for targets, then clips for its babble
    stream, in this seed's order of its files; prints the speech check."""
    package, fmt, rate, name = voice[:4]
    files = [str(f) for f in rng.permutation(prompt_files(package, fmt))]
    targets, babble, figs, tried = [], [], [], 0
    while tried < len(files) and (len(targets) < n_targets
                                  or sum(len(b) for _, b in babble) < BABBLE_S * FS):
        batch = files[tried: tried + 16]
        tried += len(batch)
        for f, (x, clipped) in zip(batch, pool.map(lambda f: decode(f, fmt, rate), batch)):
            fig = speech_figures(x)
            if not is_speech(fig, clipped):
                continue
            figs.append(fig)
            item = (os.path.splitext(os.path.basename(f))[0], x)
            (targets if len(targets) < n_targets else babble).append(item)
    if len(targets) < n_targets or not babble:
        raise SystemExit("%s: only %d usable prompts" % (name, len(figs)))
    m = np.median(np.array(figs), axis=0)
    print("%-20s %2d of %3d tried pass: median %.1f s, RMS %.0f dBFS, spread %.0f dB, "
          "floor %.0f dB under RMS" % (name, len(figs), tried, *m))
    return targets, babble


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "data", "realset"))
    ap.add_argument("--seed", type=int, default=REAL_SEED)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    names = [v[3] for v in VOICES]
    clips, streams = {}, {}
    with ThreadPoolExecutor(2) as pool:
        for v in VOICES:
            targets, babble = gather(v, rng, pool, UTTERANCES.count(v[3]))
            clips[v[3]] = targets
            streams.setdefault(v[4], []).extend(x for _, x in babble)
    streams = {p: np.concatenate(s) for p, s in streams.items()}

    for sub in ("clean", "noisy"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    rows, used = [], {}
    for u, name in enumerate(UTTERANCES):
        v = VOICES[names.index(name)]
        k = used.get(name, 0)
        used[name] = k + 1
        text, speech = clips[name][k]
        s, rt60 = place(rng, speech, u)
        babble = [streams[p] for p in sorted(streams) if p != v[4]]
        rows += write_pairs(args.out, rng, u, s, rt60, "asterisk-%s:%s" % (v[1], name), text,
                            babble)
    return finish(args.out, rng, rows)


if __name__ == "__main__":
    sys.exit(main())

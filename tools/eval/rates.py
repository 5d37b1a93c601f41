#!/usr/bin/python3
"""A denoiser at other host sample rates: the ssm-eval set's files resampled
to each rate (noisy and clean alike, metrics.resample_poly), run through a
command that keeps the file's rate, scored at that rate (SI-SDR improvement;
STOI change, which resamples to 10 kHz itself). The question it answers: does
running at 44.1 or 96 kHz (through the engine's libsamplerate bridge, for a
rate-bound model) cost anything against 48 kHz?

  rates.py --system NAME='CMD {in} {out}' [--rates 44100,48000,96000] [--every 6]
           [--set DIR] [--work DIR] [--markdown FILE]
"""
import argparse
import csv
import os
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import numpy as np
from scipy.io import wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics as M  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def read(path):
    fs, x = wavfile.read(path)
    return fs, (x / 32768.0 if x.dtype == np.int16 else x.astype(np.float64))


def write(path, fs, x):
    wavfile.write(path, fs, np.round(np.clip(x, -1, 32767 / 32768) * 32768).astype(np.int16))


def at_rate(x, fs):
    if fs == 48000:
        return x
    f = Fraction(fs, 48000)
    return M.resample_poly(x, f.numerator, f.denominator)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default=os.path.join(ROOT, "tools/eval/data/valset"))
    ap.add_argument("--system", required=True, metavar="NAME=CMD")
    ap.add_argument("--rates", default="44100,48000,96000")
    ap.add_argument("--every", type=int, default=6, help="every N-th noisy file")
    ap.add_argument("--work", default=os.path.join(ROOT, "tools/eval/data/rates"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--markdown", default=None)
    args = ap.parse_args()
    name, cmd = args.system.split("=", 1)
    with open(os.path.join(args.set, "manifest.csv")) as f:
        items = [r for r in csv.DictReader(f) if r["noise"] not in ("none", "silence")][:: args.every]
    rows = []
    for fs in (int(r) for r in args.rates.split(",")):
        d = os.path.join(args.work, str(fs))
        os.makedirs(d, exist_ok=True)

        def one(it):
            _, clean = read(os.path.join(args.set, "clean", it["id"] + ".wav"))
            _, noisy = read(os.path.join(args.set, "noisy", it["id"] + ".wav"))
            c, x = at_rate(clean, fs), at_rate(noisy, fs)
            src, dst = os.path.join(d, it["id"] + "-in.wav"), os.path.join(d, it["id"] + "-out.wav")
            write(src, fs, x)
            line = cmd.replace("{in}", shlex.quote(src)).replace("{out}", shlex.quote(dst))
            subprocess.run(["sh", "-c", line], check=True, stdout=subprocess.DEVNULL)
            ofs, y = read(dst)
            if ofs != fs:
                raise SystemExit(f"{dst}: rate {ofs}, want {fs}")
            lag = M.estimate_delay(c, y, int(0.05 * fs))
            y = M.align(y, lag)[: len(c)]
            if len(y) < len(c):
                y = np.concatenate([y, np.zeros(len(c) - len(y))])
            return (M.si_sdr(c, y) - M.si_sdr(c, x), M.stoi(c, y, fs) - M.stoi(c, x, fs), lag,
                    it["noise"])

        with ThreadPoolExecutor(args.jobs) as pool:
            res = list(pool.map(one, items))
        si = np.array([r[0] for r in res])
        st = np.array([r[1] for r in res])
        lags = [r[2] for r in res]
        rows.append((fs, float(si.mean()), float(si.min()), float(st.mean()), int(np.median(lags))))
        print(f"{fs} Hz: SI-SDRi {si.mean():+.2f} dB (worst file {si.min():+.2f}), "
              f"STOI {st.mean():+.3f}, residual delay {int(np.median(lags))} samples, {len(res)} files",
              flush=True)
    L = [f"{name}, {len(items)} noisy files of the ssm-eval set (every {args.every}th), resampled:", "",
         "| host rate | SI-SDR improvement | worst file | STOI change | residual delay in the file |",
         "|---|---|---|---|---|"]
    for fs, m, w, s, lag in rows:
        L.append(f"| {fs / 1000:g} kHz | {m:+.2f} dB | {w:+.2f} dB | {s:+.3f} | {lag} samples |")
    text = "\n".join(L) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()

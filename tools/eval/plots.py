#!/usr/bin/python3
"""Pictures of a denoiser evaluation (matplotlib, Debian's python3-matplotlib).

  plots.py charts --json RESULTS.json --out-dir DIR [--prefix NAME]
      per-SNR and per-noise bar charts (SI-SDR improvement and STOI change)
      of every system in an ssm-eval --json file: DIR/NAME-snr.png,
      DIR/NAME-noise.png
  plots.py spectrogram --out PNG --row LABEL=WAV [--row ...] [--title T]
      stacked spectrograms, one per row (noisy / denoised / clean, say),
      same colour scale, 0..12 kHz

WAVs are read with scipy; the spectrogram is a 1024-point Hann STFT at hop
256 in dB re full scale, floor -110 dB.
"""
import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from scipy.io import wavfile  # noqa: E402
from scipy.signal import stft  # noqa: E402


def read(path):
    fs, x = wavfile.read(path)
    if x.dtype == np.int16:
        x = x / 32768.0
    elif x.dtype == np.int32:
        x = x / 2147483648.0
    if x.ndim > 1:
        x = x[:, 0]
    return fs, x.astype(np.float64)


def spectrogram(args):
    rows = [r.split("=", 1) for r in args.row]
    fig, axes = plt.subplots(len(rows), 1, figsize=(9, 2.1 * len(rows) + 0.4), sharex=True,
                             squeeze=False)
    im = None
    for ax, (label, path) in zip(axes[:, 0], rows):
        fs, x = read(path)
        f, t, Z = stft(x, fs, window="hann", nperseg=1024, noverlap=768, boundary=None)
        S = 20 * np.log10(np.abs(Z) * 2 + 1e-12)  # scipy scales by the window sum: x2 -> peak dBFS
        keep = f <= args.fmax
        im = ax.pcolormesh(t, f[keep] / 1000, np.maximum(S[keep], -110), shading="auto",
                           cmap="magma", vmin=-110, vmax=-10)
        ax.set_ylabel("kHz")
        ax.set_title(label, fontsize=10, loc="left")
    axes[-1, 0].set_xlabel("s")
    if args.title:
        fig.suptitle(args.title, fontsize=11)
    fig.colorbar(im, ax=axes[:, 0].tolist(), label="dBFS", shrink=0.9)
    fig.savefig(args.out, dpi=args.dpi, bbox_inches="tight")
    print("wrote", args.out)


def charts(args):
    with open(args.json) as f:
        results = json.load(f)
    names = [r["name"] for r in results]
    os.makedirs(args.out_dir, exist_ok=True)
    for key, xlabel, fname in (("by_snr", "input SNR (dB)", "snr"), ("by_noise", "noise type", "noise")):
        cats = list(results[0]["summary"][key].keys())
        fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
        w = 0.8 / len(results)
        for metric, ax, ylabel in (("d_sisdr", axes[0], "SI-SDR improvement (dB)"),
                                   ("d_stoi", axes[1], "STOI change")):
            for i, r in enumerate(results):
                v = [r["summary"][key][c][metric] for c in cats]
                ax.bar(np.arange(len(cats)) + (i - (len(results) - 1) / 2) * w, v, w, label=r["name"])
            ax.axhline(0, color="k", lw=0.8)
            ax.set_xticks(np.arange(len(cats)))
            ax.set_xticklabels([str(c) for c in cats], rotation=0 if key == "by_snr" else 30)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.grid(axis="y", alpha=0.3)
        axes[0].legend(fontsize=8)
        fig.suptitle(args.title or f"denoisers on the ssm-eval set, per {xlabel.split(' (')[0]}",
                     fontsize=11)
        fig.tight_layout()
        out = os.path.join(args.out_dir, f"{args.prefix}-{fname}.png")
        fig.savefig(out, dpi=args.dpi)
        plt.close(fig)
        print("wrote", out, "systems:", ", ".join(names))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("charts")
    c.add_argument("--json", required=True)
    c.add_argument("--out-dir", required=True)
    c.add_argument("--prefix", default="denoise")
    c.add_argument("--title", default=None)
    c.add_argument("--dpi", type=int, default=90)
    s = sub.add_parser("spectrogram")
    s.add_argument("--out", required=True)
    s.add_argument("--row", action="append", required=True, metavar="LABEL=WAV")
    s.add_argument("--title", default=None)
    s.add_argument("--fmax", type=float, default=12000.0)
    s.add_argument("--dpi", type=int, default=90)
    args = ap.parse_args()
    charts(args) if args.cmd == "charts" else spectrogram(args)


if __name__ == "__main__":
    main()

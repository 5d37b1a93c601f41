#!/usr/bin/python3
"""Smoke check of tools/train/mixer.py on the CPU.

    /usr/bin/python3 tools/train/check_mixer.py [--data DIR]

Without --data it makes a tiny corpus (make_data_v2.py, make_music.py, about
a minute of CPU) in a temporary folder. Builds batches and asserts: shapes,
dtype, no NaN; SNRs measured from the outputs equal the ones asked for and
stay in range; levels in range; each kind does what it says (noise-only
targets are zero, digital silence before an onset is exact zeros, ...);
each noise family has its signature (keyboard/mouse/clicks/impacts have
transients, hum its harmonic peaks, traffic its low rumble, ...); synthetic
rooms decay at the RT60 asked for; the validation batches are the same
twice. Ends with 'N passed, N failed' and exits non-zero on a failure.
"""
import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mixer import FAM, FAMILIES, KIND, SR, Corpus, MixConfig, make_batch, make_valset, rir  # noqa: E402

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + (f": {detail}" if detail else ""), flush=True)


def frame_energy(x, n):
    T = x.shape[-1] // n * n
    return x[..., :T].reshape(*x.shape[:-1], -1, n).pow(2).mean(-1)


def band_fraction(x, lo, hi):
    P = torch.fft.rfft(x).abs().pow(2)
    f = torch.fft.rfftfreq(x.shape[-1], 1 / SR)
    return P[..., (f >= lo) & (f < hi)].sum(-1) / P.sum(-1)


def tonality(x):
    """Share of the power in bins 10x above their +-32 Hz neighbourhood's
    mean: near 0 for noise (exponential bins: e^-10), large for notes."""
    P = torch.fft.rfft(x).abs().pow(2)
    loc = torch.nn.functional.avg_pool1d(P.unsqueeze(1), 129, stride=1, padding=64, count_include_pad=False).squeeze(1)
    return (P * (P > 10 * loc)).sum(-1) / P.sum(-1)


def transients(x):
    """Events per second: 2 ms frames louder than 30x the median frame, counted once per rise."""
    e = frame_energy(x, 96)
    hot = e > 30 * e.median(-1, keepdim=True).values
    rises = (hot[..., 1:] & ~hot[..., :-1]).sum(-1).float()
    return rises / (x.shape[-1] / SR)


def make_tiny(d):
    here = os.path.dirname(os.path.abspath(__file__))
    t0 = time.time()
    subprocess.run([sys.executable, os.path.join(here, "make_data_v2.py"), "--out", d, "--minutes", "0.8",
                    "--seed", "7", "--val-share", "0.35"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, os.path.join(here, "make_music.py"), "--out", d, "--minutes", "0.8",
                    "--val-share", "0.3", "--seed", "7"], check=True, stdout=subprocess.DEVNULL)
    print(f"tiny corpus made in {time.time() - t0:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data")
    ap.add_argument("--batch", type=int, default=24)
    args = ap.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as td:
        data = args.data
        if not data:
            make_tiny(td)
            data = td
        t0 = time.time()
        corpus = Corpus.load(data, "cpu")
        print(f"corpus: train {corpus.minutes('train'):.2f} min, val {corpus.minutes('val'):.2f} min, "
              f"music {', '.join(k for k in corpus.music)}; loaded in {time.time() - t0:.1f} s", flush=True)
        run_checks(corpus, args.batch)
    n_ok = sum(results)
    print(f"{n_ok} passed, {len(results) - n_ok} failed")
    return 0 if n_ok == len(results) else 1


def run_checks(corpus, B):
    T = 2 * SR
    gen = torch.Generator()
    gen.manual_seed(11)

    # 0. The corpus speech itself: no DC offset or rumble (some TTS voices have them; the maker removes them).
    sp = corpus.speech["train"][: 60 * SR]
    lf = float(band_fraction(sp, 0, 40))
    check("corpus speech: under 1 % of its power below 40 Hz", lf < 0.01, f"{100 * lf:.3f} %")

    # 1. A default batch.
    t0 = time.time()
    x, s, info = make_batch(corpus, gen, B, T)
    dt = time.time() - t0
    check("shapes", x.shape == (B, T) and s.shape == (B, T) and info["vad"].shape == (B, T),
          f"{tuple(x.shape)}, {dt:.2f} s for {B} x 2 s on one CPU thread")
    check("float32, finite", x.dtype == torch.float32 and bool(torch.isfinite(x).all() & torch.isfinite(s).all()))
    check("input within full scale", float(x.abs().max()) <= 1.0 + 1e-6, f"peak {float(x.abs().max()):.3f}")
    check("every family code valid", bool(((info["family"] >= -1) & (info["family"] < len(FAMILIES))).all()))

    # 2. SNR as asked, measured on the output (no clipping, no channel filter).
    cfg = MixConfig(p_clip=0.0, p_overload=0.0, p_highpass=0.0, p_lowpass=0.0)
    x, s, info = make_batch(corpus, gen, 64, T, cfg=cfg, kind="mix")
    n = x - s
    vad = info["vad"].float()
    meas = 10 * torch.log10((s.pow(2) * vad).sum(-1) / vad.sum(-1).clamp(min=1) / n.pow(2).mean(-1))
    ok = torch.isfinite(info["snr"])
    err = (meas - info["snr"])[ok].abs().max()
    check("measured SNR equals the requested SNR", float(err) < 0.05, f"max error {float(err):.4f} dB over {int(ok.sum())} items")
    lo, hi = float(meas[ok].min()), float(meas[ok].max())
    check("SNRs within -5..25 dB and spread over it", lo >= -5.05 and hi <= 25.05 and lo < 3 and hi > 17,
          f"{lo:.1f}..{hi:.1f} dB, median {float(meas[ok].median()):.1f}")
    lvl = 20 * torch.log10(x.pow(2).mean(-1).sqrt())
    check("levels within -45..-10 dBFS (lower only where a peak forced it)",
          float(lvl.max()) <= -10 + 0.01 and float(lvl.min()) >= -70, f"{float(lvl.min()):.1f}..{float(lvl.max()):.1f} dBFS")
    x, s, info = make_batch(corpus, gen, 8, T, cfg=cfg, kind="mix", snr=torch.tensor([-5.0, 0, 5, 10, 15, 20, 25, 3]))
    vad = info["vad"].float()
    meas = 10 * torch.log10((s.pow(2) * vad).sum(-1) / vad.sum(-1) / (x - s).pow(2).mean(-1))
    check("fixed SNRs", float((meas - info["snr"]).abs().max()) < 0.05, " ".join(f"{v:.2f}" for v in meas.tolist()))

    # 3. Kinds.
    x, s, info = make_batch(corpus, gen, 8, T, kind="noise")
    check("noise-only: target zero, input live", bool((s == 0).all()) and bool((x.pow(2).mean(-1) > 1e-9).all()))
    lvl = 20 * torch.log10(x.pow(2).mean(-1).sqrt())
    check("noise-only levels -60..-15 dBFS", float(lvl.min()) > -60.1 and float(lvl.max()) < -14.9,
          f"{float(lvl.min()):.1f}..{float(lvl.max()):.1f}")
    x, s, info = make_batch(corpus, gen, 4, T, kind="silence")
    check("silence: zeros in and out", bool((x == 0).all() & (s == 0).all()))
    x, s, info = make_batch(corpus, gen, 4, T, kind="floor")
    lvl = 20 * torch.log10(x.pow(2).mean(-1).sqrt())
    check("floor: -100..-70 dBFS in, zeros out", bool((s == 0).all()) and float(lvl.min()) > -100.5 and float(lvl.max()) < -69.5,
          f"{float(lvl.min()):.1f}..{float(lvl.max()):.1f}")
    x, s, info = make_batch(corpus, gen, 16, T, kind="onset")
    on, st = info["onset"], info["speech_start"]
    silent = all(bool((x[b, : on[b]] == 0).all()) and bool((s[b, : st[b]] == 0).all()) for b in range(16))
    live = all(float(x[b, on[b]: on[b] + SR // 100].abs().max()) > 0 for b in range(16))
    lag = st - on
    with_word = (lag >= 0) & (lag <= SR // 50)  # a word with the sound (p_onset_speech_at)
    check("onset: exact digital silence before, noise right after, speech 50 ms or more after it or "
          "starting with it",
          silent and live and bool(((lag >= SR // 20) | with_word).all()) and bool((on > 0).all()),
          f"onsets {(on.float() / SR).min():.2f}..{(on.float() / SR).max():.2f} s, {int((s.abs().sum(-1) > 0).sum())}/16 "
          f"with speech, {int(with_word.sum())} starting with it")
    x, s, info = make_batch(corpus, gen, 8, T, cfg=MixConfig(**{**cfg.__dict__, "p_room": 0.0, "p_clean_floor": 0.0}),
                            kind="clean")
    check("clean: input equals target", float((x - s).abs().max()) < 1e-6 and bool((s.abs().sum(-1) > 0).all()))
    x, s, info = make_batch(corpus, gen, 8, T, cfg=MixConfig(**{**cfg.__dict__, "p_room": 0.0, "p_clean_floor": 1.0}),
                            kind="clean")
    fl = 10 * torch.log10((x - s).pow(2).mean(-1))
    under = 10 * torch.log10(s.pow(2).mean(-1)) - fl
    check("clean over a floor: the floor is white, 45..75 dB under the speech and at most -70 dBFS; the target "
          "the speech", bool((fl < -69.9).all()) and bool((under > 44).all()) and bool((s.abs().sum(-1) > 0).all()),
          f"floor {float(fl.min()):.1f}..{float(fl.max()):.1f} dBFS, {float(under.min()):.1f}..{float(under.max()):.1f} dB under")
    act = info["vad"]
    ratio = float(s.abs()[act].mean()) / float(s.abs()[~act].mean() + 1e-12)
    check("vad marks the speech", ratio > 5, f"mean |speech| inside / outside {ratio:.1f}")

    # 4. Noise families: their own signatures (no room, no EQ: the raw generator).
    raw = MixConfig(p_noise_room=0.0, noise_eq_db=0.0, p_highpass=0.0, p_lowpass=0.0, p_clip=0.0, p_overload=0.0)
    fam = {}
    for f in FAMILIES:
        x, s, info = make_batch(corpus, gen, 8, T, cfg=raw, kind="noise", families=torch.full((8,), FAM[f]))
        fam[f] = x
        check(f"{f}: finite, live, labelled", bool(torch.isfinite(x).all()) and bool((x.pow(2).mean(-1) > 0).all())
              and bool((info["family"][:, 0] == FAM[f]).all() & (info["family"][:, 1] == -1).all()))
    for f in ("keyboard", "mouse", "clicks", "impacts"):
        r = transients(fam[f])
        crest = fam[f].abs().amax(-1) / fam[f].pow(2).mean(-1).sqrt()
        check(f"{f} has transients", float(r.median()) >= 1.0 and float(crest.median()) > 6,
              f"median {float(r.median()):.1f} events/s, crest {float(crest.median()):.1f}")
    r = transients(fam["keyboard"])
    check("keyboard typing rate 2..25 keys/s", 2 <= float(r.median()) <= 25, f"{float(r.median()):.1f}/s")
    for f in ("colored", "fan", "hum"):
        crest = fam[f].abs().amax(-1) / fam[f].pow(2).mean(-1).sqrt()
        check(f"{f} has no transients", float(crest.max()) < 6, f"crest max {float(crest.max()):.1f}")
    # Hum: nearly all power on the harmonics of 50 or 60 Hz, peaks far above the gaps.
    P = torch.fft.rfft(fam["hum"]).abs().pow(2)
    fr = torch.fft.rfftfreq(T, 1 / SR)
    good = []
    for b in range(8):
        best = 0.0
        for f0 in torch.cat([torch.arange(49.7, 50.3, 0.02), torch.arange(59.7, 60.3, 0.02)]).tolist():
            k = torch.round(fr / f0).clamp(min=1)
            near = ((fr - k * f0).abs() < 1.6) & (k <= 40) & (fr > 10)
            gaps = ((fr - k * f0).abs() > f0 * 0.3) & (fr < 2000)
            frac = float(P[b, near].sum() / P[b].sum())
            if frac > best:
                contrast = 10 * math.log10(float(P[b, near].mean() / P[b, gaps].mean()))
                best = frac if contrast > 25 else best
        good.append(best)
    check("hum: power on 50/60 Hz harmonics, peaks > 25 dB over the gaps", min(good) > 0.9,
          "harmonic power share " + " ".join(f"{g:.3f}" for g in good))
    lf = band_fraction(fam["traffic"], 0, 500)
    check("traffic: rumble (most power below 500 Hz)", float(lf.min()) > 0.6, f"min share {float(lf.min()):.2f}")
    lf = band_fraction(fam["fan"], 0, 5000)
    cv = frame_energy(fam["fan"], 2400).std(-1) / frame_energy(fam["fan"], 2400).mean(-1)
    check("fan: below 5 kHz and steady", float(lf.min()) > 0.8 and float(cv.max()) < 0.6,
          f"share {float(lf.min()):.2f}, energy CV {float(cv.max()):.2f}")
    e = frame_energy(fam["colored"], 9600)  # 200 ms: brown noise wanders at shorter scales
    cv = e.std(-1) / e.mean(-1)
    check("colored: steady", float(cv.max()) < 0.6, f"energy CV over 200 ms frames {float(cv.max()):.2f}")
    e = frame_energy(fam["bursts"], 2400)
    ratio = 10 * torch.log10(e.quantile(0.9, -1) / e.quantile(0.1, -1))
    check("bursts: switch on and off (p90/p10 frame energy > 10 dB)", float(ratio.min()) > 10, f"min {float(ratio.min()):.1f} dB")
    sb = band_fraction(fam["babble"], 50, 8000)
    check("babble: in the speech band (50 Hz..8 kHz)", float(sb.min()) > 0.95, f"min share {float(sb.min()):.3f}")
    e = frame_energy(fam["babble"], 2400)
    cv = e.std(-1) / e.mean(-1)
    check("babble: fluctuates like speech, more than steady noise", float(cv.median()) > 0.25, f"energy CV median {float(cv.median()):.2f}")
    tm, tc = tonality(fam["music"]), tonality(fam["colored"])
    # The noise's median, not its max: on the steepest colours (1/f^2.2) one
    # low bin can hold a few % of the power and pass for a peak by chance.
    check("music: tonal (power in spectral peaks), noise not", float(tm.median()) > 0.2 and float(tc.median()) < 0.02,
          f"peak power share: music median {float(tm.median()):.2f}, coloured noise median {float(tc.median()):.4f} "
          f"(max {float(tc.max()):.4f})")

    # 5. Rooms decay at the RT60 asked for (Schroeder integral, -5..-25 dB fit, low band).
    errs = []
    for target in (0.2, 0.5, 0.8):
        h, r60 = rir(gen, 6, (target, target), (0.0, 0.0), return_params=True)
        # Gaussian low-pass (a brick wall's sinc ringing would floor the decay curve near -25 dB).
        n4 = 2 * h.shape[-1]
        lowp = torch.fft.irfft(torch.fft.rfft(h, n=n4) * torch.exp(-(torch.fft.rfftfreq(n4, 1 / SR) / 500) ** 2), n=n4)
        lowp = lowp[:, : h.shape[-1]]
        edc = torch.flip(torch.cumsum(torch.flip(lowp.pow(2), [-1]), -1), [-1])
        edc = 10 * torch.log10(edc / edc[:, :1])
        for b in range(6):
            i5 = int((edc[b] > -5).sum())
            i25 = int((edc[b] > -25).sum())
            errs.append((3 * (i25 - i5) / SR) / target - 1)
    check("room RT60 as asked (low band, within 30 %)", max(abs(e) for e in errs) < 0.3,
          f"relative errors {min(errs):+.2f}..{max(errs):+.2f}")

    # 6. Fixed validation batches: same twice, voice-disjoint split, every family labelled.
    v1 = make_valset(corpus, B=4, T=SR)
    v2 = make_valset(corpus, B=4, T=SR)
    same = all(bool(torch.equal(v1[k][0], v2[k][0]) and torch.equal(v1[k][1], v2[k][1])) for k in v1)
    check("validation batches identical on rebuild", same, f"{len(v1)} sets: " + ", ".join(v1))
    check("validation has every family set",
          all(bool((v1[f"family:{f}"][2]["family"][:, 0] == FAM[f]).all()) for f in FAMILIES))
    check("validation kinds", bool((v1["onset"][2]["kind"] == KIND["onset"]).all()) and bool((v1["noise"][1] == 0).all()))
    vu = [u for u in corpus.meta.get("speakers", {}).get("val", [])]
    tu = corpus.meta.get("speakers", {}).get("train", [])
    check("validation speakers are not training speakers", len(vu) > 0 and not set(vu) & set(tu),
          f"{len(vu)} val, {len(tu)} train speakers")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Checks of the benchmark metrics on synthetic signals with known answers.

Run by the test suite (suite tools) and by hand:
    /usr/bin/python3 tools/eval/selfcheck.py
Each line says what was compared and by how much it differed; the exit
status is the number of failed checks. Needs numpy only (scipy, when it is
there, adds a comparison of the resampler against scipy's).
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics as M  # noqa: E402

failures = 0


def check(what, got, want, tol):
    global failures
    err = abs(got - want)
    ok = err <= tol
    failures += not ok
    print("%-4s %-58s got %-12.6g want %-12.6g |diff| %.3g (tol %.1g)"
          % ("ok" if ok else "FAIL", what, got, want, err, tol))


def check_true(what, cond, detail):
    global failures
    failures += not cond
    print("%-4s %-58s %s" % ("ok" if cond else "FAIL", what, detail))


def speech_like(rng, fs, seconds):
    """A voiced, syllable-modulated signal with silent gaps: harmonics of a
    gliding 120..220 Hz pitch through two formant-like resonances, switched
    on and off at about 4 syllables per second."""
    n = int(fs * seconds)
    t = np.arange(n) / fs
    f0 = 170 + 50 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / fs
    x = np.zeros(n)
    for h in range(1, 30):
        fh = h * f0
        gain = np.exp(-((fh - 600) / 300) ** 2) + 0.5 * np.exp(-((fh - 1800) / 500) ** 2) + 0.05
        x += gain * np.sin(h * phase) * (fh < fs / 2)
    syll = np.clip(np.sin(2 * np.pi * 4.0 * t + 2 * np.sin(2 * np.pi * 0.9 * t)), 0, None)
    gate = (np.sin(2 * np.pi * 0.45 * t) > -0.6).astype(float)
    return x * syll * gate + 1e-4 * rng.standard_normal(n)


def main():
    rng = np.random.default_rng(12345)
    fs = 16000

    # SI-SDR: with n zero-mean and orthogonal to s, est = a s + n has
    # target a s and error n exactly, so SI-SDR = 10 log10(a^2 |s|^2 / |n|^2).
    s = rng.standard_normal(fs)
    s -= s.mean()
    n = rng.standard_normal(fs)
    n -= n.mean()
    n -= np.dot(n, s) / np.dot(s, s) * s
    for a, k in ((0.5, 0.3), (2.0, 1.0), (1.0, 0.01)):
        est = a * s + k * n
        want = 10 * np.log10(a * a * np.dot(s, s) / (k * k * np.dot(n, n)))
        check("si_sdr(s, %g s + %g n) analytic" % (a, k), M.si_sdr(s, est), want, 1e-9)
    est = 0.7 * s + 0.2 * n
    check("si_sdr scale invariance (x 1e-3)", M.si_sdr(s, 1e-3 * est), M.si_sdr(s, est), 1e-9)
    check("si_sdr offset invariance (+0.5)", M.si_sdr(s, est + 0.5), M.si_sdr(s, est), 1e-9)

    # segSNR: an error of 0.1 s in every frame is 20 dB in every frame; a
    # huge error hits the -10 dB floor, an identical signal the 35 dB cap.
    check("seg_snr(s, 1.1 s) = 20 dB", M.seg_snr(s, 1.1 * s, fs), 20.0, 1e-9)
    check("seg_snr floor", M.seg_snr(s, s + 1e3 * n, fs), -10.0, 1e-9)
    check("seg_snr cap", M.seg_snr(s, s, fs), 35.0, 1e-9)

    # Resampler: scipy's resample_poly is the reference where available.
    x = rng.standard_normal(4801)
    y = M.resample_poly_np(x, 10000, 48000)
    check("resample_poly 48k->10k length", len(y), 1001, 0)
    try:
        from scipy.signal import resample_poly as ref_rp
    except ImportError:
        print("skip resample_poly vs scipy (no scipy)")
    else:
        for up, down in ((10000, 48000), (10000, 44100), (48000, 22050)):
            d = np.max(np.abs(M.resample_poly_np(x, up, down) - ref_rp(x, up, down)))
            check("resample_poly(%d, %d) vs scipy max |diff|" % (up, down), d, 0.0, 1e-12)

    # STOI: identical signals score 1 (any gain), noise alone scores low,
    # and the score rises with SNR.
    fs = 48000
    clean = speech_like(rng, fs, 2.0)
    check("stoi(x, x) = 1", M.stoi(clean, clean, fs), 1.0, 1e-9)
    check("stoi(x, 0.01 x) = 1 (gain invariant)", M.stoi(clean, 0.01 * clean, fs), 1.0, 1e-9)
    noise = rng.standard_normal(len(clean))
    p_clean = np.mean(clean**2)
    noise_only = M.stoi(clean, noise, fs)
    # Taal et al. report about 0.4 and below for unintelligible mixtures;
    # noise alone stays above 0 because clipping keeps some clean envelope.
    check_true("stoi(x, noise) < 0.45", noise_only < 0.45, "got %.4f" % noise_only)
    scores = []
    for snr in (-15, -10, -5, 0, 5, 10, 20):
        k = np.sqrt(p_clean / np.mean(noise**2) * 10 ** (-snr / 10))
        scores.append(M.stoi(clean, clean + k * noise, fs))
    rising = all(b > a for a, b in zip(scores, scores[1:]))
    check_true("stoi rises with SNR -15..20 dB", rising, " ".join("%.3f" % v for v in scores))
    check_true("stoi at 20 dB SNR > 0.95", scores[-1] > 0.95, "got %.4f" % scores[-1])

    # Delay: a copy delayed by 123 samples, in noise, is found at lag 123,
    # and one that leads by 40 samples at lag -40.
    for lag in (123, -40, 0):
        est = np.roll(clean, lag) + 0.3 * np.sqrt(p_clean) * noise
        check("estimate_delay finds %d" % lag, M.estimate_delay(clean, est, 2400), lag, 0)
    e = M.align(np.roll(clean, 123), 123)
    check("align(delay 123) keeps the length", len(e), len(clean), 0)
    check("align(delay 123) then si_sdr > 100 dB", min(M.si_sdr(clean[:-200], e[:-200]), 100.0),
          100.0, 1e-9)
    e = M.align(np.roll(clean, -40), -40)
    check("align(delay -40) then si_sdr > 100 dB", min(M.si_sdr(clean[200:], e[200:]), 100.0),
          100.0, 1e-9)

    print("%d failed" % failures)
    return failures


if __name__ == "__main__":
    sys.exit(main())

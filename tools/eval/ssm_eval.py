#!/usr/bin/python3
"""ssm-eval: score denoiser commands over a folder of noisy/clean pairs.

    ssm_eval.py --set DIR --system NAME='CMD {in} {out}' [--system ...]
                [--baselines] [--markdown FILE] [--jobs N]

DIR holds clean/ID.wav, noisy/ID.wav and manifest.csv (tools/eval/
make_valset.py makes one). Every system runs once per noisy file through
`sh -c` with {in} and {out} replaced by quoted paths; its output must be a
48 kHz mono WAV. --baselines adds speexdsp (tools/eval/baselines/speex-denoise)
and RNNoise (node tools/eval/baselines/rnnoise-denoise.mjs).

What it reports, per system:
  delay     cross-correlation lag of the output behind the clean reference
            on every speech file (search +-50 ms); the system's delay is the
            median, and every output is shifted back by it (zero-filled at
            the end) before scoring over the whole clip, like the input.
  SI-SDRi   SI-SDR(output, clean) - SI-SDR(input, clean); likewise STOI
            change and segSNR change. Means per SNR, per noise type and over
            all noisy files.
  clean-in  SI-SDR and STOI of the output for clean input (no noise): a
            system that leaves clean speech alone scores high SI-SDR, STOI 1.
  silence   output level (dBFS RMS) for digital silence and a -80 dBFS
            noise floor in.
  CPU       user+sys time of the command (including its children) over audio
            duration: per-file runs (start-up included), and a steady-state
            figure from one long file with the start-up cost of a 0.1 s file
            subtracted.
"""
import argparse
import csv
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
from scipy.io import wavfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics as M  # noqa: E402

FS = 48000
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def read(path):
    fs, x = wavfile.read(path)
    if fs != FS:
        raise SystemExit("%s: sample rate %d, want %d" % (path, fs, FS))
    if x.ndim != 1:
        raise SystemExit("%s: %d channels, want mono" % (path, x.shape[1]))
    if x.dtype == np.int16:
        return x / 32768.0
    if x.dtype == np.int32:
        return x / 2147483648.0
    return x.astype(np.float64)


def write(path, x):
    wavfile.write(path, FS, np.round(np.clip(x, -1, 32767 / 32768) * 32768).astype(np.int16))


def run_cmd(cmd, src, dst):
    """Run one command; return (cpu seconds, wall seconds, error or None)."""
    line = cmd.replace("{in}", shlex.quote(src)).replace("{out}", shlex.quote(dst))
    t0 = time.monotonic()
    p = subprocess.Popen(["sh", "-c", line], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    if p.returncode != 0 or not os.path.exists(dst):
        return 0.0, wall, "exit %d: %s: %s" % (p.returncode, line, err.decode(errors="replace")[-400:])
    return ru.ru_utime + ru.ru_stime, wall, None


def run_system(name, cmd, items, set_dir, work, jobs):
    out_dir = os.path.join(work, name)
    os.makedirs(out_dir, exist_ok=True)

    def one(it):
        return run_cmd(cmd, os.path.join(set_dir, "noisy", it["id"] + ".wav"),
                       os.path.join(out_dir, it["id"] + ".wav"))

    t0 = time.monotonic()
    with ThreadPoolExecutor(jobs) as pool:
        res = list(pool.map(one, items))
    errs = [e for _, _, e in res if e]
    if errs:
        raise SystemExit("%s failed on %d of %d files; first: %s" % (name, len(errs), len(res),
                                                                      errs[0]))
    cpu = sum(c for c, _, _ in res)
    print("  %s: ran %d files in %.1f s wall, %.1f s CPU" % (name, len(items),
                                                            time.monotonic() - t0, cpu))
    return out_dir, cpu


def steady_cpu(name, cmd, set_dir, items, work, seconds):
    """CPU x realtime on one long file, less the start-up cost."""
    parts, total = [], 0
    for it in items:
        if it["noise"] in ("none", "silence"):
            continue
        x = read(os.path.join(set_dir, "noisy", it["id"] + ".wav"))
        parts.append(x)
        total += len(x)
        if total >= seconds * FS:
            break
    long_in = os.path.join(work, "cpu-long.wav")
    short_in = os.path.join(work, "cpu-short.wav")
    write(long_in, np.concatenate(parts)[: int(seconds * FS)])
    write(short_in, parts[0][: FS // 10])
    out = os.path.join(work, "cpu-out.wav")
    short = min(run_cmd(cmd, short_in, out)[0] for _ in range(3))
    long_cpu, _, err = run_cmd(cmd, long_in, out)
    if err:
        raise SystemExit("%s failed on the CPU file: %s" % (name, err))
    return max(long_cpu - short, 0.0) / (seconds - 0.1), short


def load_pair(set_dir, out_dir, id_):
    clean = read(os.path.join(set_dir, "clean", id_ + ".wav"))
    noisy = read(os.path.join(set_dir, "noisy", id_ + ".wav"))
    out = read(os.path.join(out_dir, id_ + ".wav"))
    if len(out) < len(clean):
        out = np.concatenate([out, np.zeros(len(clean) - len(out))])
    return clean, noisy, out[: len(clean)]


def delay_job(args):
    set_dir, out_dir, id_, max_lag = args
    clean, _, out = load_pair(set_dir, out_dir, id_)
    return M.estimate_delay(clean, out, max_lag)


def input_job(args):
    """Scores of the unprocessed input, shared by every system."""
    set_dir, it = args
    clean = read(os.path.join(set_dir, "clean", it["id"] + ".wav"))
    noisy = read(os.path.join(set_dir, "noisy", it["id"] + ".wav"))
    return it["id"], dict(sisdr_in=M.si_sdr(clean, noisy), stoi_in=M.stoi(clean, noisy, FS),
                          segsnr_in=M.seg_snr(clean, noisy, FS),
                          rms_in=float(np.mean(noisy**2)))


def score_job(args):
    set_dir, out_dir, it, delay, inp = args
    clean, noisy, out = load_pair(set_dir, out_dir, it["id"])
    r = dict(id=it["id"], noise=it["noise"], snr=it["snr_db"])
    if it["noise"] == "silence":
        r["out_dbfs"] = 10 * np.log10(np.mean(out**2) + 1e-20)
        return r
    est = M.align(out, delay)
    r["sisdr"] = M.si_sdr(clean, est)
    r["stoi"] = M.stoi(clean, est, FS)
    r["segsnr"] = M.seg_snr(clean, est, FS)
    r["level_db"] = 10 * np.log10((np.mean(est**2) + 1e-20) / (inp["rms_in"] + 1e-20))
    if it["noise"] != "none":
        r.update(sisdr_in=inp["sisdr_in"], stoi_in=inp["stoi_in"], segsnr_in=inp["segsnr_in"])
    return r


def score_inputs(set_dir, items, jobs):
    speech = [it for it in items if it["noise"] != "silence"]
    with ProcessPoolExecutor(jobs) as pool:
        return dict(pool.map(input_job, [(set_dir, it) for it in speech], chunksize=8))


def score_system(name, out_dir, set_dir, items, jobs, max_lag, inputs):
    speech = [it for it in items if it["noise"] != "silence"]
    with ProcessPoolExecutor(jobs) as pool:
        lags = list(pool.map(delay_job, [(set_dir, out_dir, it["id"], max_lag) for it in speech],
                             chunksize=8))
        delay = int(np.median(lags))
        agree = np.mean(np.abs(np.array(lags) - delay) <= 1)
        rows = list(pool.map(score_job, [(set_dir, out_dir, it, delay, inputs.get(it["id"]))
                                         for it in items], chunksize=8))
    return dict(name=name, delay=delay, delay_agree=float(agree), rows=rows)


def mean_of(rows, key):
    v = [r[key] for r in rows if key in r]
    return float(np.mean(v)) if v else float("nan")


def summarize(res):
    noisy = [r for r in res["rows"] if "sisdr_in" in r]
    for r in noisy:
        r["d_sisdr"] = r["sisdr"] - r["sisdr_in"]
        r["d_stoi"] = r["stoi"] - r["stoi_in"]
        r["d_segsnr"] = r["segsnr"] - r["segsnr_in"]
    s = dict(sisdri=mean_of(noisy, "d_sisdr"), d_stoi=mean_of(noisy, "d_stoi"),
             d_segsnr=mean_of(noisy, "d_segsnr"))
    by_snr, by_noise = {}, {}
    for r in noisy:
        by_snr.setdefault(int(r["snr"]), []).append(r)
        by_noise.setdefault(r["noise"], []).append(r)
    s["by_snr"] = {k: {m: mean_of(v, m) for m in ("d_sisdr", "d_stoi", "d_segsnr", "sisdr_in",
                                                   "stoi_in", "segsnr_in")}
                   for k, v in sorted(by_snr.items())}
    s["by_noise"] = {k: {m: mean_of(v, m) for m in ("d_sisdr", "d_stoi", "d_segsnr", "sisdr_in",
                                                     "stoi_in", "segsnr_in")}
                     for k, v in by_noise.items()}
    s["worst_snr_sisdri"] = min(v["d_sisdr"] for v in s["by_snr"].values())
    clean = [r for r in res["rows"] if r["noise"] == "none"]
    s["clean_sisdr"] = mean_of(clean, "sisdr")
    s["clean_stoi"] = mean_of(clean, "stoi")
    s["clean_level"] = mean_of(clean, "level_db")
    sil = {r["id"]: r["out_dbfs"] for r in res["rows"] if r["noise"] == "silence"}
    s["silence"] = sil
    res["summary"] = s
    return s


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return "%s, %d cores visible, %s %s" % (model or platform.processor(), os.cpu_count(),
                                           platform.system(), platform.release())


def fmt(v, nd=1, sign=True):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    return ("%+.*f" if sign else "%.*f") % (nd, v)


def markdown(results, set_desc, n_files, seconds):
    L = []
    L.append("Validation set: %s (%d files, %.0f s of audio). Machine: %s. Date: %s." % (
        set_desc, n_files, seconds, machine(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    L.append("")
    L.append("| system | SI-SDR improvement | STOI change | segSNR change | worst SNR bin SI-SDRi "
             "| clean in: SI-SDR / STOI / level | silence in: out dBFS (zero / -80 dBFS floor) "
             "| CPU (one core, x realtime) | delay |")
    L.append("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        s = r["summary"]
        sil = s["silence"]
        L.append("| %s | %s dB | %s | %s dB | %s dB | %s dB / %s / %s dB | %s / %s "
                 "| %s (%s per file) "
                 "| %.1f ms (%d samples, %.0f %% of files) |" % (
                     r["name"], fmt(s["sisdri"], 2), fmt(s["d_stoi"], 3), fmt(s["d_segsnr"], 2),
                     fmt(s["worst_snr_sisdri"], 2), fmt(s["clean_sisdr"], 1, False),
                     fmt(s["clean_stoi"], 3, False), fmt(s["clean_level"], 1),
                     fmt(sil.get("silence_zero"), 1, False),
                     fmt(sil.get("silence_floor"), 1, False), fmt(r["xrt"], 4, False),
                     fmt(r["xrt_file"], 4, False),
                     1000 * r["delay"] / FS, r["delay"], 100 * r["delay_agree"]))
    for key, title, label in (("by_snr", "Per input SNR", "SNR dB"),
                              ("by_noise", "Per noise type", "noise")):
        L.append("")
        L.append("%s: each system's cell is SI-SDR improvement dB / STOI change / segSNR change dB;"
                 " the input columns are the unprocessed scores." % title)
        L.append("")
        L.append("| %s | input SI-SDR | input STOI | input segSNR | %s |" % (
            label, " | ".join(r["name"] for r in results)))
        L.append("|---|---|---|---|%s" % ("---|" * len(results)))
        keys = list(results[0]["summary"][key].keys())
        for k in keys:
            b = results[0]["summary"][key][k]
            cells = []
            for r in results:
                v = r["summary"][key][k]
                cells.append("%s / %s / %s" % (fmt(v["d_sisdr"]), fmt(v["d_stoi"], 3),
                                               fmt(v["d_segsnr"])))
            L.append("| %s | %s | %s | %s | %s |" % (k, fmt(b["sisdr_in"], 1, False),
                                                     fmt(b["stoi_in"], 3, False),
                                                     fmt(b["segsnr_in"], 1, False),
                                                     " | ".join(cells)))
    return "\n".join(L) + "\n"


def main():
    ap = argparse.ArgumentParser(description="Score denoiser commands on noisy/clean pairs.")
    ap.add_argument("--set", default=os.path.join(ROOT, "tools/eval/data/valset"))
    ap.add_argument("--system", action="append", default=[], metavar="NAME=CMD",
                    help="a denoiser: CMD with {in} and {out} (repeatable)")
    ap.add_argument("--baselines", action="store_true", help="add speexdsp and RNNoise")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--work", default=os.path.join(ROOT, "tools/eval/data/eval"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--cpu-seconds", type=float, default=60.0)
    ap.add_argument("--max-delay-ms", type=float, default=50.0)
    ap.add_argument("--limit", type=int, default=0, help="score only every N-th file (quick look)")
    ap.add_argument("--reuse-outputs", action="store_true",
                    help="score the outputs already in --work without running (no CPU figures)")
    ap.add_argument("--markdown", help="also write the tables to this file")
    ap.add_argument("--json", help="write per-file results here")
    args = ap.parse_args()

    systems = []
    if args.baselines:
        systems.append(("speexdsp", os.path.join(args.build, "tools/eval/baselines/speex-denoise")
                        + " {in} {out}"))
        systems.append(("RNNoise", "node " + os.path.join(ROOT, "tools/eval/baselines/rnnoise-denoise.mjs")
                        + " {in} {out}"))
    for s in args.system:
        if "=" not in s or "{in}" not in s or "{out}" not in s:
            raise SystemExit("--system wants NAME='CMD {in} {out}', got %r" % s)
        name, cmd = s.split("=", 1)
        systems.append((name, cmd))
    if not systems:
        raise SystemExit("no systems: give --system NAME='CMD {in} {out}' or --baselines")

    with open(os.path.join(args.set, "manifest.csv")) as f:
        items = list(csv.DictReader(f))
    if args.limit > 1:
        items = [it for i, it in enumerate(items) if i % args.limit == 0 or
                 it["noise"] in ("none", "silence")]
    seconds = sum(float(it["seconds"]) for it in items)
    os.makedirs(args.work, exist_ok=True)
    max_lag = int(args.max_delay_ms * FS / 1000)

    t0 = time.monotonic()
    inputs = score_inputs(args.set, items, args.jobs)
    print("input scores: %d files in %.1f s" % (len(inputs), time.monotonic() - t0))
    results = []
    for name, cmd in systems:
        print("%s: %s" % (name, cmd))
        if args.reuse_outputs:
            out_dir, cpu = os.path.join(args.work, name), None
        else:
            out_dir, cpu = run_system(name, cmd, items, args.set, args.work, args.jobs)
        t0 = time.monotonic()
        res = score_system(name, out_dir, args.set, items, args.jobs, max_lag, inputs)
        print("  scored in %.1f s" % (time.monotonic() - t0))
        res["xrt_file"] = res["xrt"] = res["startup_cpu_s"] = None
        if cpu is not None:
            res["xrt_file"] = cpu / seconds
            res["xrt"], res["startup_cpu_s"] = steady_cpu(name, cmd, args.set, items, args.work,
                                                          args.cpu_seconds)
        s = summarize(res)
        print("  delay %d samples (%.0f %% of files agree), SI-SDRi %+.2f dB, STOI %+.3f, "
              "segSNR %+.2f dB, CPU %s xRT (%s per file, start-up %s s)" % (
                  res["delay"], 100 * res["delay_agree"], s["sisdri"], s["d_stoi"],
                  s["d_segsnr"], fmt(res["xrt"], 4, False), fmt(res["xrt_file"], 4, False),
                  fmt(res["startup_cpu_s"], 3, False)))
        res["cmd"] = cmd
        results.append(res)

    n_noisy = sum(1 for it in items if it["noise"] not in ("none", "silence"))
    desc = "%s: %d noisy pairs, %d clean, %d silence" % (
        os.path.relpath(args.set, ROOT) if args.set.startswith(ROOT) else args.set, n_noisy,
        sum(1 for it in items if it["noise"] == "none"),
        sum(1 for it in items if it["noise"] == "silence"))
    md = markdown(results, desc, len(items), seconds)
    print()
    print(md)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(md)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Measure captures where a user would hear them: on held-out material
(capture_signal.py --eval: flite speech, fluidsynth music with the other
soundfont, plucks; none of it in the capture signal), through the C engine.

For every model file: the device (capture_devices.py, by ssm-render) and the
model (ssm-render --model FILE, the engine's offline form) play the same
material; ESR (error-to-signal ratio, sum (model - device)^2 / sum device^2,
NAM's metric) over all of it after the first half second and per kind of
material; CPU: ssm-render --model FILE --stream -b 128 (the streaming form a
live host runs, 128-frame blocks) on one thread, process CPU time over
audio time, best of --repeats runs, less the same run of the engine's
"gain" processor (file reading and writing); latency from the file (what
ssm-render reports).

Usage: capture_eval.py --models DIR_OR_TAR... --out report.json [--eval eval.wav]
                       [--ssm-render build/tools/ssm-render] [--repeats 3]
"""
import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture_devices as D  # noqa: E402
import capture_signal as C  # noqa: E402
import ssmlib as S  # noqa: E402
from capture import read_audio  # noqa: E402

SKIP = C.SR // 2  # the devices settle (capture_signal.py's lead-in)


def cpu_run(cmd):
    """CPU seconds (user + sys) of one child run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def esr(a, b):
    return float(np.sum((a - b) ** 2) / max(np.sum(b ** 2), 1e-30))


def find_models(paths, td):
    """(name, path) of every model.safetensors under the given folders or tars."""
    out = []
    for p in paths:
        if p.endswith(".tar"):
            d = os.path.join(td, os.path.basename(p)[:-4])
            with tarfile.open(p) as t:
                t.extractall(d, members=[m for m in t.getmembers() if m.name.endswith(("model.safetensors", "report.json"))])
            p = d
        if os.path.isfile(p):
            out.append((os.path.splitext(os.path.basename(p))[0], p))
            continue
        for root, _dirs, files in os.walk(p):
            if "model.safetensors" in files:
                out.append((os.path.basename(root), os.path.join(root, "model.safetensors")))
    return sorted(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--eval", default=None, help="held-out material (default: made here, seed 2)")
    ap.add_argument("--ssm-render", default=D.default_render())
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    render = args.ssm_render
    with tempfile.TemporaryDirectory() as td:
        ev = args.eval
        if ev is None:
            ev = os.path.join(td, "eval.wav")
            subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "capture_signal.py"),
                            "--eval", ev, "--seed", "2"], check=True, stdout=subprocess.DEVNULL)
        meta = json.load(open(os.path.splitext(ev)[0] + ".json"))
        x, _ = read_audio(ev)
        seconds = len(x) / C.SR
        refs = {}
        base_cpu = min(cpu_run([render, "-q", "-j", "1", "--processor", "gain", "--stream", "-b", "128", ev,
                                "-o", os.path.join(td, "g.wav")]) for _ in range(args.repeats))
        results = {"eval": {"file": ev, "seconds": round(seconds, 2), "recipe": meta["recipe"],
                            "sections": sorted({s["kind"] for s in meta["sections"] if s["kind"] != "silence"})},
                   "cpu_baseline_gain_percent": round(100 * base_cpu / seconds, 3), "models": {}}
        for name, path in find_models(args.models, td):
            g = S.load(path)
            prov = json.loads(S.read_safetensors(path)[1].get("ssm.provenance", "{}") or "{}")
            dev = prov.get("effect") or name.split("-")[0]
            if dev not in D.DEVICES:
                print(f"{name}: no device known for it, skipped", file=sys.stderr)
                continue
            if dev not in refs:
                out = os.path.join(td, f"ref-{dev}.wav")
                D.render(dev, ev, out, render)
                refs[dev] = read_audio(out)[0]
            lat = int(prov.get("latency_samples", 0))
            y = np.concatenate([refs[dev][lat:], np.zeros(lat)])
            mo = os.path.join(td, f"{name}.wav")
            log = subprocess.run([render, "-q", "-v", "--model", path, ev, "-o", mo], check=True,
                                 capture_output=True, text=True)
            m = re.search(r"latency (\d+)", log.stdout + log.stderr)
            yhat = read_audio(mo)[0]
            r = {"device": dev, "family": prov.get("family"), "params": sum(p.numel() for p in g.parameters()),
                 "file_bytes": os.path.getsize(path), "val_esr_capture": prov.get("val_esr"),
                 "esr": esr(yhat[SKIP:], y[SKIP:]), "latency_samples": int(m.group(1)) if m else None,
                 "width": prov.get("width"), "state": prov.get("state"), "depth": prov.get("depth"),
                 "steps": prov.get("steps"), "path": path}
            for kind in results["eval"]["sections"]:
                idx = np.concatenate([np.arange(s["offset"], s["offset"] + s["length"])
                                      for s in meta["sections"] if s["kind"] == kind])
                idx = idx[idx >= SKIP]
                r[f"esr_{kind}"] = esr(yhat[idx], y[idx])
            cpu = min(cpu_run([render, "-q", "-j", "1", "--model", path, "--stream", "-b", "128", ev, "-o",
                               os.path.join(td, "s.wav")]) for _ in range(args.repeats))
            r["cpu_percent"] = round(100 * (cpu - base_cpu) / seconds, 3)
            s_out = read_audio(os.path.join(td, "s.wav"))[0]
            r["stream_vs_offline"] = float(np.max(np.abs(s_out - yhat)) / max(np.max(np.abs(yhat)), 1e-30))
            results["models"][name] = r
            print(f"{name}: ESR {r['esr']:.5f} (capture val {r['val_esr_capture']}), CPU {r['cpu_percent']:.2f} % "
                  f"of a core, latency {r['latency_samples']}", flush=True)
        # Context: what no model reaches (the best single gain on the dry input).
        results["baselines"] = {}
        for dev, y in refs.items():
            a = float(np.dot(x[SKIP:], y[SKIP:]) / np.dot(x[SKIP:], x[SKIP:]))
            results["baselines"][dev] = {"best_gain_on_dry": a, "esr": esr(a * x[SKIP:], y[SKIP:])}
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()

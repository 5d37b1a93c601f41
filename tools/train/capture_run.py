#!/usr/bin/python3
"""Train many captures at once: a plan (JSON list of jobs: device, family,
size, segment lengths, a share of the time) run as parallel capture.py
processes on one machine, each with one CPU thread and the shared GPU, for a
fixed wall-clock budget; every job resumes from its checkpoint when one is
there, so the same plan can run again to continue.

Outputs in OUT (flat, few files): captures.tar (per job: model.safetensors,
report.json, log.txt, ckpt.pt), report.json (all jobs' reports), log.txt.

Usage: capture_run.py --plan plan.json --data DIR --minutes 7.5 --out OUT
                      [--parallel 8] [--resume-tar OLD/captures.tar] [--smoke]
"""
import argparse
import json
import os
import subprocess
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def job_name(j):
    return f"{j['device']}-{j['family']}-w{j['width']}-n{j['state']}-d{j['depth']}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--plan", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--minutes", type=float, required=True, help="wall clock for everything")
    ap.add_argument("--out", required=True)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--resume-tar", default=None)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes and segments (a CPU check of the plan)")
    ap.add_argument("--only", default=None, help="comma-separated job-name substrings to run")
    args = ap.parse_args()
    t_start = time.time()
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(args.out, "work")
    os.makedirs(work, exist_ok=True)
    logf = open(os.path.join(args.out, "log.txt"), "a")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    if args.resume_tar and os.path.exists(args.resume_tar):
        with tarfile.open(args.resume_tar) as t:
            t.extractall(work)
        log(f"resuming from {args.resume_tar}")
    sys.path.insert(0, HERE)
    import capture_models as CM
    plan = json.load(open(args.plan))
    jobs = []
    for j in plan["jobs"]:
        ok, why = CM.available(j["family"])
        if not ok:
            log(f"skip {job_name(j)}: {why}")
            continue
        if args.only and not any(s in job_name(j) for s in args.only.split(",")):
            continue
        jobs.append(j)
    # Slots: run `parallel` at a time; a job's minutes are its share of the
    # slot-minutes, less the start-up and export time.
    budget = args.minutes * 60 - 45  # leave time to pack the outputs
    total_share = sum(j.get("share", 1.0) for j in jobs)
    slot_seconds = budget * min(args.parallel, len(jobs))
    for j in jobs:
        j["seconds"] = max(20.0, slot_seconds * j.get("share", 1.0) / total_share - 15)
    queue = sorted(jobs, key=lambda j: -j["seconds"])
    running = []
    done = []
    while queue or running:
        while queue and len(running) < args.parallel:
            j = queue.pop(0)
            name = job_name(j)
            d = os.path.join(work, name)
            os.makedirs(d, exist_ok=True)
            ck = os.path.join(d, "ckpt.pt")
            dev = j["device"]
            minutes = j["seconds"] / 60
            left = budget - (time.time() - t_start)
            minutes = max(0.2, min(minutes, left / 60 - 0.3))
            cmd = [sys.executable, os.path.join(HERE, "capture.py"),
                   "--input", os.path.join(args.data, "x.spc"),
                   "--output", os.path.join(args.data, f"y-{dev}.spc"),
                   "--meta", os.path.join(args.data, "capture.json"),
                   "--family", j["family"], "--task", j["task"],
                   "--width", str(j["width"]), "--state", str(j["state"]), "--depth", str(j["depth"]),
                   "--segment", str(j["segment"]), "--warmup", str(j["warmup"]),
                   "--batch", str(j["batch"]), "--lr", str(j.get("lr", 2e-3)),
                   "--minutes", f"{minutes:.3f}",
                   "--total-minutes", f"{j.get('total_minutes', minutes):.3f}",
                   "--val-every", str(j.get("val_every", 30)), "--seed", str(j.get("seed", 1)),
                   "--tag", name, "--effect", dev, "--out", d, "--provenance", plan.get("data", "")]
            if args.smoke:
                cmd += ["--segment", "4096", "--warmup", "1024", "--batch", "2", "--val-every", "5",
                        "--val-chunk", "48000", "--val-seconds", "2", "--device", "cpu",
                        "--ir-length", "4800", "--ir-cg", "20"]
            if os.path.exists(ck):
                cmd += ["--resume", ck]
            env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONUNBUFFERED="1")
            p = subprocess.Popen(cmd, stdout=open(os.path.join(d, "stdout.txt"), "a"),
                                 stderr=subprocess.STDOUT, env=env)
            running.append((p, j, name, time.time()))
            log(f"start {name}: {minutes:.2f} min")
        time.sleep(2)
        for r in list(running):
            p, j, name, t0 = r
            if p.poll() is not None:
                running.remove(r)
                done.append((name, p.returncode))
                tail = open(os.path.join(work, name, "stdout.txt")).read().strip().splitlines()[-1:]
                log(f"end {name}: rc {p.returncode} after {time.time() - t0:.0f} s: {tail[0] if tail else ''}")
            elif time.time() - t0 > j["seconds"] + 60:
                p.kill()
                log(f"killed {name}: over its time")
    reports = {}
    for name, rc in done:
        rp = os.path.join(work, name, "report.json")
        if os.path.exists(rp):
            reports[name] = json.load(open(rp))
        else:
            reports[name] = {"failed": rc}
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(reports, f, indent=1)
    with tarfile.open(os.path.join(args.out, "captures.tar"), "w") as t:
        for name in sorted(os.listdir(work)):
            for fn in ("model.safetensors", "report.json", "log.txt", "ckpt.pt"):
                p = os.path.join(work, name, fn)
                if os.path.exists(p):
                    t.add(p, arcname=f"{name}/{fn}")
    size = os.path.getsize(os.path.join(args.out, "captures.tar"))
    log(f"packed {len(reports)} jobs, captures.tar {size / 1e6:.1f} MB, {time.time() - t_start:.0f} s in all")
    for name, r in sorted(reports.items()):
        log(f"  {name}: val ESR {r.get('val_esr', 'FAILED')}, {r.get('params', '?')} params, "
            f"{r.get('steps', '?')} steps")


if __name__ == "__main__":
    main()

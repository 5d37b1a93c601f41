#!/usr/bin/python3
"""Training-form speed of the selective / gated ssmlib modules (Mamba, Mamba-2,
Hyena, H3, GSS): forward + backward of one batch, the training form against
the step-by-step reference form each module keeps for checks. Results go in
docs/benchmarks.md ("ssmlib training forms"); a benchmark, never a test.

  nice /usr/bin/python3 tools/train/bench_ssmlib.py [--device cuda] [--T 4000]
      [--batch 4] [--width 16] [--threads 1] [--reference]
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ssmlib as S  # noqa: E402


def modules(w):
    return [
        ("mamba", lambda: S.Mamba(w, d_inner=2 * w, state=16), {"chunk": (16, 64, 128)}),
        ("mamba2", lambda: S.Mamba2(w, d_inner=2 * w, head_dim=8, state=16),
         {"chunk": (16, 32, 64)}),
        ("hyena", lambda: S.Hyena(w, l_max=4800, order=2, filter_order=32), {}),
        ("h3", lambda: S.H3(w, state=64, shift_state=4), {}),
        ("gss", lambda: S.GSS(w, d_ff=2 * w, d_ssm=w // 2, state=32), {}),
    ]


def timed(m, x, dev, **kw):
    """Seconds for one forward + backward, best of 3: thread CPU time on the
    CPU (one intra-op thread: the machine may be shared), wall clock on a
    GPU."""
    clock = time.perf_counter if dev.type == "cuda" else time.thread_time
    best = float("inf")
    for _ in range(3):
        m.zero_grad(set_to_none=True)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = clock()
        m(x, **kw).square().mean().backward()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, clock() - t0)
    return best


def dev_is_cpu(name):
    return torch.device(name).type == "cpu"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--T", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="CPU intra-op threads (timing: 1)")
    ap.add_argument("--reference", action="store_true", help="also time the step-by-step form")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads if dev_is_cpu(a.device) else torch.get_num_threads())
    dev = torch.device(a.device)
    print(f"torch {torch.__version__}, {dev}, {torch.get_num_threads()} threads; "
          f"batch {a.batch} x {a.T} steps x width {a.width}, forward + backward, best of 3")
    x = torch.randn(a.batch, a.T, a.width, device=dev)
    n = a.batch * a.T
    for name, make, opts in modules(a.width):
        m = make().to(dev)
        for chunk in opts.get("chunk", (None,)):
            if chunk:
                m.chunk = chunk
            t = timed(m, x, dev)
            what = f"chunk {chunk}" if chunk else "FFT"
            print(f"{name:7s} training form ({what:9s}) {t * 1e3:9.1f} ms  {n / t / 1e3:9.1f} k steps/s")
        if a.reference:
            t = timed(m, x, dev, scan="sequential")
            print(f"{name:7s} reference form            {t * 1e3:9.1f} ms  {n / t / 1e3:9.1f} k steps/s")


if __name__ == "__main__":
    main()

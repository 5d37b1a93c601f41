#!/usr/bin/python3
"""Capture an effect, as Neural Amp Modeler does: play the capture signal
(capture_signal.py) through the device, record what comes out, and train a
state space model network of it (capture_models.py) that exports to the
engine's graph-v1 format.

  1. align: the sync markers at both ends of the capture signal are found in
     the recording; the device's latency is where its response to the first
     begins (the onset, so the model stays causal), and the second must sit
     at the same latency (else samples were dropped or the rates differ);
  2. gain: the device's level gain (RMS out / in over the training part)
     and its small-signal gain (the quietest sweep) are measured; the network
     ends in a fixed gain stage at the level gain so it trains near unit level;
  3. train: random segments of the training part, loss ESR (error-to-signal
     ratio, NAM's metric) after a warm-up that lets the network's state
     settle; Adam, learning rate decaying over the wall-clock budget; on the
     GPU where there is one, CPU otherwise; resumable (--resume CKPT);
  4. validate on the held-out part of the capture signal (the "val"
     sections), keep the best, export it with its provenance and report.

Usage:
  capture.py --input capture.wav --output recording.wav [--meta capture.json]
             --family s4d --task nonlinear --width 16 --state 16 --depth 3
             --minutes 5 --out DIR [--resume DIR/ckpt.pt]
  capture.py --input capture.wav --output recording.wav --align-only

Inputs are WAV (16/24-bit PCM or 32-bit float) or codec.py streams (.spc);
the recording must have the capture signal's rate. Writes DIR/model.safetensors,
DIR/report.json, DIR/ckpt.pt.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture_models as CM  # noqa: E402
import codec  # noqa: E402
from capture_signal import MARKER_LEN, sync_marker  # noqa: E402

SR = 48000


# ---------------------------------------------------------------- audio in

def read_audio(path):
    """Mono float64 samples and the rate, from a WAV or a codec.py stream."""
    if path.endswith(".spc"):
        with open(path, "rb") as f:
            return codec.decode(f.read()).astype(np.float64), SR
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        body = raw[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        raise ValueError(f"{path}: WAV without fmt or data chunk")
    tag, ch, rate, _br, _ba, bits = fmt
    if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the subformat decides
        tag = 3 if bits == 32 and _is_float_ext(raw) else 1
    if tag == 3 and bits == 32:
        a = np.frombuffer(data[: len(data) // 4 * 4], "<f4").astype(np.float64)
    elif tag == 1 and bits == 16:
        a = np.frombuffer(data[: len(data) // 2 * 2], "<i2") / 32768.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(data[: len(data) // 3 * 3], np.uint8).reshape(-1, 3).astype(np.int32)
        a = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8) / 8388608.0
    elif tag == 1 and bits == 32:
        a = np.frombuffer(data[: len(data) // 4 * 4], "<i4") / 2147483648.0
    else:
        raise ValueError(f"{path}: WAV format {tag} at {bits} bits is not supported")
    a = a[: len(a) // ch * ch].reshape(-1, ch).mean(1)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{path}: holds non-finite samples")
    return a, rate


def _is_float_ext(raw):
    i = raw.find(b"fmt ")
    return raw[i + 8 + 24:i + 8 + 26] == b"\x03\x00"


# ---------------------------------------------------------- align and gain

def xcorr(y, m):
    """c[k] = sum_n y[n + k] m[n] for k = 0 .. len(y) - len(m)."""
    n = 1 << int(math.ceil(math.log2(len(y) + len(m))))
    c = np.fft.irfft(np.fft.rfft(y, n) * np.conj(np.fft.rfft(m, n)), n)
    return c[: len(y) - len(m) + 1]


def find_markers(x):
    """The two sync markers in the capture signal itself."""
    m = sync_marker()
    c = xcorr(x, m) / np.dot(m, m)
    half = len(x) // 2
    return int(np.argmax(c[:half])), int(half + np.argmax(c[half:]))


def marker_response(y, pos, max_latency):
    """The recording's cross-correlation with the marker from pos - 32 to
    pos + max_latency: the device's (linearised) impulse response there."""
    m = sync_marker()
    lo = max(0, pos - 32)
    seg = y[lo: pos + max_latency + len(m)]
    if len(seg) < len(m) + 1:
        raise ValueError("the recording ends before the sync marker")
    return xcorr(seg, m) / np.dot(m, m), lo


def onset(c, lo, pos, threshold=0.03, safety=2):
    """Latency: the first lag whose response reaches threshold x the peak,
    less a safety margin (a model can learn a delay, never an advance)."""
    peak = int(np.argmax(np.abs(c)))
    if np.abs(c[peak]) < 1e-3:
        raise ValueError("no sync marker in the recording: is the device passing any signal?")
    first = int(np.nonzero(np.abs(c[: peak + 1]) >= threshold * np.abs(c[peak]))[0][0])
    return max(0, lo + first - pos - safety), lo + peak - pos


def align(x, y, max_latency=SR // 2):
    """(latency, info): the recording lags the capture signal by latency
    samples. Raises ValueError when the markers disagree."""
    p1, p2 = find_markers(x)
    if p2 - p1 < SR:
        raise ValueError("the capture signal has no two sync markers (make it with capture_signal.py)")
    c1, lo1 = marker_response(y, p1, max_latency)
    c2, lo2 = marker_response(y, p2, max_latency)
    lat1, peak1 = onset(c1, lo1, p1)
    lat2, peak2 = onset(c2, lo2, p2)
    if abs(peak1 - peak2) > 2:
        raise ValueError(f"the recording drifts: the sync markers are {peak1} and {peak2} samples late "
                         f"(dropped samples, or the recording's sample rate is not the capture signal's)")
    return lat1, {"markers": [p1, p2], "latency_samples": lat1, "marker_peak_lag": [peak1, peak2],
                  "latency_check": lat2}


def regions(meta, n):
    """(train, val) lists of (start, end) sample ranges."""
    if meta is None:  # no section list: the last 20 % validates
        cut = int(n * 0.8)
        return [(SR, cut)], [(cut, n - SR)]
    tr = [(s["offset"], s["offset"] + s["length"]) for s in meta["sections"] if s["split"] == "train"]
    va = [(s["offset"], s["offset"] + s["length"]) for s in meta["sections"] if s["split"] == "val"]
    return [(tr[0][0], tr[-1][1])], [(va[0][0], va[-1][1])]


def gains(x, y, meta, train):
    a, b = train[0]
    g = float(np.sqrt(np.mean(y[a:b] ** 2) / max(np.mean(x[a:b] ** 2), 1e-20)))
    small = None
    if meta is not None:
        sweeps = [s for s in meta["sections"] if s["kind"] == "sweep" and s["split"] == "train"]
        if sweeps:
            s = min(sweeps, key=lambda s: s["level_db"])
            a, b = s["offset"], s["offset"] + s["length"]
            small = 20 * math.log10(max(np.sqrt(np.mean(y[a:b] ** 2) / np.mean(x[a:b] ** 2)), 1e-10))
    return g, {"level_gain_db": round(20 * math.log10(max(g, 1e-10)), 2),
               "small_signal_gain_db": None if small is None else round(small, 2)}


def esr(y_hat, y):
    return float(np.sum((y_hat - y) ** 2) / max(np.sum(y ** 2), 1e-30))


def ls_fir(x, y, train, val, L, iters, device, log):
    """The device's impulse response as the least-squares FIR of L taps over
    the training part (conjugate gradients on the normal equations, every
    product an FFT convolution in float64), and its ESR on the val part:
    what an ideal L-tap linear filter reaches, the bound for an LTI capture."""
    a, b = train[0]
    X = torch.tensor(x[a:b], dtype=torch.float64, device=device)
    Y = torch.tensor(y[a:b], dtype=torch.float64, device=device)
    T = len(X)
    n = 1 << int(math.ceil(math.log2(T + L)))
    FX = torch.fft.rfft(X, n)

    def conv(h):
        return torch.fft.irfft(FX * torch.fft.rfft(h, n), n)[:T]

    def normal(h):  # X^T X h, plus a tiny ridge for the unexcited bands
        return torch.fft.irfft(torch.fft.rfft(conv(h), n) * FX.conj(), n)[:L] + 1e-9 * h

    rhs = torch.fft.irfft(torch.fft.rfft(Y, n) * FX.conj(), n)[:L]
    h = torch.zeros(L, dtype=torch.float64, device=device)
    r = rhs.clone()
    p, rs = r.clone(), r @ r
    for _ in range(iters):
        Ap = normal(p)
        al = rs / (p @ Ap)
        h, r = h + al * p, r - al * Ap
        rn = r @ r
        p, rs = r + (rn / rs) * p, rn
    e = conv(h) - Y
    tr_esr = float(e @ e / (Y @ Y))
    a2, b2 = val[0]
    hv = np.convolve(x[a2 - L:b2], h.cpu().numpy())[L:L + b2 - a2]
    va_esr = esr(hv, y[a2:b2])
    log(f"least-squares {L}-tap FIR ({iters} CG steps): train ESR {tr_esr:.2e}, val ESR {va_esr:.2e}")
    return h.float(), tr_esr, va_esr


# ------------------------------------------------------------------- train

def git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.abspath(__file__)), timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class Trainer:
    def __init__(self, args, x, y, train, val, gain, device):
        self.a, self.dev = args, device
        self.x = torch.tensor(x, dtype=torch.float32, device=device)
        self.y = torch.tensor(y, dtype=torch.float32, device=device)
        self.train, self.val = train, val
        self.net = CM.build(args.family, args.task, args.width, args.state, args.depth, gain,
                            args.seed).to(device)
        # Adam moves every tensor by about lr per step whatever its scale; a
        # tensor that starts tiny (the C of a slow pole, whose gain is C x
        # tau) would jump by orders of magnitude. Each tensor's rate is
        # scaled by its initial RMS (at most 1, at least 1e-3).
        groups = []
        for p in self.net.parameters():
            rms = float(p.detach().pow(2).mean().sqrt()) if p.numel() else 1.0
            scale = 1.0 if rms == 0 else min(1.0, max(1e-3, rms))  # a zero start says nothing of scale
            scale = getattr(p, "_capture_lr_scale", scale)  # a family's own choice wins
            groups.append({"params": [p], "scale": scale})
        self.opt = torch.optim.Adam(groups, lr=args.lr)
        self.step, self.elapsed, self.best, self.best_state = 0, 0.0, float("inf"), None
        self.bad = 0
        self.history = []
        self.gen = torch.Generator(device="cpu").manual_seed(args.seed)
        self.calibrate()

    @torch.no_grad()
    def calibrate(self):
        """Scale the head so the untrained network's output is the least
        squares multiple of itself that best fits the target (ESR <= 1 from
        the first step, whatever the family's initial gain)."""
        xb, yb = self.batch()
        yh = self.net(xb)["audio"][..., 0][:, self.a.warmup:]
        yt = yb[:, self.a.warmup:]
        den = float(yh.pow(2).sum())
        alpha = float((yh * yt).sum()) / den if den > 0 and math.isfinite(den) else 0.0
        head = dict(self.net.named_modules())
        for mod in head.values():
            if getattr(mod, "_capture_head", False):
                for p in mod.parameters():
                    p.mul_(alpha)

    def distill_ir(self, h, seconds, log):
        """LTI devices: train the network's impulse response to the measured
        one (an impulse in, h out: the ESR on white noise), the well
        conditioned start; the capture's own ESR training follows."""
        L = len(h)
        target = h.to(self.dev)
        imp = torch.zeros(1, L, device=self.dev)
        imp[0, 0] = 1.0
        den = float(target.pow(2).sum())
        # Only the SSM layers learn here (the input and output projections
        # keep their calibrated start: moving both sides of a product at
        # once makes the fit oscillate); a family may hold more still.
        mixers = {f"layers.{i}." for i, n in enumerate(self.net.nodes)
                  if n["id"] == "mix" or n["id"].endswith(".ssm")}
        groups = []
        for name, p in self.net.named_parameters():
            rate = getattr(p, "_capture_ir_rate", 1.0 if any(name.startswith(m) for m in mixers) else 0.0)
            if rate > 0:
                groups.append({"params": [p], "scale": rate})
        opt = torch.optim.Adam(groups, lr=self.a.ir_lr)
        t0, k, best = time.time(), 0, float("inf")
        while (time.time() - t0 < seconds or k < 400) and best > 1e-7:
            frac = min(1.0, max((time.time() - t0) / seconds, k / 400))
            for grp in opt.param_groups:  # constant, then a decay over the last 30 %
                grp["lr"] = self.a.ir_lr * grp["scale"] * (0.02 ** max(0.0, (frac - 0.7) / 0.3))
            out = self.net(imp)["audio"][0, :, 0]
            loss = (out - target).pow(2).sum() / den
            opt.zero_grad(set_to_none=True)
            loss.backward()
            lv = float(loss)
            if math.isfinite(lv):
                opt.step()
                best = min(best, lv)
            k += 1
            if k % 200 == 0:
                log(f"{self.a.tag}: impulse response fit step {k}: ESR to the measured IR {lv:.3e}")
        log(f"{self.a.tag}: impulse response fit: {k} steps in {time.time() - t0:.0f} s, ESR {best:.3e}")

    def batch(self):
        a, b = self.train[0]
        S = self.a.segment
        starts = torch.randint(a, b - S, (self.a.batch,), generator=self.gen)
        idx = starts.unsqueeze(1) + torch.arange(S).unsqueeze(0)
        idx = idx.to(self.dev)
        return self.x[idx], self.y[idx]

    def loss(self, xb, yb):
        yh = self.net(xb)["audio"][..., 0]
        w = self.a.warmup
        e = yh[:, w:] - yb[:, w:]
        return e.pow(2).sum() / (yb[:, w:].pow(2).sum() + 1e-12)

    @torch.no_grad()
    def validate(self):
        """ESR over the val region, run in chunks that each start warmup
        samples early (the state settles on real signal before it counts)."""
        self.net.eval()
        a, b = self.val[0]
        if self.a.val_seconds:
            b = min(b, a + int(self.a.val_seconds * SR))
        C, w = self.a.val_chunk, self.a.warmup
        num = den = 0.0
        for s in range(a, b, C):
            e = min(b, s + C)
            s0 = max(0, s - w)
            yh = self.net(self.x[s0:e].unsqueeze(0))["audio"][0, :, 0][s - s0:]
            yt = self.y[s:e]
            num += float((yh - yt).pow(2).sum())
            den += float(yt.pow(2).sum())
        self.net.train()
        return num / max(den, 1e-30)

    def state(self):
        return {"net": self.net.state_dict(), "opt": self.opt.state_dict(), "step": self.step,
                "elapsed": self.elapsed, "best": self.best, "best_state": self.best_state,
                "history": self.history, "gen": self.gen.get_state(), "args": vars(self.a)}

    def load(self, ck):
        self.net.load_state_dict(ck["net"])
        self.opt.load_state_dict(ck["opt"])
        self.step, self.elapsed, self.best = ck["step"], ck["elapsed"], ck["best"]
        self.best_state, self.history = ck["best_state"], ck["history"]
        self.gen.set_state(ck["gen"].cpu())  # map_location moved it; the generator is the CPU one

    def lr_at(self, frac):
        # a linear ramp over the first 200 steps (the calibrated start is
        # not disturbed by full-size Adam steps), then a log-linear decay
        # from lr to lr * lr_end over the total budget
        ramp = min(1.0, 0.05 + self.step / 200)
        return self.a.lr * ramp * (self.a.lr_end ** min(1.0, frac))

    def run(self, budget_s, total_s, ckpt_path, log):
        t0 = time.time()
        start_elapsed = self.elapsed
        last_val = last_ck = time.time()
        run_loss = None
        if self.step == 0 and not self.history:
            self.check(None, log)  # the calibrated start: the export is never worse
        while True:
            now = time.time()
            self.elapsed = start_elapsed + (now - t0)
            if now - t0 >= budget_s or self.elapsed >= total_s:
                break
            lr = self.lr_at(self.elapsed / total_s)
            for grp in self.opt.param_groups:
                grp["lr"] = lr * grp["scale"]
            xb, yb = self.batch()
            loss = self.loss(xb, yb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            gn = torch.nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
            lv = float(loss)
            if not (math.isfinite(lv) and math.isfinite(float(gn))):
                # A step that overflowed teaches nothing: skip it; a run of
                # them goes back to the best state at half the rate.
                self.bad += 1
                if self.bad >= 20 and self.best_state is not None:
                    self.net.load_state_dict(self.best_state)
                    self.a.lr *= 0.5
                    log(f"{self.a.tag}: 20 non-finite steps: back to the best state, lr {self.a.lr:g}")
                    self.bad = 0
                continue
            self.bad = 0
            self.opt.step()
            self.step += 1
            run_loss = lv if run_loss is None else 0.95 * run_loss + 0.05 * lv
            if time.time() - last_val >= self.a.val_every:
                self.check(run_loss, log)
                last_val = time.time()
            if ckpt_path and time.time() - last_ck >= 60:
                torch.save(self.state(), ckpt_path)
                last_ck = time.time()
        if self.step and (not self.history or self.history[-1][1] != self.step):
            self.check(run_loss, log)
        if ckpt_path:
            torch.save(self.state(), ckpt_path)

    def check(self, run_loss, log):
        v = self.validate()
        if not math.isfinite(v):
            log(f"step {self.step}: validation ESR is {v}; keeping the best so far")
            return
        if v < self.best:
            self.best = v
            self.best_state = {k: t.detach().cpu().clone() for k, t in self.net.state_dict().items()}
        self.history.append([round(self.elapsed, 1), self.step, run_loss, v])
        log(f"{self.a.family} {self.a.tag}: {self.elapsed:6.0f} s step {self.step:6d} train ESR "
            f"{(run_loss if run_loss is not None else float('nan')):.5f} val ESR {v:.5f} best {self.best:.5f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", required=True, help="the capture signal as played (WAV or .spc)")
    ap.add_argument("--output", required=True, help="the device's recording (WAV or .spc)")
    ap.add_argument("--meta", help="capture_signal.py's JSON (section list); default: beside --input")
    ap.add_argument("--align-only", action="store_true", help="report latency and gain, train nothing")
    ap.add_argument("--family", default="s4d")
    ap.add_argument("--task", default="nonlinear", choices=["nonlinear", "dynamics", "lti"])
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--state", type=int, default=16)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--minutes", type=float, default=5.0, help="this run's wall-clock budget")
    ap.add_argument("--total-minutes", type=float, default=None,
                    help="the whole schedule's budget across resumed runs (default: --minutes)")
    ap.add_argument("--segment", type=int, default=16384)
    ap.add_argument("--warmup", type=int, default=4096, help="samples of each segment the loss skips")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lr-end", type=float, default=0.02, help="final lr as a fraction of --lr")
    ap.add_argument("--val-every", type=float, default=30.0, help="seconds between validations")
    ap.add_argument("--val-chunk", type=int, default=4 * SR)
    ap.add_argument("--val-seconds", type=float, default=None, help="validate on this much of the val part")
    ap.add_argument("--ir-fit", type=float, default=0.3,
                    help="lti: share of the time spent fitting the least-squares impulse response first")
    ap.add_argument("--ir-length", type=int, default=SR, help="lti: taps of the least-squares impulse response")
    ap.add_argument("--ir-cg", type=int, default=200, help="lti: conjugate-gradient steps for it")
    ap.add_argument("--ir-lr", type=float, default=3e-3, help="lti: learning rate of the impulse response fit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default=None, help="cuda / cpu (default: cuda when there is one)")
    ap.add_argument("--tag", default="", help="a name for this model in logs and reports")
    ap.add_argument("--effect", default="", help="what was captured (capture_devices.py's name), for the provenance")
    ap.add_argument("--resume", help="checkpoint to continue from")
    ap.add_argument("--out", help="output folder")
    ap.add_argument("--provenance", default="", help="the data recipe, for the file's metadata")
    args = ap.parse_args()

    x, rx = read_audio(args.input)
    y, ry = read_audio(args.output)
    if rx != ry:
        raise SystemExit(f"the recording is at {ry} Hz, the capture signal at {rx} Hz: record at the same rate")
    if rx != SR:
        raise SystemExit(f"the capture signal must be at {SR} Hz (it is {rx} Hz)")
    meta_path = args.meta or os.path.splitext(args.input)[0] + ".json"
    meta = json.load(open(meta_path)) if os.path.exists(meta_path) else None
    try:
        lat, ainfo = align(x, y)
    except ValueError as e:
        raise SystemExit(f"{args.output}: {e}")
    y = np.concatenate([y[lat:], np.zeros(lat)])[: len(x)]
    y = np.pad(y, (0, len(x) - len(y)))
    train, val = regions(meta, len(x))
    gain, ginfo = gains(x, y, meta, train)
    report = {"input": args.input, "output": args.output, **ainfo, **ginfo}
    if args.align_only:
        print(json.dumps(report, indent=1))
        return
    if not args.out:
        raise SystemExit("--out DIR is required to train")
    ok, why = CM.available(args.family)
    if not ok:
        raise SystemExit(why)
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(args.threads)
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    args.tag = args.tag or f"{args.family}-w{args.width}-n{args.state}-d{args.depth}"
    logf = open(os.path.join(args.out, "log.txt"), "a")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    tr = Trainer(args, x, y, train, val, gain, device)
    ckpt = os.path.join(args.out, "ckpt.pt")
    if args.resume and os.path.exists(args.resume):
        tr.load(torch.load(args.resume, map_location=device, weights_only=False))
        log(f"resumed from {args.resume}: step {tr.step}, {tr.elapsed:.0f} s, best val ESR {tr.best:.5f}")
    total = 60 * (args.total_minutes or args.minutes)
    log(f"{args.tag}: {CM.n_params(tr.net)} parameters on {device}; latency {lat} samples, "
        f"gain {ginfo['level_gain_db']} dB; training {args.minutes} min (schedule {total / 60:.1f} min)")
    budget = 60 * args.minutes
    if args.task == "lti" and tr.step == 0 and args.ir_fit > 0:
        t0 = time.time()
        h, fir_tr, fir_va = ls_fir(x, y, train, val, args.ir_length, args.ir_cg, device, log)
        report.update({"ls_fir_taps": args.ir_length, "ls_fir_train_esr": fir_tr, "ls_fir_val_esr": fir_va})
        tr.distill_ir(h, max(5.0, args.ir_fit * budget - (time.time() - t0)), log)
        budget -= time.time() - t0
        tr.history.clear()
    tr.run(budget, total, ckpt, log)
    if tr.best_state is not None:
        tr.net.load_state_dict(tr.best_state)
    tr.net.cpu()
    prov = {"tool": "tools/train/capture.py", "commit": git_commit(), "effect": args.effect, "family": args.family,
            "task": args.task, "width": args.width, "state": args.state, "depth": args.depth,
            "steps": tr.step, "train_seconds": round(tr.elapsed, 1), "val_esr": tr.best,
            "latency_samples": lat, "level_gain_db": ginfo["level_gain_db"], "data": args.provenance,
            "args": {k: v for k, v in vars(args).items() if k not in ("resume",)}}
    model = os.path.join(args.out, "model.safetensors")
    tr.net.save(model, {"ssm.provenance": json.dumps(prov), "ssm.license": "ISC",
                        "ssm.name": f"capture {args.tag}"})
    report.update({"family": args.family, "tag": args.tag, "params": CM.n_params(tr.net), "steps": tr.step,
                   "train_seconds": round(tr.elapsed, 1), "val_esr": tr.best, "history": tr.history,
                   "model": model, "width": args.width, "state": args.state, "depth": args.depth,
                   "task": args.task})
    with open(os.path.join(args.out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    log(f"{args.tag}: done, best val ESR {tr.best:.5f} after {tr.step} steps -> {model}")


if __name__ == "__main__":
    main()

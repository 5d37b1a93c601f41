#!/usr/bin/env python3
"""Train the ssm-denoise model (tools/train/dnmodel.py) on the TTS corpus of
make_data.py, mixing noise, reverberation, level, EQ and clipping on the GPU
on the fly (a fresh mixture every step, from a fixed seed).

  python3 train.py --data DIR --ckpt CKPT.pt --minutes 8 --total-steps N [--log LOG.jsonl]

Resumable: if CKPT exists it is loaded (model, optimiser, step, RNG) and
training continues; a checkpoint is written every --save-every seconds and at
the end. Stops after --minutes of wall time or --total-steps, whichever first.
Validation (fixed mixtures from held-out utterances, per SNR) is logged as
SI-SDR/SNR improvement at each save.
"""
import argparse
import json
import lzma
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as Fn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnmodel import DenoiseNet  # noqa: E402
from losses import delay, stft_loss  # noqa: E402

SR = 48000


# ----------------------------------------------------------------- corpus
def load_corpus(data_dir, device):
    import torchaudio.functional as AF

    meta = json.load(open(os.path.join(data_dir, "index.json")))
    raw = {}
    for rate, f in meta["files"].items():
        d = np.frombuffer(lzma.decompress(open(os.path.join(data_dir, f["file"]), "rb").read()), dtype=np.int16)
        raw[int(rate)] = np.cumsum(d, dtype=np.int16)  # undo delta coding (wraps as it was made)
    out = {"train": [], "val": []}
    for u in meta["utterances"]:
        a = torch.from_numpy(raw[u["rate"]][u["offset"]: u["offset"] + u["length"]].astype(np.float32) / 32768.0)
        out[u["split"]].append((u["rate"], a))
    res = {}
    for split, items in out.items():
        segs = []
        for rate, a in items:
            a = a.to(device)
            if rate != SR:
                a = AF.resample(a, rate, SR)
            a = a / (a.pow(2).mean().sqrt() + 1e-8) * 0.05  # each utterance at one level; mixing varies it
            segs.append(a)
        res[split] = segs
    return res


def speech_stream(segs, gen, seconds_gap=(0.05, 1.2)):
    """Utterances joined by random silences: the model sees speech pauses."""
    parts = []
    order = torch.randperm(len(segs), generator=gen).tolist()
    for i in order:
        g = int(torch.empty(1).uniform_(*seconds_gap, generator=gen).item() * SR)
        parts.append(torch.zeros(g, device=segs[i].device))
        parts.append(segs[i])
    return torch.cat(parts)


# ----------------------------------------------------------------- augmentation (GPU, batched)
def rand(gen, n, lo, hi, device):
    return torch.rand(n, generator=gen, device=device) * (hi - lo) + lo


def shape_spectrum(x, gain_fn):
    X = torch.fft.rfft(x)
    f = torch.fft.rfftfreq(x.shape[-1], 1.0 / SR, device=x.device)
    return torch.fft.irfft(X * gain_fn(f), n=x.shape[-1])


def smooth_eq(gen, B, device, points=10, db=6.0):
    """Random smooth EQ curves (dB at log-spaced points, linear interpolation in log f)."""
    knots = torch.randn(B, points, generator=gen, device=device) * db / 2
    lf = torch.linspace(math.log(40.0), math.log(24000.0), points, device=device)

    def g(f):
        lfq = torch.log(f.clamp(min=40.0))
        pos = (lfq - lf[0]) / (lf[-1] - lf[0]) * (points - 1)
        i0 = pos.floor().clamp(0, points - 2).long()
        w = (pos - i0).clamp(0, 1)
        v = knots[:, i0] * (1 - w) + knots[:, i0 + 1] * w
        return 10 ** (v / 20)

    return g


def colored_noise(gen, B, T, device):
    alpha = rand(gen, B, 0.0, 2.0, device).unsqueeze(-1)  # 0 white, 1 pink, 2 brown
    w = torch.randn(B, T, generator=gen, device=device)
    return shape_spectrum(w, lambda f: (f.clamp(min=20.0) / 1000.0) ** (-alpha / 2))


def hum(gen, B, T, device):
    f0 = torch.where(torch.rand(B, generator=gen, device=device) < 0.5, 50.0, 60.0).to(device)
    f0 = f0 * rand(gen, B, 0.98, 1.02, device)
    t = torch.arange(T, device=device) / SR
    y = torch.zeros(B, T, device=device)
    decay = rand(gen, B, 0.3, 0.9, device)
    for k in range(1, 25):
        amp = decay ** (k - 1) * rand(gen, B, 0.3, 1.0, device)
        ph = rand(gen, B, 0, 2 * math.pi, device)
        y = y + amp.unsqueeze(-1) * torch.sin(2 * math.pi * (k * f0).unsqueeze(-1) * t + ph.unsqueeze(-1))
    return y + 0.05 * colored_noise(gen, B, T, device)


def fan(gen, B, T, device):
    w = torch.randn(B, T, generator=gen, device=device)
    fc = torch.exp(rand(gen, B, math.log(150), math.log(3000), device)).unsqueeze(-1)
    q = rand(gen, B, 0.5, 3.0, device).unsqueeze(-1)
    blade = torch.exp(rand(gen, B, math.log(80), math.log(400), device)).unsqueeze(-1)

    def g(f):
        lp = 1.0 / (1.0 + (f / fc) ** 2)
        pk = 1.0 + 4.0 / (1.0 + ((f - blade) / (blade / (4 * q))) ** 2)
        return lp * pk

    y = shape_spectrum(w, g)
    t = torch.arange(T, device=device) / SR
    rot = rand(gen, B, 5, 40, device).unsqueeze(-1)
    return y * (1.0 + 0.2 * torch.sin(2 * math.pi * rot * t))


def clicks(gen, B, T, device):
    rate = rand(gen, B, 2.0, 40.0, device).unsqueeze(-1)  # clicks per second
    imp = (torch.rand(B, T, generator=gen, device=device) < rate / SR).float()
    imp = imp * torch.randn(B, T, generator=gen, device=device)
    L = 256
    tau = rand(gen, B, 5, 60, device).unsqueeze(-1)
    k = torch.randn(B, L, generator=gen, device=device) * torch.exp(-torch.arange(L, device=device) / tau)
    y = torch.fft.irfft(torch.fft.rfft(imp, n=T + L) * torch.fft.rfft(k, n=T + L), n=T + L)[:, :T]
    return y + 0.01 * colored_noise(gen, B, T, device)


def babble(cgen, B, T, device, segs):
    y = torch.zeros(B, T, device=device)
    for b in range(B):
        n = int(torch.randint(3, 8, (1,), generator=cgen).item())
        for _ in range(n):
            s = segs[int(torch.randint(len(segs), (1,), generator=cgen).item())]
            off = int(torch.randint(0, T, (1,), generator=cgen).item()) - T // 2
            lo, hi = max(0, off), min(T, off + len(s))
            if hi > lo:
                y[b, lo:hi] += s[lo - off: hi - off] * float(torch.empty(1).uniform_(0.3, 1.0, generator=cgen))
    return y


def bursts(gen, B, T, device):
    base = colored_noise(gen, B, T, device)
    nseg = T // (SR // 20)
    on = (torch.rand(B, nseg, generator=gen, device=device) < rand(gen, B, 0.1, 0.6, device).unsqueeze(-1)).float()
    env = Fn.interpolate(on.unsqueeze(1), size=T, mode="linear", align_corners=False).squeeze(1)
    return base * env


def rir(gen, B, device):
    """Synthetic room impulse responses: direct path, sparse early reflections,
    exponentially decaying diffuse tail (RT60 0.1-0.7 s), random HF damping."""
    L = int(0.5 * SR)
    t = torch.arange(L, device=device) / SR
    rt60 = rand(gen, B, 0.1, 0.7, device).unsqueeze(-1)
    tail = torch.randn(B, L, generator=gen, device=device) * torch.exp(-6.9 * t / rt60)
    tail = shape_spectrum(tail, lambda f: 1.0 / (1.0 + (f / torch.exp(rand(gen, B, math.log(2000), math.log(12000), device)).unsqueeze(-1)) ** 2))
    drr = 10 ** (rand(gen, B, -3, 12, device) / 20).unsqueeze(-1)
    h = tail / (tail.pow(2).sum(-1, keepdim=True).sqrt() + 1e-9)
    h[:, 0] += drr.squeeze(-1)
    return h


def convolve(x, h):
    n = x.shape[-1] + h.shape[-1]
    return torch.fft.irfft(torch.fft.rfft(x, n=n) * torch.fft.rfft(h, n=n), n=n)[..., : x.shape[-1]]


def make_batch(gen, cgen, stream, segs, B, T, device, p_clean=0.15, snr_range=(-5.0, 25.0), fixed_snr=None):
    """Returns noisy (B,T), clean target (B,T) (before the model's delay), snr (B)."""
    starts = torch.randint(0, len(stream) - T, (B,), generator=cgen)
    s = torch.stack([stream[i: i + T] for i in starts.tolist()])
    # Speech: level, EQ, optional reverberation (the target keeps the room:
    # this model denoises, it does not dereverberate).
    s = shape_spectrum(s, smooth_eq(gen, B, device, db=6.0))
    rv = torch.rand(B, generator=gen, device=device) < 0.3
    if rv.any():
        s_r = convolve(s, rir(gen, B, device))
        s = torch.where(rv.unsqueeze(-1), s_r, s)
    # Noise: one or two kinds summed.
    kinds = [colored_noise, hum, fan, clicks, bursts, None]
    noise = torch.zeros(B, T, device=device)
    for _rep in range(2):
        k = torch.randint(len(kinds), (B,), generator=gen, device=device)
        use = (torch.rand(B, generator=gen, device=device) < (1.0 if _rep == 0 else 0.35)).float()
        for i, fn in enumerate(kinds):
            sel = (k == i).float() * use
            if sel.sum() == 0:
                continue
            n = babble(cgen, B, T, device, segs) if fn is None else fn(gen, B, T, device)
            n = n / (n.pow(2).mean(-1, keepdim=True).sqrt() + 1e-9)
            noise = noise + sel.unsqueeze(-1) * n * rand(gen, B, 0.5, 1.0, device).unsqueeze(-1)
    noise = shape_spectrum(noise, smooth_eq(gen, B, device, db=4.0))
    snr = rand(gen, B, *snr_range, device) if fixed_snr is None else torch.full((B,), fixed_snr, device=device)
    ps = s.pow(2).mean(-1, keepdim=True).clamp(min=1e-8)
    pn = noise.pow(2).mean(-1, keepdim=True).clamp(min=1e-12)
    noise = noise * torch.sqrt(ps / pn * 10 ** (-snr.unsqueeze(-1) / 10))
    clean = torch.rand(B, generator=gen, device=device) < p_clean
    if fixed_snr is None:
        noise = torch.where(clean.unsqueeze(-1), torch.zeros_like(noise), noise)
    x = s + noise
    lvl = 10 ** (rand(gen, B, -40.0, -12.0, device) / 20).unsqueeze(-1)
    g = lvl / (x.pow(2).mean(-1, keepdim=True).sqrt() + 1e-9)
    x, s = x * g, s * g
    pk = x.abs().amax(-1, keepdim=True)
    x, s = torch.where(pk > 0.99, x / pk * 0.99, x), torch.where(pk > 0.99, s / pk * 0.99, s)
    clip = torch.rand(B, generator=gen, device=device) < 0.05
    cl = rand(gen, B, 0.3, 0.9, device).unsqueeze(-1) * x.abs().amax(-1, keepdim=True)
    x = torch.where(clip.unsqueeze(-1), torch.maximum(torch.minimum(x, cl), -cl), x)
    return x, s, snr


# ----------------------------------------------------------------- losses, metrics
def snr_loss(y, t, eps=1e-7):
    return (10 * torch.log10((y - t).pow(2).sum(-1) + eps) - 10 * torch.log10(t.pow(2).sum(-1) + eps)).mean()


def si_sdr(y, t, eps=1e-9):
    t = t - t.mean(-1, keepdim=True)
    y = y - y.mean(-1, keepdim=True)
    a = (y * t).sum(-1, keepdim=True) / (t.pow(2).sum(-1, keepdim=True) + eps)
    e = a * t
    return 10 * torch.log10(e.pow(2).sum(-1) / ((y - e).pow(2).sum(-1) + eps) + eps)


def snr_db(y, t, eps=1e-9):
    return 10 * torch.log10(t.pow(2).sum(-1) / ((y - t).pow(2).sum(-1) + eps) + eps)


def vad_labels(t, hop):
    e = t.pow(2).reshape(t.shape[0], -1, hop).mean(-1)
    ref = e.amax(-1, keepdim=True)
    return ((e > 1e-3 * ref) & (e > 1e-9)).float()


@torch.no_grad()
def validate(model, vsets):
    model.eval()
    res = {}
    d = model.latency
    for snr, (x, s) in vsets.items():
        y, _ = model(x)
        t = delay(s, d)
        xd = delay(x, d)
        cut = SR // 10  # skip the first 100 ms (state warm-up, delay padding)
        res[snr] = {
            "sisdr_in": si_sdr(xd[:, cut:], t[:, cut:]).mean().item(),
            "sisdr_out": si_sdr(y[:, cut:], t[:, cut:]).mean().item(),
            "snr_in": snr_db(xd[:, cut:], t[:, cut:]).mean().item(),
            "snr_out": snr_db(y[:, cut:], t[:, cut:]).mean().item(),
        }
    model.train()
    return res


# ----------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--log", default=None)
    ap.add_argument("--minutes", type=float, default=8.0)
    ap.add_argument("--total-steps", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--save-every", type=float, default=120.0)
    ap.add_argument("--export", default=None, help="write the model as safetensors at the end")
    ap.add_argument("--tail", default=None, metavar="PEAK:FLOOR",
                    help="past the --total-steps schedule: ramp the lr multiplier to PEAK over 200 steps, then "
                         "cosine-decay it to FLOOR over this chunk's --minutes of wall time")
    args = ap.parse_args()
    t0 = time.time()
    torch.backends.cuda.matmul.allow_tf32 = False  # the C engine is float32: keep training close to it
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(args.seed)
    corpus = load_corpus(args.data, device)
    print(f"corpus: {len(corpus['train'])} train, {len(corpus['val'])} val utterances, "
          f"{sum(len(a) for a in corpus['train'])/SR/60:.1f} min train; loaded in {time.time()-t0:.1f}s", flush=True)

    model = DenoiseNet().to(device)
    s4d_params = [p for n, p in model.named_parameters() if ".s4d." in n]
    other = [p for n, p in model.named_parameters() if ".s4d." not in n]
    opt = torch.optim.AdamW([{"params": other, "weight_decay": 1e-4}, {"params": s4d_params, "weight_decay": 0.0, "lr": args.lr * 0.5}], lr=args.lr)
    step = 0
    history = []
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)
    cgen = torch.Generator()
    cgen.manual_seed(args.seed)
    if os.path.exists(args.ckpt):
        ck = torch.load(args.ckpt, map_location="cpu", weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
        history = ck.get("history", [])
        gen.set_state(ck["gen"])
        cgen.set_state(ck["cgen"])
        print(f"resumed at step {step}", flush=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params: {n_params}", flush=True)

    # Fixed validation mixtures (own generator: identical in every chunk).
    vgen = torch.Generator(device=device)
    vgen.manual_seed(777)
    vcgen = torch.Generator()
    vcgen.manual_seed(777)
    vstream = speech_stream(corpus["val"], vcgen, (0.05, 0.4))
    vsets = {}
    for snr in (-5.0, 0.0, 5.0, 10.0, 15.0, 20.0):
        x, s, _ = make_batch(vgen, vcgen, vstream, corpus["val"], 16, 4 * SR, device, p_clean=0.0, fixed_snr=snr)
        vsets[snr] = (x, s)
    x, s, _ = make_batch(vgen, vcgen, vstream, corpus["val"], 16, 4 * SR, device, p_clean=1.0)
    vsets["clean"] = (x, s)

    stream = speech_stream(corpus["train"], cgen)
    T = int(args.seconds * SR) // model.hop * model.hop

    def lr_at(k):
        warm = 300
        if k < warm:
            return (k + 1) / warm
        p = min(1.0, (k - warm) / max(1, args.total_steps - warm))
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p))

    def save():
        ck = {"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "history": history,
              "gen": gen.get_state(), "cgen": cgen.get_state(), "args": vars(args)}
        torch.save(ck, args.ckpt + ".tmp")
        os.replace(args.ckpt + ".tmp", args.ckpt)

    if args.tail:
        # The step-based cosine is spent once step >= total_steps; a tail chunk has a wall-time budget, not a
        # known step count, so its decay follows the clock and ends at FLOOR however fast the GPU is.
        t_peak, t_floor = (float(v) for v in args.tail.split(":"))
        t_step0, t_m0 = step, lr_at(min(step, args.total_steps))
        t_start, t_len = time.time(), args.minutes * 60 - (time.time() - t0) - 15.0

        def mult(k):
            if k - t_step0 < 200:
                return t_m0 + (t_peak - t_m0) * (k - t_step0) / 200
            p = min(1.0, (time.time() - t_start) / t_len)
            return t_floor + (t_peak - t_floor) * 0.5 * (1 + math.cos(math.pi * p))
    else:
        mult = lr_at
        t_step0 = None
    last_save = time.time()
    run_loss = []
    while (t_step0 is not None or step < args.total_steps) and time.time() - t0 < args.minutes * 60:
        for i, g in enumerate(opt.param_groups):
            g["lr"] = (args.lr if i == 0 else args.lr * 0.5) * mult(step)
        if step % 500 == 0:
            stream = speech_stream(corpus["train"], cgen)  # new utterance order and pauses
        x, s, _ = make_batch(gen, cgen, stream, corpus["train"], args.batch, T, device)
        y, v = model(x)
        t = delay(s, model.latency)
        l_snr = snr_loss(y, t)
        l_stft = stft_loss(y, t).mean()
        l_vad = Fn.binary_cross_entropy(v.clamp(1e-6, 1 - 1e-6), vad_labels(s, model.hop))
        loss = l_snr + 10.0 * l_stft + 2.0 * l_vad
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        if torch.isfinite(gn):
            opt.step()
        step += 1
        run_loss.append([loss.item(), l_snr.item(), l_stft.item(), l_vad.item()])
        if step % 100 == 0:
            m = np.mean(run_loss, 0)
            run_loss = []
            rec = {"step": step, "t": round(time.time() - t0, 1), "loss": float(m[0]), "snr_loss": float(m[1]),
                   "stft": float(m[2]), "vad_bce": float(m[3]), "lr": opt.param_groups[0]["lr"]}
            history.append(rec)
            print(json.dumps(rec), flush=True)
        if time.time() - last_save > args.save_every:
            val = validate(model, vsets)
            history.append({"step": step, "val": {str(k): v for k, v in val.items()}})
            print("val", json.dumps({str(k): {a: round(b, 2) for a, b in v.items()} for k, v in val.items()}), flush=True)
            save()
            last_save = time.time()
    val = validate(model, vsets)
    history.append({"step": step, "val": {str(k): v for k, v in val.items()}})
    print("val", json.dumps({str(k): {a: round(b, 2) for a, b in v.items()} for k, v in val.items()}), flush=True)
    save()
    if args.log:
        with open(args.log, "w") as f:
            for r in history:
                f.write(json.dumps(r) + "\n")
    print(f"done: step {step}, {time.time()-t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Train a v2 denoiser (tools/train/dn2model.py, issue 15) on the v2 corpus
(make_data_v2.sh) with the v2 mixer (mixer.py): a fresh mixture every step.

  python3 train_dn2.py --data DIR --variant NAME --ckpt CKPT.pt --minutes M \
      [--plan-seconds S] [--warm presets/denoise.safetensors] [--report R.json]

Variants (--variant): dn2model.VARIANTS (the S4D stack, and the selective
family of the ablation when its kind is in ssmlib). Resumable: CKPT (model,
optimiser, step, trained seconds, generator) is loaded when it exists and
written every --save-every seconds and at the end. The learning rate
follows the trained wall-clock seconds, not a step count (the device runs
are time-boxed): linear warm-up, then a cosine to --lr-floor over
--plan-seconds of training in all (across every resumed run).

Loss, per item (dB terms, so every kind weighs alike whatever its level):
  speech items    -SNR(y, clean delayed by the latency), capped at 50 dB
  no-speech items output / input energy, dB, down to -50 (noise alone
                  must go down by the full limit)
  onset items     the same on the noise between onset + 50 ms and the speech
  every item      multi-resolution log-STFT L1 (256/1024/4096), VAD BCE
  shift           a quarter of the batch again delayed by k in 1..hop-1:
                  residual of y_k against y delayed by k, dB, down to -60
  teacher         (--teacher, optional) on mixtures: residual of y against
                  a frozen model's output, dB, hinged at --teach-floor (a
                  fine-tune learns the new items without forgetting what the
                  teacher does on mixtures)
Validation (fixed batches of the voice-disjoint split, mixer.make_valset):
SI-SDRi per SNR and per noise family, clean-in SNR, noise-only attenuation,
onset clamp time, shift residual.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as Fn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dn2model as D  # noqa: E402
from losses import delay, stft_loss  # noqa: E402
from mixer import KIND, SR, Corpus, MixConfig, make_batch, make_valset  # noqa: E402

HOP = 48


# ----------------------------------------------------------------- helpers
def db(x, eps=1e-20):
    return 10 * torch.log10(x + eps)


def si_sdr(y, t, eps=1e-9):
    t = t - t.mean(-1, keepdim=True)
    y = y - y.mean(-1, keepdim=True)
    a = (y * t).sum(-1, keepdim=True) / (t.pow(2).sum(-1, keepdim=True) + eps)
    e = a * t
    return 10 * torch.log10(e.pow(2).sum(-1) / ((y - e).pow(2).sum(-1) + eps) + eps)


def run(g, x):
    out = g(x)
    return out["audio"][..., 0], out["vad"][..., 0]


def masked_mean(v, m):
    """Mean of v over the items where m holds (0 when none): no host sync."""
    m = m.float()
    return (v * m).sum() / m.sum().clamp(min=1.0)


def window_mask(T, lo, hi, device):
    """(B, T) mask of samples lo <= n < hi per item (lo, hi: (B,) long)."""
    n = torch.arange(T, device=device)
    return (n >= lo.unsqueeze(-1)) & (n < hi.unsqueeze(-1))


def shift_residual(g, x, y, k):
    """Energy of y_k[n + k] - y[n] over that of y, (B,), y_k = g(x delayed by k)."""
    yk, _ = run(g, delay(x, k))
    a, b = yk[:, k:], y[:, : y.shape[1] - k]
    return (a - b).pow(2).sum(-1) / (b.pow(2).sum(-1) + 1e-12), b.pow(2).sum(-1)


# ----------------------------------------------------------------- loss
def losses(g, x, s, info, args, shift_k=None, teacher=None):
    """The training loss and its parts (0-d tensors). The noise terms are
    hinges: attenuation past --att-floor dB, shift residual below
    --shift-floor dB earn nothing (so they cannot take over from the speech
    terms once met). No host synchronisation."""
    L = g.latency
    B, T = x.shape
    y, v = run(g, x)
    t = delay(s, L)
    xd = delay(x, L)
    ps = t.pow(2).sum(-1)
    speech = ps > 0
    # Speech items: -SNR with a 50 dB ceiling (clean items do not dominate).
    e = (y - t).pow(2).sum(-1)
    l_snr = db(e + 1e-5 * ps) - db(ps)
    # No-speech items: the output is noise the model let through.
    px = xd.pow(2).sum(-1)
    att = db(y.pow(2).sum(-1) + 1e-12) - db(px + 1e-12)
    l_att = Fn.relu(att - args.att_floor) * (px > 0)
    # Clean items weigh w_clean: cutting a word's onset after silence (the
    # onset clamp's failure mode) costs them alone.
    w_sp = torch.where(info["kind"] == KIND["clean"], torch.full_like(l_snr, args.w_clean), torch.ones_like(l_snr))
    per_item = torch.where(speech, w_sp * l_snr, args.w_att * l_att)
    # Onset items: the noise after onset + 50 ms (until the speech) must be down too.
    on = info["kind"] == KIND["onset"]
    lo = info["onset"] + int(0.05 * SR) + L
    hi = torch.where(speech, info["speech_start"] + L, torch.full_like(lo, T))
    m = window_mask(T, lo, hi, x.device) & on.unsqueeze(-1)
    pin = (xd.pow(2) * m).sum(-1)
    a = db((y.pow(2) * m).sum(-1) + 1e-12) - db(pin + 1e-12)
    l_on = masked_mean(Fn.relu(a - args.att_floor), on & (pin > 0))
    l_main = per_item.mean()
    # Log-spectral distance on the items with speech (noise alone is the hinge's).
    l_stft = masked_mean(stft_loss(y, t), speech)
    lab = info["vad"].float()[:, : T // HOP * HOP].reshape(B, -1, HOP).mean(-1) > 0.5
    l_vad = Fn.binary_cross_entropy(v.clamp(1e-6, 1 - 1e-6), lab[:, : v.shape[1]].float())
    l_shift = torch.zeros((), device=x.device)
    if shift_k:
        n = max(1, B // 4)
        r, en = shift_residual(g, x[:n], y[:n], shift_k)
        l_shift = masked_mean(Fn.relu(db(r) - args.shift_floor), en > 1e-10)
    l_teach = torch.zeros((), device=x.device)
    if teacher is not None:
        with torch.no_grad():
            yt, _ = run(teacher, x)
        pt = yt.pow(2).sum(-1)
        r = db((y - yt).pow(2).sum(-1) + 1e-12) - db(pt + 1e-12)
        l_teach = masked_mean(Fn.relu(r - args.teach_floor), (info["kind"] == KIND["mix"]) & speech & (pt > 0))
    loss = (l_main + args.w_onset * l_on + args.w_stft * l_stft + args.w_vad * l_vad + args.w_shift * l_shift
            + args.w_teach * l_teach)
    parts = {"loss": loss, "snr": masked_mean(l_snr, speech), "att": masked_mean(att, ~speech & (px > 0)),
             "onset": l_on, "stft": l_stft, "vad": l_vad, "shift": l_shift, "teach": l_teach}
    return loss, parts


# ----------------------------------------------------------------- validation
@torch.no_grad()
def validate(g, vsets, shifts=(1, 7, 24)):
    """Scores on the fixed validation batches (dict of floats)."""
    was = g.training
    g.eval()
    L = g.latency
    cut = SR // 10
    res = {}
    for name, (x, s, info) in vsets.items():
        y, v = run(g, x)
        t, xd = delay(s, L), delay(x, L)
        if name.startswith("snr") or name.startswith("family:"):
            si_in = si_sdr(xd[:, cut:], t[:, cut:])
            si_out = si_sdr(y[:, cut:], t[:, cut:])
            res[name] = float((si_out - si_in).mean())
            res[name + ":min"] = float((si_out - si_in).min())
        elif name == "clean":
            e = (y - xd)[:, cut:].pow(2).sum(-1)
            res["clean_snr"] = float((db(xd[:, cut:].pow(2).sum(-1)) - db(e)).mean())
        elif name == "noise":
            a = db(y[:, cut:].pow(2).sum(-1)) - db(xd[:, cut:].pow(2).sum(-1))
            res["noise_att"] = float(a.mean())
            res["noise_att_worst"] = float(a.max())
        elif name == "onset":
            res.update(onset_scores(y, xd, info, L))
        elif name == "silence":
            res["silence_max"] = float(y.abs().max())
    snr_keys = [k for k in res if k.startswith("snr") and not k.endswith(":min")]
    fam_keys = [k for k in res if k.startswith("family:") and not k.endswith(":min")]
    res["sisdri_snr_mean"] = float(np.mean([res[k] for k in snr_keys]))
    res["sisdri_family_mean"] = float(np.mean([res[k] for k in fam_keys]))
    res["worst_family"] = min(fam_keys, key=lambda k: res[k])
    res["worst_family_db"] = res[res["worst_family"]]
    x, s, _ = vsets["snr10"]
    y, _ = run(g, x)
    for k in shifts:
        r, en = shift_residual(g, x, y, k)
        res[f"shift{k}_db"] = float(db((r * en).sum() / en.sum()))
    g.train(was)
    return res


def onset_scores(y, xd, info, L, win=480):
    """Clamp time: after the onset, the first 10 ms window from which every
    window up to the speech (or the end) is >= 20 dB below the input's
    (windows where the input itself is 20 dB below its loudest, the gaps of
    gated noise, do not count); and the attenuation over onset + 50 ms ..
    speech."""
    B, T = y.shape
    times, atts = [], []
    for b in range(B):
        o = int(info["onset"][b]) + L
        if o < L:
            continue
        end = int(info["speech_start"][b]) + L if bool((info["vad"][b]).any()) else T
        end = min(end, T)
        n = (end - o) // win
        if n < 6:
            continue
        yi = y[b, o: o + n * win].reshape(n, win).pow(2).sum(-1)
        xi = xd[b, o: o + n * win].reshape(n, win).pow(2).sum(-1)
        r = db(yi + 1e-20) - db(xi + 1e-20)
        bad = ((r > -20.0) & (xi > 0.01 * xi.max())).nonzero()
        times.append(0.0 if len(bad) == 0 else (int(bad[-1]) + 1) * win / SR * 1000)
        w0 = int(0.05 * SR) // win
        atts.append(float(db(yi[w0:].sum()) - db(xi[w0:].sum())))
    if not times:
        return {}
    return {"onset_clamp_ms_mean": float(np.mean(times)), "onset_clamp_ms_max": float(np.max(times)),
            "onset_att_db": float(np.mean(atts))}


# ----------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--variant", default="s4d", choices=sorted(D.VARIANTS))
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out-ckpt", default=None, help="write checkpoints here (default: --ckpt)")
    ap.add_argument("--warm", default=None, help="v1 model file to start from (fresh runs only)")
    ap.add_argument("--minutes", type=float, default=8.0, help="wall time of this run, start-up included")
    ap.add_argument("--plan-seconds", type=float, default=1000.0, help="training seconds of the whole schedule")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--lr-floor", type=float, default=0.03)
    ap.add_argument("--warmup", type=float, default=20.0, help="seconds of linear lr warm-up")
    ap.add_argument("--w-att", type=float, default=1.0)
    ap.add_argument("--w-onset", type=float, default=0.3)
    ap.add_argument("--w-clean", type=float, default=1.0, help="weight of the clean items' SNR term")
    ap.add_argument("--w-stft", type=float, default=10.0)
    ap.add_argument("--w-vad", type=float, default=2.0)
    ap.add_argument("--w-shift", type=float, default=0.3)
    ap.add_argument("--att-floor", type=float, default=-35.0,
                    help="dB: noise alone (and after an onset) attenuated past this earns nothing more")
    ap.add_argument("--shift-floor", type=float, default=-40.0, help="dB: shift residual target (hinge)")
    ap.add_argument("--teacher", default=None, help="frozen v1 model file: its output on mixtures is a second target")
    ap.add_argument("--w-teach", type=float, default=0.5)
    ap.add_argument("--teach-floor", type=float, default=-20.0, help="dB: residual against the teacher that earns nothing")
    ap.add_argument("--mix", action="append", default=[], metavar="FIELD=VALUE",
                    help="override a mixer.MixConfig number for training batches, e.g. --mix p_hf_ext=0.8 "
                         "or --mix family_weights.clicks=0.8")
    ap.add_argument("--pool", type=int, default=8, help="batches mixed per mixer call")
    ap.add_argument("--restart-schedule", action="store_true",
                    help="on resume: warm-up and cosine start again over --plan-seconds from here")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--save-every", type=float, default=90.0)
    ap.add_argument("--snapshot-every", type=float, default=0.0,
                    help="seconds between weight snapshots (snap_<variant>_<step>.pt beside --out-ckpt; "
                         "0: none): checkpoints are chosen afterwards on tools/eval's set")
    ap.add_argument("--val-every", type=float, default=90.0)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--report", default=None, help="write the history and last validation (JSON)")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps of this run (smoke tests)")
    ap.add_argument("--val-batch", type=int, default=16)
    ap.add_argument("--log-every", type=float, default=30.0, help="seconds between progress lines")
    args = ap.parse_args()
    t0 = time.time()
    deadline = t0 + args.minutes * 60
    torch.set_num_threads(args.threads)
    torch.backends.cuda.matmul.allow_tf32 = False  # the engine is float32: train close to it
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True  # fixed shapes every step: the fastest conv algorithms
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    tag = f"[{args.variant}]"

    def log(*a):
        print(tag, *a, flush=True)

    spec = D.VARIANTS[args.variant]
    g = D.build(**spec["arch"]).to(dev)
    lr = args.lr or spec["lr"]
    # The recurrences' own parameters (dt, poles): half the lr, no decay (v1's recipe).
    seq_names = _seq_names(g)
    seq_params = [p for n, p in g.named_parameters() if n in seq_names]
    other = [p for n, p in g.named_parameters() if n not in seq_names]
    opt = torch.optim.AdamW([{"params": other, "weight_decay": 1e-4, "lr_scale": 1.0},
                             {"params": seq_params, "weight_decay": 0.0, "lr_scale": 0.5}], lr=lr)
    gen = torch.Generator(device=dev)
    gen.manual_seed(args.seed + sum(args.variant.encode()))
    step, trained, history = 0, 0.0, []
    if os.path.exists(args.ckpt):
        ck = torch.load(args.ckpt, map_location="cpu", weights_only=False)
        if ck.get("variant") != args.variant:
            raise SystemExit(f"{args.ckpt} holds variant {ck.get('variant')}, not {args.variant}")
        g.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, trained, history = ck["step"], ck["trained"], ck.get("history", [])
        try:
            gen.set_state(ck["gen"])
        except RuntimeError:  # a CUDA generator's state on a CPU run (smoke tests): reseed
            gen.manual_seed(args.seed + step)
        log(f"resumed at step {step}, {trained:.0f} s trained" +
            (", schedule restarted" if args.restart_schedule else ""))
    elif args.warm and spec.get("warm"):
        for note in D.warm_start(g, args.warm, blocks=spec["warm"]):
            log("warm:", note)
    log(f"{D.describe(g)}; device {dev}; lr {lr}")
    teacher = None
    if args.teacher:
        teacher = D.build(**D.VARIANTS["v1"]["arch"]).to(dev)
        D.warm_start(teacher, args.teacher)
        teacher.eval().requires_grad_(False)
        log(f"teacher {args.teacher} (weight {args.w_teach}, floor {args.teach_floor} dB)")
    mixcfg = MixConfig()
    for kv in args.mix:
        k, v = kv.split("=", 1)
        field, _, key = k.partition(".")  # "family_weights.babble=1.5" sets one entry of a dict field
        cur = getattr(mixcfg, field, None)
        if key and isinstance(cur, dict) and key in cur:
            cur[key] = float(v)
        elif not key and isinstance(cur, (int, float)):
            setattr(mixcfg, field, type(cur)(float(v)))
        else:
            raise SystemExit(f"--mix {kv}: not a number field (or an entry of a dict field) of MixConfig")
        log(f"mixer {k} = {v}")

    corpus = Corpus.load(args.data, device=dev)
    log(f"corpus: {corpus.minutes('train'):.1f} min train, {corpus.minutes('val'):.1f} min val, "
        f"loaded in {time.time() - t0:.0f} s")
    vsets = make_valset(corpus, B=args.val_batch, T=4 * SR, seed=777, device=dev)
    log(f"validation batches ready at {time.time() - t0:.0f} s")
    T = int(args.seconds * SR) // HOP * HOP

    sched0 = trained if args.restart_schedule else 0.0

    def lr_mult(sec):
        sec -= sched0
        if sec < args.warmup:
            return (sec + 1.0) / (args.warmup + 1.0)
        p = min(1.0, (sec - args.warmup) / max(1.0, args.plan_seconds - args.warmup))
        return args.lr_floor + (1 - args.lr_floor) * 0.5 * (1 + math.cos(math.pi * p))

    out_ckpt = args.out_ckpt or args.ckpt

    # The weights of the best validation so far travel in the checkpoint too
    # (a time-boxed run cannot be stopped by hand where it peaked).
    best = {"score": -1e9, "model": None, "step": None, "val": None}
    if os.path.exists(args.ckpt) and ck.get("best_model") is not None:
        best = {"score": ck["best_score"], "model": ck["best_model"], "step": ck["best_step"], "val": ck["best_val"]}

    def save():
        ck = {"model": g.state_dict(), "opt": opt.state_dict(), "step": step, "trained": trained,
              "history": history, "gen": gen.get_state(), "variant": args.variant, "args": vars(args),
              "arch": spec["arch"], "best_model": best["model"], "best_score": best["score"],
              "best_step": best["step"], "best_val": best["val"]}
        torch.save(ck, out_ckpt + ".tmp")
        os.replace(out_ckpt + ".tmp", out_ckpt)

    def snapshot():
        if args.snapshot_every > 0:
            path = os.path.join(os.path.dirname(os.path.abspath(out_ckpt)), f"snap_{args.variant}_{step}.pt")
            torch.save({"arch": spec["arch"], "model": g.state_dict(), "step": step, "trained": trained,
                        "variant": args.variant, "args": vars(args)}, path)

    def do_val():
        tv = time.time()
        r = validate(g, vsets)
        history.append({"step": step, "trained": round(trained, 1), "val": r})
        score = r["sisdri_snr_mean"] + r["worst_family_db"]  # the mean, and the worst family
        if score > best["score"]:
            best.update(score=score, step=step, val=r,
                        model={a: b.detach().to("cpu").clone() for a, b in g.state_dict().items()})
        keys = ["sisdri_snr_mean", "sisdri_family_mean", "worst_family_db", "clean_snr", "noise_att",
                "onset_clamp_ms_max", "shift1_db", "shift24_db"]
        log("val", f"step {step}", " ".join(f"{k}={r[k]:.2f}" for k in keys if k in r),
            f"worst={r['worst_family']}", f"({time.time() - tv:.0f} s)")
        return time.time() - tv

    val_cost = do_val()
    first_step = step
    last_save = last_val = last_log = last_snap = time.time()
    run_loss = []
    last_step = step
    g.train()
    rng = np.random.default_rng(args.seed + step)
    pool = []
    while True:
        now = time.time()
        if now + val_cost + 10 > deadline or (args.max_steps and step - first_step >= args.max_steps):
            break
        for grp in opt.param_groups:
            grp["lr"] = lr * grp["lr_scale"] * lr_mult(trained)
        ts = time.time()
        if not pool:
            # The mixer's cost is per call (a few thousand small ops), not per item.
            px, ps_, pi = make_batch(corpus, gen, args.batch * args.pool, T, cfg=mixcfg)
            pool = [(px[j::args.pool], ps_[j::args.pool], {a: b[j::args.pool] for a, b in pi.items()})
                    for j in range(args.pool)]
        x, s, info = pool.pop()
        k = int(rng.integers(1, HOP)) if args.w_shift > 0 else None
        loss, parts = losses(g, x, s, info, args, shift_k=k, teacher=teacher)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(g.parameters(), 5.0)
        if torch.isfinite(gn):
            opt.step()
        step += 1
        run_loss.append({a: b.detach() for a, b in parts.items()})  # no sync per step
        trained += time.time() - ts
        if time.time() - last_log > args.log_every or (args.max_steps and step - first_step <= 3):
            m = {a: round(float(torch.stack([r[a] for r in run_loss]).float().mean()), 2) for a in run_loss[0]}
            run_loss = []
            rec = {"step": step, "trained": round(trained, 1), "lr": round(opt.param_groups[0]["lr"], 6),
                   "steps_s": round((step - last_step) / (time.time() - last_log), 2), **m}
            last_log, last_step = time.time(), step
            history.append(rec)
            log(json.dumps(rec, separators=(",", ":")))
        if time.time() - last_val > args.val_every:
            val_cost = do_val()
            last_val = time.time()
        if args.snapshot_every > 0 and time.time() - last_snap > args.snapshot_every:
            snapshot()
            last_snap = time.time()
        if time.time() - last_save > args.save_every:
            save()
            last_save = time.time()
    do_val()
    save()
    snapshot()
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"variant": args.variant, "arch": spec["arch"], "step": step, "trained": trained,
                       "describe": D.describe(g), "history": history}, f, indent=1)
    mem = f", GPU peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB" if dev == "cuda" else ""
    log(f"done: step {step}, {trained:.0f} s trained, {time.time() - t0:.0f} s wall{mem}")


def _seq_names(g):
    """Parameter names of the S4D layers, and of Mamba's dt and A (its
    projections train as the other matrices)."""
    names = set()
    for i, (n, l) in enumerate(zip(g.nodes, g.layers)):
        if n["kind"] in ("s4d", "mamba"):
            for pn, _ in l.named_parameters():
                if l.kind == "s4d" or pn in ("A_log", "dt_proj.bias", "D"):
                    names.add(f"layers.{i}.{pn}")
    return names


if __name__ == "__main__":
    main()

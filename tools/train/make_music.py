#!/usr/bin/python3
"""Background music for the denoiser v2 noise set: random MIDI pieces
written here (melody, chords, bass, drums; General MIDI instruments),
rendered by fluidsynth with Debian's soundfonts (fluid-soundfont-gm,
timgm6mb-soundfont), with fluidsynth's own reverb and chorus.

Output, beside make_data_v2.py's speech in the same folder:
  OUT/music.spc        every piece at 24 kHz, mono, concatenated (codec.py;
                       it is noise here, so coded coarser than speech)
  OUT/music.json       per piece: offset, length, soundfont, programs, tempo,
                       split (val pieces come from their own seeds)

Usage: /usr/bin/python3 tools/train/make_music.py --out DIR --minutes 10 --seed 1
"""
import argparse
import json
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import codec  # noqa: E402

SR = 24000
SOUNDFONTS = ("/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/TimGM6mb.sf2")
SCALES = {"major": [0, 2, 4, 5, 7, 9, 11], "minor": [0, 2, 3, 5, 7, 8, 10], "dorian": [0, 2, 3, 5, 7, 9, 10],
          "pentatonic": [0, 2, 4, 7, 9], "blues": [0, 3, 5, 6, 7, 10], "mixolydian": [0, 2, 4, 5, 7, 9, 10]}
PROGRESSIONS = ([0, 4, 5, 3], [0, 5, 3, 4], [1, 4, 0, 0], [0, 3, 4, 3], [5, 3, 0, 4], [0, 0, 3, 4], [0, 6, 5, 4])
CHORD_PROGRAMS = list(range(0, 8)) + list(range(16, 22)) + list(range(24, 30)) + [48, 49, 50, 52, 61, 88, 89, 90, 91, 94]
LEAD_PROGRAMS = [0, 4, 11, 12, 13, 22, 40, 41, 56, 57, 60, 64, 65, 66, 68, 71, 73, 74, 75, 80, 81, 104, 105]
BASS_PROGRAMS = list(range(32, 40)) + [42, 43]
DRUM_STYLES = ("rock", "four", "swing", "bossa", "half")


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def write_midi(path, events, bpm, tpb=480):
    """events: (tick, bytes) with channel messages; format 0, one track."""
    evs = [(0, b"\xff\x51\x03" + struct.pack(">I", int(60e6 / bpm))[1:])] + sorted(events, key=lambda e: (e[0], e[1][0] & 0xF0 == 0x90))
    data, last = b"", 0
    for t, msg in evs:
        data += vlq(t - last) + msg
        last = t
    data += vlq(0) + b"\xff\x2f\x00"
    with open(path, "wb") as f:
        f.write(b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpb) + b"MTrk" + struct.pack(">I", len(data)) + data)


def note(ev, ch, t, dur, pitch, vel):
    pitch = int(min(127, max(0, pitch)))
    ev.append((t, bytes([0x90 | ch, pitch, int(min(127, max(1, vel)))])))
    ev.append((t + max(1, dur), bytes([0x80 | ch, pitch, 0])))


def compose(rng, seconds):
    tpb = 480
    bpm = rng.uniform(60, 170)
    beats = int(seconds * bpm / 60) + 1
    root = rng.randint(0, 11)
    scale_name = rng.choice(list(SCALES))
    scale = SCALES[scale_name]
    prog = rng.choice(PROGRESSIONS)
    bar = rng.choice([3, 4, 4, 4])
    ev = []
    layout = rng.choice(["band", "band", "band", "solo", "duo"])
    programs = {}

    def deg(d, octave):
        return 12 * octave + root + scale[d % len(scale)] + 12 * (d // len(scale))

    def jitter(t):
        return max(0, t + rng.randint(-15, 15))

    chord_ch, lead_ch, bass_ch = 0, 1, 2
    programs[chord_ch] = rng.choice(CHORD_PROGRAMS)
    if layout != "solo":
        programs[lead_ch] = rng.choice(LEAD_PROGRAMS)
    if layout == "band":
        programs[bass_ch] = rng.choice(BASS_PROGRAMS)
    for ch, p in programs.items():
        ev.append((0, bytes([0xC0 | ch, p])))
        ev.append((0, bytes([0xB0 | ch, 91, rng.randint(20, 110)])))  # reverb send
        ev.append((0, bytes([0xB0 | ch, 7, rng.randint(70, 120)])))  # channel volume
    # Chords: block, arpeggio or strum, one chord a bar.
    style = rng.choice(["block", "arp", "strum"])
    for b in range(0, beats, bar):
        d = prog[(b // bar) % len(prog)]
        tones = [deg(d, 5), deg(d + 2, 5), deg(d + 4, 5)] + ([deg(d + 6, 5)] if rng.random() < 0.3 else [])
        t0 = b * tpb
        if style == "block":
            for p in tones:
                note(ev, chord_ch, jitter(t0), bar * tpb - 20, p, rng.randint(50, 90))
        elif style == "strum":
            for k in range(bar):
                for i, p in enumerate(tones):
                    note(ev, chord_ch, jitter(t0 + k * tpb + 12 * i), tpb - 30, p, rng.randint(45, 85))
        else:
            step = tpb // 2
            for k in range(bar * 2):
                note(ev, chord_ch, jitter(t0 + k * step), step, tones[k % len(tones)] + 12 * (k // len(tones) % 2), rng.randint(45, 85))
    # Bass: root (and fifth) on the beats.
    if bass_ch in programs:
        for b in range(beats):
            d = prog[(b // bar) % len(prog)]
            p = deg(d, 3) + (7 if b % 2 and rng.random() < 0.4 else 0)
            note(ev, bass_ch, jitter(b * tpb), tpb - 40, p, rng.randint(70, 105))
    # Melody: a random walk on the scale with phrases and rests.
    if lead_ch in programs:
        t, d = 0, rng.randint(7, 11)
        while t < beats * tpb:
            dur = rng.choice([tpb // 4, tpb // 2, tpb // 2, tpb, tpb, tpb * 3 // 2, tpb * 2])
            if rng.random() < 0.15:
                t += dur
                continue
            d = max(0, min(20, d + rng.choice([-2, -1, -1, 0, 1, 1, 2, 3, -3])))
            note(ev, lead_ch, jitter(t), dur - 10, deg(d, 4), rng.randint(60, 110))
            t += dur
    # Drums (General MIDI channel 10).
    drums = None
    if layout == "band" and rng.random() < 0.85:
        drums = rng.choice(DRUM_STYLES)
        for b in range(beats):
            t0, inbar = b * tpb, b % bar
            if drums in ("rock", "half", "swing", "bossa"):
                if inbar == 0 or (drums == "rock" and inbar == 2):
                    note(ev, 9, jitter(t0), 60, 36, rng.randint(90, 120))
                if inbar % 2 == 1 and drums != "bossa":
                    note(ev, 9, jitter(t0), 60, 38 if drums != "half" or inbar == 3 else 37, rng.randint(80, 115))
            if drums == "four":
                note(ev, 9, jitter(t0), 60, 36, rng.randint(95, 120))
                if inbar % 2 == 1:
                    note(ev, 9, jitter(t0), 60, 39, rng.randint(70, 100))
            hat = 51 if drums == "swing" else 42
            subs = [0, 2 * tpb // 3] if drums == "swing" else [0, tpb // 2]
            for s in subs:
                note(ev, 9, jitter(t0 + s), 40, hat if rng.random() > 0.1 else 46, rng.randint(50, 90))
            if drums == "bossa" and rng.random() < 0.5:
                note(ev, 9, jitter(t0 + tpb // 2), 40, 37, rng.randint(60, 90))
            if inbar == 0 and b % (bar * 4) == 0 and rng.random() < 0.5:
                note(ev, 9, jitter(t0), 200, 49, rng.randint(80, 110))
    return ev, bpm, {"bpm": round(bpm, 1), "root": root, "scale": scale_name, "layout": layout,
                     "programs": programs, "drums": drums}


def render(sf, mid, wav, gain):
    subprocess.run(["fluidsynth", "-ni", "-q", "-g", f"{gain:.2f}", "-r", str(SR), "-T", "wav", "-F", wav, sf, mid],
                   check=True, capture_output=True, timeout=300)
    w = wave.open(wav)
    a = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float64) / 32768
    return a.reshape(-1, w.getnchannels()).mean(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--val-share", type=float, default=0.15)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--snr-db", type=float, default=30.0, help="codec error below the local level (noise, so coarse)")
    args = ap.parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    pieces, audio, off = [], [], 0
    got = {"train": 0.0, "val": 0.0}
    target = {"train": args.minutes * 60 * (1 - args.val_share), "val": args.minutes * 60 * args.val_share}
    sfs = [s for s in SOUNDFONTS if os.path.exists(s)]
    if not sfs:
        raise SystemExit("no soundfont: install fluid-soundfont-gm (tools/train/data-v2-packages.txt)")
    with tempfile.TemporaryDirectory() as td:
        i = 0
        while any(got[k] < target[k] for k in got):
            split = min(got, key=lambda k: got[k] / target[k])
            # Each piece has its own seed; validation seeds are another range.
            pseed = args.seed * 100003 + i + (50000 if split == "val" else 0)
            i += 1
            rng = random.Random(pseed)
            ev, bpm, info = compose(rng, rng.uniform(8, 20))  # short pieces: more of them
            mid, wav = os.path.join(td, "p.mid"), os.path.join(td, "p.wav")
            write_midi(mid, ev, bpm)
            sf = rng.choice(sfs)
            a = render(sf, mid, wav, rng.uniform(0.3, 0.7))
            idx = np.nonzero(np.abs(a) > 1e-3 * np.abs(a).max())[0] if np.abs(a).max() > 0 else []
            if len(idx) == 0 or idx[-1] - idx[0] < SR * 5:
                continue
            a = a[idx[0]: idx[-1] + 1]
            a = a / np.abs(a).max() * 0.9
            pieces.append(dict(info, offset=off, length=len(a), soundfont=os.path.basename(sf), split=split, seed=pseed))
            audio.append(a)
            off += len(a)
            got[split] += len(a) / SR
    x = np.concatenate(audio)
    blob = codec.encode(x, snr_db=args.snr_db)
    with open(os.path.join(args.out, "music.spc"), "wb") as f:
        f.write(blob)
    meta = {"seed": args.seed, "rate": SR, "file": "music.spc", "samples": int(len(x)), "bytes": len(blob),
            "minutes": {k: round(v / 60, 2) for k, v in got.items()}, "seconds_to_make": round(time.time() - t0, 1),
            "recipe": "tools/train/make_music.py (random MIDI, fluidsynth, Debian soundfonts)", "pieces": pieces}
    with open(os.path.join(args.out, "music.json"), "w") as f:
        json.dump(meta, f)
    print(json.dumps({k: v for k, v in meta.items() if k != "pieces"}, indent=1))


if __name__ == "__main__":
    main()

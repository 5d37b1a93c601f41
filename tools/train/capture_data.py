#!/usr/bin/python3
"""The capture data set: the capture signal (capture_signal.py) played
through every device of capture_devices.py by ssm-render, packed small
enough to travel to a GPU machine that has no Debian packages.

The signal is coded first (codec.py, 60 dB below the local level) and the
devices play the decoded signal, so the input the trainer reads is exactly
what the devices heard; the recordings are coded at --snr-db (error well
below every ESR target: 55 dB is an ESR floor of about 1e-5).

Writes OUT/x.spc, OUT/y-<device>.spc, OUT/capture.json (the section list),
OUT/data.json (devices, settings, sizes, the command), and with --wav the
WAV files too (OUT/wav/).

Usage: /usr/bin/python3 tools/train/capture_data.py --out DIR [--seed 1]
           [--devices amp,comp,reverb] [--ssm-render build/tools/ssm-render] [--wav]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture_devices as D  # noqa: E402
import capture_signal as C  # noqa: E402
import codec  # noqa: E402
from capture import read_audio  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--devices", default=",".join(D.DEVICES))
    ap.add_argument("--ssm-render", default=None)
    ap.add_argument("--snr-db", type=float, default=55.0)
    ap.add_argument("--wav", action="store_true", help="keep the WAV files in OUT/wav")
    args = ap.parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    b = C.capture(args.seed)
    x = b.signal()
    blob = codec.encode(x, snr_db=60.0)
    xq = codec.decode(blob)
    with open(os.path.join(args.out, "x.spc"), "wb") as f:
        f.write(blob)
    meta = {"rate": C.SR, "samples": len(xq), "seconds": round(len(xq) / C.SR, 2), "seed": args.seed,
            "recipe": f"tools/train/capture_signal.py --capture --seed {args.seed}",
            "marker_length": C.MARKER_LEN, "sections": b.sections}
    with open(os.path.join(args.out, "capture.json"), "w") as f:
        json.dump(meta, f, indent=1)
    info = {"command": " ".join(["tools/train/capture_data.py"] + sys.argv[1:]), "seed": args.seed,
            "snr_db": args.snr_db, "x": {"file": "x.spc", "bytes": len(blob)}, "devices": {}}
    with tempfile.TemporaryDirectory() as td:
        src = os.path.join(td, "capture.wav")
        C.write_wav(src, xq)
        for dev in args.devices.split(","):
            dst = os.path.join(td, f"y-{dev}.wav")
            cmd = D.render(dev, src, dst, args.ssm_render)
            y, _ = read_audio(dst)
            yb = codec.encode(y, snr_db=args.snr_db)
            yd = codec.decode(yb).astype(np.float64)
            with open(os.path.join(args.out, f"y-{dev}.spc"), "wb") as f:
                f.write(yb)
            info["devices"][dev] = dict(D.DEVICES[dev], file=f"y-{dev}.spc", bytes=len(yb),
                                        coding_esr=float(np.sum((yd - y) ** 2) / np.sum(y ** 2)),
                                        render=" ".join(os.path.basename(c) if i == 0 else c
                                                        for i, c in enumerate(cmd)))
            print(f"{dev}: {len(yb) / 1e6:.2f} MB, coding ESR {info['devices'][dev]['coding_esr']:.1e}", flush=True)
        if args.wav:
            os.makedirs(os.path.join(args.out, "wav"), exist_ok=True)
            for f in os.listdir(td):
                shutil.copy(os.path.join(td, f), os.path.join(args.out, "wav", f))
            shutil.copy(os.path.join(args.out, "capture.json"), os.path.join(args.out, "wav", "capture.json"))
    info["seconds_to_make"] = round(time.time() - t0, 1)
    info["bytes"] = sum(os.path.getsize(os.path.join(args.out, f)) for f in os.listdir(args.out)
                        if os.path.isfile(os.path.join(args.out, f)))
    with open(os.path.join(args.out, "data.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps({"out": args.out, "MB": round(info["bytes"] / 1e6, 2), "seconds": info["seconds_to_make"]}))


if __name__ == "__main__":
    main()

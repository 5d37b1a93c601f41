#!/usr/bin/python3
"""The devices the shipped captures are made of: real effects from Debian's
LV2 packages (tools/train/capture-packages.txt), played through ssm-render
(the engine's LV2 host, freewheeling) as a user would play the capture
signal through an amp and record it.

Each device: the plugin URI, the control settings (every one the capture
depends on is pinned here, so the capture is reproducible), and what the
capture is for.

Usage:
  /usr/bin/python3 tools/train/capture_devices.py --render amp IN.wav OUT.wav [--ssm-render PATH]
  /usr/bin/python3 tools/train/capture_devices.py --list
"""
import argparse
import json
import os
import subprocess
import sys

DEVICES = {
    "amp": {
        "package": "guitarix-lv2",
        "uri": "http://guitarix.sourceforge.net/plugins/gx_amp#GUITARIX",
        "name": "GxAmplifier-X (guitarix): 12AX7 preamp, tone stack and cabinet",
        # The plugin's defaults, driven a little harder (PreGain +6 dB,
        # Drive 0.4): a crunch sound, nonlinear at guitar levels.
        "set": {"PreGain": 6.0, "MasterGain": 0.0, "Distortion": 20.0, "Drive": 0.4, "Middle": 0.5,
                "Bass": 0.5, "Treble": 0.5, "Cabinet": 10.0, "Presence": 5.0, "model": 0.0,
                "t_model": 1.0, "c_model": 0.0},
        "what": "guitar amp: nonlinear with memory",
    },
    "comp": {
        "package": "x42-plugins",
        "uri": "http://gareus.org/oss/lv2/darc#mono",
        "name": "x42-comp Dynamic Compressor (darc), mono",
        "set": {"enable": 1.0, "hold": 0.0, "inputgain": 0.0, "threshold": -30.0, "Ratio": 0.5,
                "attack": 0.01, "release": 0.3},
        "what": "compressor: gain that depends on the signal's recent level",
    },
    "reverb": {
        "package": "dragonfly-reverb-lv2",
        "uri": "urn:dragonfly:plate",
        "name": "Dragonfly Plate Reverb, mono in (both inputs), mean of both outputs",
        # Defaults but a 1 s decay: a long linear time-invariant response
        # (the plate has no modulation: an impulse gives the same response
        # at any time and any level, capture.py --check-lti measures it).
        "set": {"dry_level": 80.0, "early_level": 20.0, "algorithm": 1.0, "width": 100.0,
                "predelay": 0.0, "decay": 1.0, "low_cut": 200.0, "high_cut": 16000.0,
                "early_damp": 13000.0},
        "what": "reverb: long linear time-invariant",
    },
}


def default_render():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "..", "build", "tools", "ssm-render")


def render(device, src, dst, ssm_render=None, lv2_path=None):
    """Play src (WAV) through the device into dst with ssm-render."""
    d = DEVICES[device]
    cmd = [ssm_render or default_render(), "-q", "-p", d["uri"]]
    for k, v in d["set"].items():
        cmd += ["--set", f"{k}={v:g}"]
    cmd += [src, "-o", dst]
    env = dict(os.environ)
    env["LV2_PATH"] = lv2_path or env.get("LV2_PATH", "/usr/lib/lv2")
    subprocess.run(cmd, check=True, env=env)
    return cmd


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--render", nargs=3, metavar=("DEVICE", "IN", "OUT"))
    ap.add_argument("--ssm-render", default=None)
    args = ap.parse_args()
    if args.list:
        print(json.dumps(DEVICES, indent=1))
    elif args.render:
        dev, src, dst = args.render
        if dev not in DEVICES:
            raise SystemExit(f"unknown device {dev!r} (known: {', '.join(DEVICES)})")
        print(" ".join(render(dev, src, dst, args.ssm_render)))
    else:
        ap.print_help()
        sys.exit(2)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Golden files for every graph-v1 layer kind and a few whole networks: the
PyTorch model library (tools/train/ssmlib, each module citing its paper or
reference repository) computes the outputs; tests/engine/test_layers.c holds
the C engine to them in both forms (rel err < 1e-4).

  nice /usr/bin/python3 tests/golden/layers/make_goldens.py

Per case NAME (cases.txt lists them), with fixed seeds:
  NAME.safetensors      the model (a graph-v1 file, as ssmlib saves it)
  NAME.io.safetensors   "in" [T, inputs] (float32), and "out.<output>"
                        [T // stride, width] per graph output, computed in
                        float64 from the model's float32 parameters
                        (metadata "out.<output>": "in" instead when the
                        output is the input itself); metadata "dt_scale"
                        when the case runs at another rate than it was
                        trained at.
Small cases (< 4 KiB) are also written to tests/fuzz/corpus/ as graph-NAME.safetensors
seeds for the graph fuzzer.

Each per-kind case names the node under test "y" and exposes it as output
"y" (the "audio" output is the input itself where the kind is not audio-rate).
"""
import os
import sys
import zlib

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(os.path.dirname(here)))
sys.path.insert(0, os.path.join(root, "tools", "train"))
import ssmlib as S  # noqa: E402

CASES = {}


def case(T, scale=0.5, dt_scale=None):
    def wrap(fn):
        CASES[fn.__name__[5:]] = (fn, T, scale, dt_scale)
        return fn
    return wrap


def randomize(module, std=0.5):
    """Non-trivial values for parameters that start as constants (norm
    weights, affine pairs)."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn_like(p) * std)


def simple(inputs, layer, *pre):
    g = S.Graph(inputs=inputs, sample_rate=48000)
    src = "x"
    for i, (name, l) in enumerate(pre):
        src = g.add(name, l, src)
    g.add("y", layer, src)
    g.output("audio", "x")
    g.output("y", "y")
    return g


@case(T=500)
def case_linear():
    return simple(3, S.Linear(3, 5))


@case(T=500)
def case_linear_nobias():
    return simple(3, S.Linear(3, 5, bias=False))


@case(T=700)
def case_conv1d_dense():
    return simple(3, S.Conv1d(3, 4, kernel=5, dilation=2))


@case(T=700)
def case_conv1d_depthwise():
    return simple(4, S.Conv1d(4, 4, kernel=4, groups=4))


@case(T=700)
def case_conv1d_grouped():
    return simple(4, S.Conv1d(4, 6, kernel=3, groups=2, bias=False))


@case(T=500)
def case_rmsnorm():
    n = S.RMSNorm(5, eps=1e-5)
    randomize(n)
    return simple(5, n)


@case(T=500)
def case_layernorm():
    n = S.LayerNorm(5, eps=1e-5)
    randomize(n)
    return simple(5, n)


for _fn in ("gelu", "silu", "sigmoid", "tanh", "relu", "softplus", "identity"):
    def _make(fn=_fn):
        return simple(4, S.Activation(fn))
    _make.__name__ = f"case_activation_{_fn}"
    case(T=500, scale=8.0)(_make)


@case(T=500)
def case_glu():
    return simple(6, S.GLU())


@case(T=800)
def case_fb_encode():
    return simple(1, S.FbEncode(hop=8, filters=12))


@case(T=800)
def case_fb_encode_window():
    return simple(1, S.FbEncode(hop=6, filters=10, window=20))


@case(T=800)
def case_fb_decode():
    g = S.Graph(inputs=1, sample_rate=48000)
    g.add("enc", S.FbEncode(hop=8, filters=12), "x")
    g.add("y", S.FbDecode(hop=8, filters=12), "enc")
    g.output("audio", "y")
    return g


@case(T=800)
def case_fb_dft():
    g = S.Graph(inputs=1, sample_rate=48000)
    g.add("y", S.FbEncode(hop=8, basis="dft"), "x")
    g.add("dec", S.FbDecode(hop=8, basis="dft"), "y")
    g.output("audio", "dec")
    g.output("y", "y")
    return g


@case(T=500, scale=2.0)
def case_logpow():
    return simple(3, S.LogPow(eps=1e-3))


@case(T=600)
def case_decimate():
    return simple(2, S.Decimate(3))


@case(T=800)
def case_interpolate():
    g = S.Graph(inputs=2, sample_rate=48000)
    g.add("down", S.Decimate(4), "x")
    g.add("mix", S.Linear(8, 8), "down")
    g.add("y", S.Interpolate(2), "mix")
    g.add("up", S.Interpolate(4), "mix")
    g.output("audio", "up")
    g.output("y", "y")
    return g


@case(T=500)
def case_add():
    g = S.Graph(inputs=3, sample_rate=48000)
    g.add("a", S.Linear(3, 3), "x")
    g.add("one", S.Split(0, 1), "x")
    g.add("y", S.Add(), "x", "a", "one")
    g.output("audio", "x")
    g.output("y", "y")
    return g


@case(T=500)
def case_mul():
    g = S.Graph(inputs=3, sample_rate=48000)
    g.add("a", S.Linear(3, 3), "x")
    g.add("one", S.Split(2, 1), "x")
    g.add("y", S.Mul(), "x", "a", "one")
    g.output("audio", "x")
    g.output("y", "y")
    return g


@case(T=500)
def case_concat():
    g = S.Graph(inputs=3, sample_rate=48000)
    g.add("a", S.Linear(3, 2), "x")
    g.add("y", S.Concat(), "a", "x")
    g.output("audio", "x")
    g.output("y", "y")
    return g


@case(T=500)
def case_split():
    return simple(4, S.Split(1, 2))


@case(T=500)
def case_affine():
    g = S.Graph(inputs=4, sample_rate=48000)
    a = S.Affine(4, per_channel=True)
    randomize(a)
    g.add("y", a, "x")
    g.add("gain", S.Affine(scale=-0.7, bias=0.25), "y")
    g.output("audio", "x")
    g.output("y", "y")
    g.output("gain", "gain")
    return g


@case(T=1600)
def case_s4d_zoh():
    return simple(3, S.S4D(3, 16, "zoh"))


@case(T=1600)
def case_s4d_bilinear():
    return simple(3, S.S4D(3, 16, "bilinear"))


@case(T=1600, dt_scale=0.5)
def case_s4d_rate():
    return simple(3, S.S4D(3, 8, "zoh", dt_min=1e-2, dt_max=2e-1))


@case(T=6000)
def case_net_sashimi():
    """Two rates with residuals, pooling (SaShiMi-shaped), a depthwise conv,
    parallel branches and a frame-rate meter."""
    g = S.Graph(inputs=1, sample_rate=48000)
    g.add("u0", S.Linear(1, 4), "x")
    g.add("n0", S.RMSNorm(4), "u0")
    g.add("s0", S.S4D(4, 8), "n0")
    g.add("r1", S.Add(), "u0", "s0")
    g.add("down", S.Decimate(4), "r1")
    g.add("d2", S.Linear(16, 8), "down")
    g.add("s1", S.S4D(8, 16), "d2")
    g.add("g1", S.Activation("gelu"), "s1")
    g.add("l1", S.Linear(8, 16), "g1")
    g.add("glu", S.GLU(), "l1")
    g.add("r2", S.Add(), "d2", "glu")
    g.add("upl", S.Linear(8, 16), "r2")
    g.add("up", S.Interpolate(4), "upl")
    g.add("r3", S.Add(), "r1", "up")
    g.add("conv", S.Conv1d(4, 4, kernel=3, groups=4), "r3")
    g.add("cat", S.Concat(), "conv", "r3")
    g.add("ln", S.LayerNorm(8), "cat")
    g.add("half", S.Split(2, 4), "ln")
    g.add("silu", S.Activation("silu"), "half")
    g.add("out", S.Linear(4, 1), "silu")
    g.add("level", S.Linear(8, 1), "r2")
    g.add("level.sigmoid", S.Activation("sigmoid"), "level")
    g.output("audio", "out")
    g.output("level", "level.sigmoid")
    return g


@case(T=6000)
def case_net_fbmask():
    """The denoiser's shape, small: learned filterbank, log power, S4D
    blocks, a sigmoid mask on the coefficients, a voice-activity meter."""
    g = S.Graph(inputs=1, sample_rate=48000)
    c = g.add("enc", S.FbEncode(hop=16, filters=24), "x")
    h = g.add("inp", S.Linear(24, 8), g.add("feat", S.LogPow(1e-6), c))
    for i in range(2):
        p = f"blocks.{i}"
        z = g.add(p + ".norm", S.RMSNorm(8), h)
        z = g.add(p + ".s4d", S.S4D(8, 8), z)
        z = g.add(p + ".gelu", S.Activation("gelu"), z)
        z = g.add(p + ".glu", S.GLU(), g.add(p + ".out", S.Linear(8, 16), z))
        h = g.add(p, S.Add(), h, z)
    h = g.add("norm_f", S.RMSNorm(8), h)
    m = g.add("mask.sigmoid", S.Activation("sigmoid"), g.add("mask", S.Linear(8, 24), h))
    y = g.add("dec", S.FbDecode(hop=16, filters=24), g.add("masked", S.Mul(), m, c))
    v = g.add("vad.sigmoid", S.Activation("sigmoid"), g.add("vad", S.Linear(8, 1), h))
    g.output("audio", y)
    g.output("vad", v)
    return g


@case(T=4000)
def case_net_stft():
    """A fixed DFT filterbank around per-bin gains and a per-bin S4D."""
    g = S.Graph(inputs=1, sample_rate=48000)
    g.add("stft", S.FbEncode(hop=16, basis="dft"), "x")
    a = S.Affine(32, per_channel=True)
    randomize(a, 0.2)
    g.add("gain", a, "stft")
    g.add("smooth", S.S4D(32, 4), "gain")
    g.add("tanh", S.Activation("tanh"), "smooth")
    g.add("mix", S.Add(), "stft", "tanh")
    g.add("istft", S.FbDecode(hop=16, basis="dft"), "mix")
    g.output("audio", "istft")
    return g


def write_case(name, fn, T, scale, dt_scale):
    torch.manual_seed(zlib.crc32(name.encode()))
    g = fn()
    inputs = g.inputs
    rng = np.random.default_rng(zlib.crc32(name.encode()) + 1)
    x = (rng.standard_normal((T, inputs)) * scale).astype(np.float32)
    meta = {"ssm.provenance": "tests/golden/layers/make_goldens.py (fixed seeds)"}
    model = os.path.join(here, name + ".safetensors")
    g.float().save(model, meta)
    g = S.load(model).double()  # the file's float32 values, computed in float64
    rate = None if dt_scale is None else g.sample_rate / dt_scale
    with torch.no_grad():
        outs = g(torch.from_numpy(x.astype(np.float64)).unsqueeze(0), rate=rate)
    io = {"in": x}
    io_meta = {"case": name}
    for k, v in outs.items():
        if g.outputs[k] == "x":  # the input itself: the C test compares with "in"
            io_meta["out." + k] = "in"
            continue
        io["out." + k] = v[0].numpy().astype(np.float32)
    if dt_scale is not None:
        io_meta["dt_scale"] = repr(dt_scale)
    S.write_safetensors(os.path.join(here, name + ".io.safetensors"), io, io_meta)
    size = os.path.getsize(model)
    if size < 4096:
        corpus = os.path.join(root, "tests", "fuzz", "corpus", f"graph-{name}.safetensors")
        with open(model, "rb") as src, open(corpus, "wb") as dst:
            dst.write(src.read())
    kinds = sorted({n["kind"] for n in g.nodes})
    print(f"{name:24s} T={T:5d} model {size:6d} B  outputs {', '.join(f'{k}{list(v.shape[1:])}' for k, v in outs.items())}"
          f"  kinds {', '.join(kinds)}")
    return kinds


def main():
    torch.set_num_threads(1)
    covered = set()
    for name, (fn, T, scale, dt_scale) in CASES.items():
        covered.update(write_case(name, fn, T, scale, dt_scale))
    with open(os.path.join(here, "cases.txt"), "w") as f:
        f.write("\n".join(CASES) + "\n")
    missing = set(S.KINDS) - covered
    print(f"{len(CASES)} cases; kinds covered: {len(covered)} of {len(S.KINDS)}")
    if missing:
        print("kinds without a golden case:", ", ".join(sorted(missing)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import math
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


# ---- LTI families: lru, s5, dss, s4, liquid_s4, s4nd ----

@case(T=1600)
def case_lru():
    return simple(3, S.LRU(3, 8, r_min=0.5, r_max=0.99, max_phase=6.28))


@case(T=3000)
def case_lru_slow():
    """Poles within 1e-3 of the unit circle, small phases (audio-like)."""
    return simple(2, S.LRU(2, 6, r_min=0.99, r_max=0.9995, max_phase=math.pi / 10))


@case(T=1600)
def case_s5_zoh():
    return simple(3, S.S5(3, 8, "zoh"))


@case(T=1600)
def case_s5_bilinear():
    return simple(3, S.S5(3, 8, "bilinear"))


@case(T=1600, dt_scale=0.5)
def case_s5_rate():
    """At twice the trained rate: dt halves (engine dt_scale = 0.5)."""
    return simple(2, S.S5(2, 6, "zoh", dt_min=1e-2, dt_max=1e-1))


@case(T=1200)
def case_s5_full():
    """Both halves of every conjugate pair kept (conj_sym false: y = Re(C x))."""
    return simple(2, S.S5(2, 8, "zoh", conj_sym=False))


@case(T=1600)
def case_dss_exp():
    return simple(3, S.DSS(3, 8, "exp"))


@case(T=1600)
def case_dss_softmax():
    """The softmax normaliser over l_max = 400 frames: the kernel extends
    past it (the T = 1600 input reaches 4 l_max)."""
    return simple(3, S.DSS(3, 8, "softmax", l_max=400))


@case(T=1600, dt_scale=0.5)
def case_dss_rate():
    """Softmax at twice the trained rate: dt halves and the window becomes
    round(300 / 0.5) = 600 frames."""
    return simple(2, S.DSS(2, 6, "softmax", l_max=300, dt_min=1e-2, dt_max=1e-1))


@case(T=1600)
def case_s4():
    """HiPPO-LegS init (B_clip 2), N = 8."""
    return simple(3, S.S4(3, 8))


@case(T=1600)
def case_s4_rank2():
    """Rank-2 low-rank term and perturbed Lambda, P, B (a trained-looking
    DPLR system: the Woodbury path with a 2 x 2 capacitance)."""
    l = S.S4(2, 12, rank=2)
    with torch.no_grad():
        for p in (l.P_re, l.P_im, l.B_re, l.B_im, l.A_imag):
            p.add_(torch.randn_like(p) * 0.3)
        l.log_A_real.add_(torch.randn_like(l.log_A_real) * 0.5)
    return simple(2, l)


@case(T=1600, dt_scale=0.5)
def case_s4_rate():
    return simple(2, S.S4(2, 8, dt_min=1e-2, dt_max=1e-1))


@case(T=1600, scale=1.0)
def case_liquid_s4_polyb():
    """PB kernel, degree 3 (two correlation orders); dt 0.1..0.5 so that
    every order moves the output well past the tolerance."""
    return simple(3, S.LiquidS4(3, 8, "polyb", degree=3, dt_min=0.1, dt_max=0.5))


@case(T=1600, scale=1.0)
def case_liquid_s4_kb():
    """KB kernel, degree 4: the S4 driven by u + sum s^(k-1) u_k."""
    return simple(2, S.LiquidS4(2, 8, "kb", degree=4, dt_min=0.1, dt_max=0.5))


@case(T=800)
def case_s4nd():
    """Behind a learned filterbank (12 bins at stride 8): log power, a causal
    time axis (no latency) and a symmetric frequency axis."""
    g = S.Graph(inputs=1, sample_rate=48000)
    g.add("enc", S.FbEncode(hop=8, filters=12), "x")
    g.add("feat", S.LogPow(eps=1e-3), "enc")
    g.add("y", S.S4ND(12, state=8, freq_state=6, dt_min=1e-2, dt_max=3e-1), "feat")
    g.output("audio", "x")
    g.output("y", "y")
    return g


@case(T=900)
def case_s4nd_lookahead():
    """Two planes of 4 bins (decimate by 2 of 4 inputs), causal frequency
    axis, a look-ahead of 3 frames (the output is 3 frames late)."""
    g = S.Graph(inputs=4, sample_rate=48000)
    g.add("down", S.Decimate(2), "x")
    g.add("y", S.S4ND(8, state=8, freq_state=4, channels=2, freq="causal", lookahead=3,
                      dt_min=1e-2, dt_max=3e-1), "down")
    g.output("audio", "x")
    g.output("y", "y")
    return g


@case(T=1200, dt_scale=0.5)
def case_s4nd_rate():
    """At twice the trained rate, on the audio-rate input as a plane of
    3 channels x 2 bins, with a look-ahead of 2: the time axis re-discretises
    (dt halves, in both the causal and the look-ahead kernels), the
    frequency axis does not."""
    return simple(6, S.S4ND(6, state=6, freq_state=2, channels=3, lookahead=2, dt_min=1e-2,
                            dt_max=3e-1))


# One small model file per family (initialised, not trained): the family
# between glue at audio rate (linear -> rmsnorm -> family -> GELU -> linear ->
# GLU -> residual -> linear), or behind a filterbank (s4nd). test_layers
# holds them to PyTorch and streaming to offline on long input;
# test_family_models runs them through the "model" processor at 48 and
# 44.1 kHz and tests/tools/test_family_render.sh through ssm-render.


def family_model(layer, H=8):
    g = S.Graph(inputs=1, sample_rate=48000)
    g.add("in", S.Linear(1, H), "x")
    g.add("norm", S.RMSNorm(H), "in")
    g.add("ssm", layer, "norm")
    g.add("act", S.Activation("gelu"), "ssm")
    g.add("mix", S.Linear(H, 2 * H), "act")
    g.add("glu", S.GLU(), "mix")
    g.add("res", S.Add(), "in", "glu")
    g.add("out", S.Linear(H, 1), "res")
    g.output("audio", "out")
    return g


@case(T=4000)
def case_model_lru():
    return family_model(S.LRU(8, 16, r_min=0.95, r_max=0.999, max_phase=math.pi / 4))


@case(T=4000)
def case_model_s5():
    return family_model(S.S5(8, 16))


@case(T=4000)
def case_model_dss():
    return family_model(S.DSS(8, 16, "softmax", l_max=2048))


@case(T=4000)
def case_model_s4():
    return family_model(S.S4(8, 16))


@case(T=4000)
def case_model_liquid_s4():
    return family_model(S.LiquidS4(8, 16, "polyb", degree=2))


@case(T=4000)
def case_model_s4nd():
    """A spectral mask from S4ND over the log-power plane of a fixed STFT
    (32 bins at hop 16), with a look-ahead of 2 frames."""
    g = S.Graph(inputs=1, sample_rate=48000)
    g.add("stft", S.FbEncode(hop=16, basis="dft"), "x")
    g.add("feat", S.LogPow(eps=1e-6), "stft")
    g.add("plane", S.S4ND(32, state=8, freq_state=4, lookahead=2, dt_min=1e-2, dt_max=3e-1), "feat")
    g.add("mask", S.Linear(32, 32), "plane")
    g.add("mask.sigmoid", S.Activation("sigmoid"), "mask")
    g.add("masked", S.Mul(), "mask.sigmoid", "stft")
    g.add("istft", S.FbDecode(hop=16, basis="dft"), "masked")
    g.output("audio", "istft")
    return g


# ---- end of the LTI families ----


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


# ---- the selective / gated families (mamba, mamba2, hyena, h3, gss) ----

def perturb(tensors, std=0.2):
    """Move parameters off their structured init (D = 1, ...), so the
    goldens see every term."""
    with torch.no_grad():
        for t in tensors:
            t.add_(torch.randn_like(t) * std)


def same_forms(layer, width, T=300, tol=1e-10, **kw):
    """The module's training form (chunked / FFT) equals its reference form
    (the step loop) in float64 on random input: checks the fast form before
    its output becomes a golden."""
    import copy
    m = copy.deepcopy(layer).double()
    x = torch.randn(2, T, width, dtype=torch.float64)
    with torch.no_grad():
        fast, ref = m(x, **kw), m(x, scan="sequential", **kw)
    err = float((fast - ref).abs().max() / ref.abs().max())
    assert err < tol, f"{layer.kind}: training form vs reference form rel err {err:.3g}"
    return layer


@case(T=700)
def case_mamba():
    m = S.Mamba(3, d_inner=6, state=4, d_conv=4, dt_rank=2)
    perturb([m.D, m.A_log])
    return simple(3, same_forms(m, 3))


@case(T=700)
def case_mamba_bias():
    m = S.Mamba(4, d_inner=8, state=3, d_conv=3, bias=True, conv_bias=False)
    perturb([m.D, m.in_proj.bias, m.out_proj.bias])
    return simple(4, same_forms(m, 4))


@case(T=700, dt_scale=0.5)
def case_mamba_rate():
    m = S.Mamba(3, d_inner=6, state=4, dt_min=1e-2, dt_max=2e-1)
    with torch.no_grad():
        m.D.mul_(0.05)  # the SSM term, which dt_scale changes, dominates
    return simple(3, same_forms(m, 3, dt_scale=0.5))


@case(T=700)
def case_mamba2():
    m = S.Mamba2(3, d_inner=8, head_dim=4, state=5, d_conv=4, chunk=16)
    perturb([m.D, m.norm.weight])
    return simple(3, same_forms(m, 3))


@case(T=700)
def case_mamba2_groups():
    m = S.Mamba2(4, d_inner=12, head_dim=3, groups=2, state=4, d_conv=3, bias=True,
                 conv_bias=False, chunk=32)
    perturb([m.D, m.norm.weight, m.in_proj.bias, m.out_proj.bias])
    return simple(4, same_forms(m, 4))


@case(T=700, dt_scale=0.5)
def case_mamba2_rate():
    m = S.Mamba2(3, d_inner=8, head_dim=4, state=5, chunk=16)
    with torch.no_grad():
        m.D.mul_(0.05)  # the SSM term, which dt_scale changes, dominates
    return simple(3, same_forms(m, 3, dt_scale=0.5))


@case(T=700)
def case_hyena():
    """l_max < T: past l_max the filter slides (an l_max-tap FIR)."""
    h = S.Hyena(3, l_max=64, order=2, filter_order=8, emb_dim=5, n_inner=2)
    perturb([h.filter.freq])
    return simple(3, same_forms(h, 3, tol=1e-9))


@case(T=700)
def case_hyena_o3():
    """Order 3, a filter longer than one partition (the partitioned tail)."""
    h = S.Hyena(2, l_max=200, order=3, filter_order=8, emb_dim=3, n_inner=1, shift=0.1)
    return simple(2, same_forms(h, 2, tol=1e-9))


@case(T=2500)
def case_hyena_long():
    """1500-tap filters: several partition levels."""
    h = S.Hyena(2, l_max=1500, order=2, filter_order=8, emb_dim=5, n_inner=1)
    return simple(2, same_forms(h, 2, T=1600, tol=1e-9))


@case(T=300)
def case_hyena_small():
    """No inner MLP layers, 16 taps: small enough to seed the graph fuzzer."""
    h = S.Hyena(2, l_max=16, order=2, filter_order=4, emb_dim=3, n_inner=0)
    return simple(2, same_forms(h, 2, tol=1e-9))


@case(T=700, dt_scale=0.5)
def case_hyena_rate():
    """At twice the trained rate: the filter at half-sample positions, 200
    taps for l_max 100, gain halved."""
    h = S.Hyena(2, l_max=100, order=2, filter_order=8, emb_dim=5, n_inner=1)
    return simple(2, same_forms(h, 2, tol=1e-9, dt_scale=0.5))


@case(T=1200)
def case_h3():
    h = S.H3(3, state=8, shift_state=4)
    perturb([h.ssm_k_kernel.B])
    return simple(3, same_forms(h, 3))


@case(T=1200)
def case_h3_bilinear():
    h = S.H3(4, state=6, shift_state=3, discretization="bilinear")
    perturb([h.ssm_k_kernel.B])
    return simple(4, same_forms(h, 4))


@case(T=1200, dt_scale=0.5)
def case_h3_rate():
    h = S.H3(3, state=8, shift_state=4)
    with torch.no_grad():
        h.kernel.log_dt.add_(2.0)  # slower modes than the default, so dt_scale shows
    return simple(3, same_forms(h, 3, dt_scale=0.5))


@case(T=1200)
def case_gss():
    g = S.GSS(4, d_ff=8, d_ssm=3, state=6)
    perturb([g.dss.Lambda_log_neg_re, g.dss.Lambda_im])
    return simple(4, same_forms(g, 4))


@case(T=1200)
def case_gss_softmax():
    g = S.GSS(3, d_ff=6, d_ssm=2, state=5, variant="softmax", l_max=200)
    perturb([g.dss.Lambda_im])
    return simple(3, same_forms(g, 3))


@case(T=1200, dt_scale=0.5)
def case_gss_rate():
    """Softmax at twice the trained rate: dt halves, the window doubles."""
    g = S.GSS(3, d_ff=6, d_ssm=2, state=5, variant="softmax", l_max=200)
    with torch.no_grad():
        g.dss.log_dt.add_(2.0)
    return simple(3, same_forms(g, 3, dt_scale=0.5))


# The model file of each selective / gated family, mixing it with glue (the
# "model_" cases: test_layers, test_family_models and test_family_render take
# them up).

@case(T=4000)
def case_model_mamba():
    """An audio-rate residual Mamba block (pre-norm), mono in and out."""
    g = S.Graph(inputs=1, sample_rate=48000)
    h = g.add("inp", S.Linear(1, 8), "x")
    z = g.add("b0.mamba", S.Mamba(8, d_inner=16, state=8), g.add("b0.norm", S.RMSNorm(8), h))
    h = g.add("b0", S.Add(), h, z)
    g.add("out", S.Linear(8, 1), g.add("norm_f", S.RMSNorm(8), h))
    g.output("audio", "out")
    return g


@case(T=4000)
def case_model_mamba2():
    """Mamba-2 behind a learned filterbank: a sigmoid mask on the
    coefficients, as the denoiser's shape."""
    g = S.Graph(inputs=1, sample_rate=48000)
    c = g.add("enc", S.FbEncode(hop=8, filters=16), "x")
    h = g.add("inp", S.Linear(16, 8), g.add("feat", S.LogPow(1e-6), c))
    z = g.add("b0.mamba2", S.Mamba2(8, d_inner=16, head_dim=4, state=8),
              g.add("b0.norm", S.RMSNorm(8), h))
    h = g.add("b0", S.Add(), h, z)
    m = g.add("mask.sigmoid", S.Activation("sigmoid"), g.add("mask", S.Linear(8, 16), h))
    g.add("dec", S.FbDecode(hop=8, filters=16), g.add("masked", S.Mul(), m, c))
    g.output("audio", "dec")
    return g


@case(T=4000)
def case_model_hyena():
    """An audio-rate Hyena block with 1000-tap implicit filters, residual."""
    g = S.Graph(inputs=1, sample_rate=48000)
    h = g.add("inp", S.Linear(1, 4), "x")
    z = g.add("b0.hyena", S.Hyena(4, l_max=1000, order=2, filter_order=8, emb_dim=3, n_inner=1),
              g.add("b0.norm", S.LayerNorm(4), h))
    h = g.add("b0", S.Add(), h, z)
    g.add("out", S.Linear(4, 1), h)
    g.output("audio", "out")
    return g


@case(T=4000)
def case_model_h3():
    """H3 at a quarter of the rate (decimate / interpolate), residual at
    both rates."""
    g = S.Graph(inputs=1, sample_rate=48000)
    h = g.add("inp", S.Linear(1, 4), "x")
    d = g.add("d", S.Linear(16, 8), g.add("down", S.Decimate(4), h))
    z = g.add("b0.h3", S.H3(8, state=8, shift_state=4), g.add("b0.norm", S.RMSNorm(8), d))
    d = g.add("b0", S.Add(), d, z)
    u = g.add("up", S.Interpolate(4), g.add("upl", S.Linear(8, 16), d))
    g.add("out", S.Linear(4, 1), g.add("r", S.Add(), h, u))
    g.output("audio", "out")
    return g


@case(T=4000)
def case_model_gss():
    """The GSS layer as the paper wraps it (layer norm, shortcut), twice, at
    audio rate behind a bank of S4D filters (so the normalised features are
    not one line through the origin): no rate-bound layer, so other host
    rates re-discretise."""
    g = S.Graph(inputs=1, sample_rate=48000)
    h = g.add("front", S.S4D(8, 8), g.add("inp", S.Linear(1, 8), "x"))
    for i in range(2):
        z = g.add(f"b{i}.gss", S.GSS(8, d_ff=16, d_ssm=4, state=8),
                  g.add(f"b{i}.norm", S.LayerNorm(8), h))
        h = g.add(f"b{i}", S.Add(), h, z)
    g.add("out", S.Linear(8, 1), h)
    g.output("audio", "out")
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

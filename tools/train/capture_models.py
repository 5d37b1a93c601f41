"""The networks capture.py trains, one builder for every family, as ssmlib
graphs (docs/model-format.md): whatever is trained exports to graph-v1 and
runs in the engine, the plugins and every host.

Two shapes, picked by the task:

  nonlinear (amps, pedals, compressors): NAM-like residual stack, no norms
  (a norm would divide the level out, and level is what a nonlinear device
  responds to):
      x -> Linear(1 -> H) -> depth x [ u + GLU(Linear_{H->2H}(GELU(mixer(u)))) ]
        -> Linear(H -> 1) -> gain                                  (LTI mixers)
      x -> Linear(1 -> H) -> depth x [ u + block(u) ] -> Linear(H -> 1) -> gain
                                                     (gated families: Mamba, ...)
  lti (reverbs, cabinets, EQ): x -> Linear(1 -> H) -> mixer -> Linear(H -> 1) -> gain

"gain" is a fixed affine scale, the device's level gain that capture.py
measured, so every network trains near unit level.

A family's mixer is the ssmlib layer of that kind; FAMILIES lists what each
needs (the constructor and an audio initialisation: the families' papers
initialise for language tasks, where the sample rate is a token rate; at
48 kHz the poles must cover 20 Hz .. 20 kHz and time constants of a pick
attack up to a reverb tail). A family whose ssmlib module is not there yet
is reported as unavailable, not silently skipped.
"""
import math

import torch

import ssmlib as S

SR = 48000


def _log_uniform(n, lo, hi, gen):
    return torch.exp(torch.rand(n, generator=gen) * (math.log(hi) - math.log(lo)) + math.log(lo))


def init_s4d(layer, task, gen):
    """dt = 1 sample (log_dt = 0), so A is in rad/sample: A_imag = 2 pi f / SR
    with f log-uniform over the audio band, -Re A = 1 / tau with tau (samples)
    over the task's time constants; C scaled so each mode's resonance peak
    gain starts near 1 / sqrt(M) whatever its decay."""
    H, M = layer.A_imag.shape
    tau = {"nonlinear": (2.0, 4000.0), "dynamics": (4.0, 48000.0), "lti": (2000.0, 20000.0)}[task]
    with torch.no_grad():
        layer.log_dt.zero_()
        f = _log_uniform(H * M, 25.0, 20000.0, gen).reshape(H, M)
        t = _log_uniform(H * M, *tau, gen).reshape(H, M)
        layer.A_imag.copy_(2 * math.pi * f / SR)
        layer.log_A_real.copy_(torch.log(1.0 / t))
        scale = 1.0 / (math.sqrt(M) * t)  # each mode's resonance peak gain ~ |C| tau
        layer.C_re.copy_(torch.randn(H, M, generator=gen) * scale)
        layer.C_im.copy_(torch.randn(H, M, generator=gen) * scale)
        layer.D.copy_(torch.randn(H, generator=gen) * 0.5)


def _lru(H, N, task):
    # r = |lambda| near 1: per-sample poles of audio time constants.
    r_min = {"nonlinear": 0.5, "dynamics": 0.9, "lti": 0.9995}[task]
    return S.LRU(H, state=N, r_min=r_min, r_max=0.99999, max_phase=math.pi)


# The continuous-time families keep their papers' A (HiPPO, S4D-Lin, ...)
# and take the audio scales from dt (in samples): a channel's poles sit at
# dt x A, so log-uniform dt over these ranges spreads the channels from
# slow, low poles (a reverb tail, a compressor's release) to fast, high
# ones (a pick attack), as S4's multi-scale design intends.
DT = {"nonlinear": (1e-3, 1.0), "dynamics": (1e-5, 1.0), "lti": (1e-5, 0.3)}


def _dt(task):
    lo, hi = DT[task]
    return {"dt_min": lo, "dt_max": hi}


def _sel_dt(task):
    lo, hi = DT[task]
    return {"dt_min": lo, "dt_max": hi, "dt_init_floor": min(1e-4, lo)}


def init_h3(layer, task, gen):
    """H3's diagonal SSM is an S4D: the same audio poles."""
    init_s4d(layer.kernel, task, gen)


def _hyena(H, N, task):
    # The decay window reaches 1e-2 only at 4 l_max: a reverb's tail stays
    # in the filter (the paper's 0.3 / 1.5 l_max suit token sequences).
    return S.Hyena(H, l_max=N, order=2, filter_order=32, fast_decay_pct=4.0, slow_decay_pct=8.0)


def init_hyena(layer, task, gen):
    """For an LTI device the gates start open and constant (x_0 = x_1 = 1:
    zero weights, unit bias, the short filter passing only its bias) and v
    passes the input, so the operator starts as out_proj(h * v + bias v): a
    long FIR plus a direct path, which training then shapes."""
    if task != "lti":
        return
    d = layer.width
    with torch.no_grad():
        w, b = layer.in_proj.weight, layer.in_proj.bias
        sw, sb = layer.short_filter.weight, layer.short_filter.bias
        n = w.shape[0] // d  # order + 1 groups of d: x_0 .. x_{order-1}, v
        for grp in range(n - 1):
            w[grp * d:(grp + 1) * d].zero_()
            b[grp * d:(grp + 1) * d].fill_(1.0)
            sw[grp * d:(grp + 1) * d].zero_()
            sb[grp * d:(grp + 1) * d].fill_(1.0)
        sw[(n - 1) * d:].zero_()
        sw[(n - 1) * d:, 0, -1] = 1.0  # the newest tap: v = in_proj(u)
        sb[(n - 1) * d:].zero_()
        b[(n - 1) * d:].zero_()
        # The long filter starts quiet (its implicit MLP would otherwise put
        # a DC gain of hundreds on the output) and the direct path at 1:
        # the untrained operator is the dry signal, the tail grows in.
        layer.filter.out.weight.mul_(0.005)
        layer.filter.out.weight._capture_lr_scale = 1.0  # quiet, not small by nature: full rate
        layer.filter.bias.fill_(1.0)
    # The gates stay open: their rows get no gradient, so the trained
    # operator is still linear and time-invariant, as the device is.
    gates = torch.zeros(w.shape[0], dtype=torch.bool)
    gates[:(n - 1) * d] = True

    def mask(g, rows=gates):
        g = g.clone()
        g[rows.to(g.device)] = 0
        return g

    for t in (w, b, sw, sb):
        t.register_hook(mask)
    # The impulse-response fit (capture.py) shapes the long filter alone.
    for t in (w, b, sw, sb, layer.out_proj.weight, layer.out_proj.bias):
        t._capture_ir_rate = 0.0


# name -> (ssmlib class name, shape, constructor(H, N, task), init(layer, task, gen) or None)
FAMILIES = {
    "s4d": ("S4D", "lti", lambda H, N, task: S.S4D(H, state=N), init_s4d),
    "lru": ("LRU", "lti", _lru, None),
    "s5": ("S5", "lti", lambda H, N, task: S.S5(H, state=N, **_dt(task)), None),
    "dss": ("DSS", "lti", lambda H, N, task: S.DSS(H, state=N, variant="exp", **_dt(task)), None),
    "s4": ("S4", "lti", lambda H, N, task: S.S4(H, state=N, **_dt(task)), None),
    "liquid_s4": ("LiquidS4", "lti",
                  lambda H, N, task: S.LiquidS4(H, state=N, liquid_kernel="polyb", degree=2, **_dt(task)), None),
    "mamba": ("Mamba", "block", lambda H, N, task: S.Mamba(H, d_inner=2 * H, state=N, d_conv=4, **_sel_dt(task)),
              None),
    "mamba2": ("Mamba2", "block",
               lambda H, N, task: S.Mamba2(H, d_inner=2 * H, head_dim=8, state=N, **_sel_dt(task)), None),
    "hyena": ("Hyena", "block", _hyena, init_hyena),
    "h3": ("H3", "block", lambda H, N, task: S.H3(H, state=N), init_h3),
    "gss": ("GSS", "block", lambda H, N, task: S.GSS(H, state=N, **_dt(task)), None),
}


def available(family):
    """(True, "") or (False, why)."""
    if family not in FAMILIES:
        return False, f"unknown family {family!r} (known: {', '.join(FAMILIES)})"
    cls = FAMILIES[family][0]
    if not hasattr(S, cls):
        return False, f"ssmlib has no {cls} yet (family {family})"
    return True, ""


def build(family, task, width, state, depth=1, gain=1.0, seed=0):
    """The capture network for family at this size. task: "nonlinear",
    "dynamics" (nonlinear, long time constants) or "lti"."""
    ok, why = available(family)
    if not ok:
        raise ValueError(why)
    _cls, shape, make, init = FAMILIES[family]
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    g = S.Graph(inputs=1, sample_rate=SR)
    H = width
    u = g.add("in", S.Linear(1, H, bias=task != "lti"), "x")
    if task == "lti":
        m = make(H, state, task)
        if init:
            init(m, task, gen)
        u = g.add("mix", m, u)
    else:
        for i in range(depth):
            m = make(H, state, task)
            if init:
                init(m, task, gen)
            if shape == "lti":
                z = g.add(f"b{i}.ssm", m, u)
                z = g.add(f"b{i}.act", S.Activation("gelu"), z)
                z = g.add(f"b{i}.out", S.Linear(H, 2 * H), z)
                z = g.add(f"b{i}.glu", S.GLU(), z)
            else:
                z = g.add(f"b{i}.ssm", m, u)
            u = g.add(f"b{i}", S.Add(), u, z)
    head = S.Linear(H, 1, bias=task != "lti")
    head._capture_head = True  # capture.py scales it to fit the target's level before training
    y = g.add("head", head, u)
    y = g.add("gain", S.Affine(scale=float(gain)), y)
    g.output("audio", y)
    # PyTorch's Linear init (biases up to +-1/sqrt(fan_in)) would bury a
    # -20 dBFS guitar under a constant in the residual stream: biases start
    # at zero and the input projection at an amplitude that brings a
    # typical capture signal (RMS 0.1) to about 0.4 (gated families
    # multiply streams: much more and their products explode).
    with torch.no_grad():
        for mod in g.modules():
            if isinstance(mod, torch.nn.Linear) and mod.bias is not None:
                mod.bias.zero_()
        first = g.layers[0].lin
        first.weight.copy_(torch.randn(first.weight.shape, generator=gen) * 4.0)
    return g


def n_params(g):
    return sum(p.numel() for p in g.parameters() if p.requires_grad)

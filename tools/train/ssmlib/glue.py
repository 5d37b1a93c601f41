"""The glue kinds real networks need around the SSM layers. Streams are
[B, T, width] frame-major tensors; each class's docstring gives the formula
the engine's engine/net/layer_<kind>.c implements."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import Layer, Stream, need_width, register


@register
class Linear(Layer):
    """y = W x + b per frame (nn.Linear layout: weight [out, in], bias [out])."""
    kind = "linear"

    def __init__(self, in_width, out, bias=True):
        super().__init__()
        self.lin = nn.Linear(in_width, out, bias=bias)

    def stream(self, ins):
        need_width(self.kind, ins[0], self.lin.in_features)
        return Stream(self.lin.out_features, ins[0].stride, ins[0].latency)

    def params(self):
        return {"out": self.lin.out_features, "bias": self.lin.bias is not None}

    def tensors(self):
        t = {"weight": self.lin.weight}
        if self.lin.bias is not None:
            t["bias"] = self.lin.bias
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["out"], p.get("bias", True))

    def forward(self, x):
        return self.lin(x)


@register
class Conv1d(Layer):
    """Causal 1-D convolution over frames, dense or grouped (groups = width:
    depthwise), with dilation: nn.Conv1d on the input padded on the left by
    (kernel - 1) * dilation zero frames. Weight [out, in/groups, kernel].
    Rate-bound: the taps are sample positions."""
    kind = "conv1d"
    rate_bound = True

    def __init__(self, in_width, out, kernel, dilation=1, groups=1, bias=True):
        super().__init__()
        self.conv = nn.Conv1d(in_width, out, kernel, dilation=dilation, groups=groups, bias=bias)

    def stream(self, ins):
        need_width(self.kind, ins[0], self.conv.in_channels)
        return Stream(self.conv.out_channels, ins[0].stride, ins[0].latency)

    def params(self):
        c = self.conv
        return {"out": c.out_channels, "kernel": c.kernel_size[0], "dilation": c.dilation[0],
                "groups": c.groups, "bias": c.bias is not None}

    def tensors(self):
        t = {"weight": self.conv.weight}
        if self.conv.bias is not None:
            t["bias"] = self.conv.bias
        return t

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p["out"], p["kernel"], p.get("dilation", 1), p.get("groups", 1),
                   p.get("bias", True))

    def forward(self, x):
        c = self.conv
        pad = (c.kernel_size[0] - 1) * c.dilation[0]
        return c(F.pad(x.transpose(1, 2), (pad, 0))).transpose(1, 2)


@register
class RMSNorm(Layer):
    """y = x / sqrt(mean(x^2) + eps) * weight per frame (Zhang & Sennrich 2019)."""
    kind = "rmsnorm"

    def __init__(self, width, eps=1e-5, affine=True):
        super().__init__()
        self.width, self.eps = width, eps
        self.weight = nn.Parameter(torch.ones(width)) if affine else None

    def stream(self, ins):
        need_width(self.kind, ins[0], self.width)
        return super().stream(ins)

    def params(self):
        return {"eps": self.eps, "affine": self.weight is not None}

    def tensors(self):
        return {"weight": self.weight} if self.weight is not None else {}

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p.get("eps", 1e-5), p.get("affine", True))

    def forward(self, x):
        y = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return y * self.weight if self.weight is not None else y


@register
class LayerNorm(Layer):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per frame (Ba et al.
    2016; nn.LayerNorm over the last axis)."""
    kind = "layernorm"

    def __init__(self, width, eps=1e-5, affine=True):
        super().__init__()
        self.norm = nn.LayerNorm(width, eps=eps, elementwise_affine=affine)

    def stream(self, ins):
        need_width(self.kind, ins[0], self.norm.normalized_shape[0])
        return super().stream(ins)

    def params(self):
        return {"eps": self.norm.eps, "affine": self.norm.elementwise_affine}

    def tensors(self):
        n = self.norm
        return {"weight": n.weight, "bias": n.bias} if n.elementwise_affine else {}

    @classmethod
    def from_params(cls, p, ins):
        return cls(ins[0].width, p.get("eps", 1e-5), p.get("affine", True))

    def forward(self, x):
        return self.norm(x)


_FNS = {
    "gelu": lambda x: F.gelu(x),  # the exact erf form
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "softplus": lambda x: F.softplus(x),  # beta 1, threshold 20
    "identity": lambda x: x,
}


@register
class Activation(Layer):
    """An element-wise nonlinearity: fn in gelu (exact erf), silu, sigmoid,
    tanh, relu, softplus, identity."""
    kind = "activation"

    def __init__(self, fn):
        super().__init__()
        if fn not in _FNS:
            raise ValueError(f"activation: unknown fn {fn!r} (known: {', '.join(_FNS)})")
        self.fn = fn

    def params(self):
        return {"fn": self.fn}

    @classmethod
    def from_params(cls, p, ins):
        return cls(p["fn"])

    def forward(self, x):
        return _FNS[self.fn](x)


@register
class GLU(Layer):
    """Gated linear unit (Dauphin et al. 2017): a|b -> a * sigmoid(b) over the
    last axis; halves the width."""
    kind = "glu"

    def stream(self, ins):
        if ins[0].width % 2:
            raise ValueError(f"glu: input width {ins[0].width} is odd")
        return Stream(ins[0].width // 2, ins[0].stride, ins[0].latency)

    @classmethod
    def from_params(cls, p, ins):
        return cls()

    def forward(self, x):
        return F.glu(x, dim=-1)


@register
class LogPow(Layer):
    """y = log(x^2 + eps): log power features."""
    kind = "logpow"

    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = eps

    def params(self):
        return {"eps": self.eps}

    @classmethod
    def from_params(cls, p, ins):
        return cls(p.get("eps", 1e-8))

    def forward(self, x):
        return torch.log(x * x + self.eps)


@register
class Decimate(Layer):
    """R consecutive frames side by side (oldest first) as one frame at R
    times the stride: SaShiMi's DownPool reshape (Goel et al. 2022). Output
    frame j is input frames jR .. jR+R-1; no delay. Rate-bound."""
    kind = "decimate"
    rate_bound = True

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def stream(self, ins):
        s = ins[0]
        return Stream(s.width * self.factor, s.stride * self.factor, s.latency)

    def params(self):
        return {"factor": self.factor}

    @classmethod
    def from_params(cls, p, ins):
        return cls(p["factor"])

    def forward(self, x):
        B, T, W = x.shape
        n = T // self.factor
        return x[:, :n * self.factor].reshape(B, n, self.factor * W)


@register
class Interpolate(Layer):
    """One frame of width R*W as R frames of width W at 1/R the stride, one
    input frame late for causality (as SaShiMi's UpPool shifts): output frame
    (j+1)R + i is part i of input frame j; frames 0..R-1 are zeros. Adds the
    input stride to the latency. Rate-bound."""
    kind = "interpolate"
    rate_bound = True

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def stream(self, ins):
        s, r = ins[0], self.factor
        if s.width % r or s.stride % r:
            raise ValueError(f"interpolate: factor {r} must divide width {s.width} and stride {s.stride}")
        return Stream(s.width // r, s.stride // r, s.latency + s.stride)

    def params(self):
        return {"factor": self.factor}

    @classmethod
    def from_params(cls, p, ins):
        return cls(p["factor"])

    def forward(self, x):
        B, T, W = x.shape
        r = self.factor
        y = x.reshape(B, T * r, W // r)
        return F.pad(y, (0, 0, r, 0))


def _broadcast(kind, ins):
    w = max(s.width for s in ins)
    for i, s in enumerate(ins):
        if s.width not in (w, 1):
            raise ValueError(f"{kind}: input {i} has width {s.width}, want {w} or 1")
    return Stream(w, ins[0].stride, max(s.latency for s in ins))


@register
class Add(Layer):
    """Element-wise sum of 2..64 streams (a residual); width-1 inputs broadcast."""
    kind = "add"
    n_inputs = (2, 64)

    def stream(self, ins):
        return _broadcast(self.kind, ins)

    @classmethod
    def from_params(cls, p, ins):
        return cls()

    def forward(self, *xs):
        y = xs[0]
        for x in xs[1:]:
            y = y + x
        return y


@register
class Mul(Layer):
    """Element-wise product of 2..64 streams (a gate); width-1 inputs broadcast."""
    kind = "mul"
    n_inputs = (2, 64)

    def stream(self, ins):
        return _broadcast(self.kind, ins)

    @classmethod
    def from_params(cls, p, ins):
        return cls()

    def forward(self, *xs):
        y = xs[0]
        for x in xs[1:]:
            y = y * x
        return y


@register
class Concat(Layer):
    """2..64 streams side by side in each frame, in input order."""
    kind = "concat"
    n_inputs = (2, 64)

    def stream(self, ins):
        return Stream(sum(s.width for s in ins), ins[0].stride, max(s.latency for s in ins))

    @classmethod
    def from_params(cls, p, ins):
        return cls()

    def forward(self, *xs):
        return torch.cat(xs, dim=-1)


@register
class Split(Layer):
    """Values offset .. offset+width-1 of each frame (one branch)."""
    kind = "split"

    def __init__(self, offset, width):
        super().__init__()
        self.offset, self.width = offset, width

    def stream(self, ins):
        if self.offset + self.width > ins[0].width:
            raise ValueError(f"split: {self.offset}+{self.width} past width {ins[0].width}")
        return Stream(self.width, ins[0].stride, ins[0].latency)

    def params(self):
        return {"offset": self.offset, "width": self.width}

    @classmethod
    def from_params(cls, p, ins):
        return cls(p["offset"], p["width"])

    def forward(self, x):
        return x[..., self.offset:self.offset + self.width]


@register
class Affine(Layer):
    """y = x * scale + bias: per channel (learned weight, bias [width]) or one
    scalar pair (a gain and an offset)."""
    kind = "affine"

    def __init__(self, width=None, scale=1.0, bias=0.0, per_channel=False):
        super().__init__()
        self.per_channel = per_channel
        if per_channel:
            self.weight = nn.Parameter(torch.full((width,), float(scale)))
            self.bias = nn.Parameter(torch.full((width,), float(bias)))
        else:
            self.scale, self.shift = float(scale), float(bias)

    def stream(self, ins):
        if self.per_channel:
            need_width(self.kind, ins[0], self.weight.shape[0])
        return super().stream(ins)

    def params(self):
        if self.per_channel:
            return {"per_channel": True}
        return {"scale": self.scale, "bias": self.shift}

    def tensors(self):
        return {"weight": self.weight, "bias": self.bias} if self.per_channel else {}

    @classmethod
    def from_params(cls, p, ins):
        if p.get("per_channel", False):
            return cls(ins[0].width, per_channel=True)
        return cls(scale=p.get("scale", 1.0), bias=p.get("bias", 0.0))

    def forward(self, x):
        if self.per_channel:
            return x * self.weight + self.bias
        return x * self.scale + self.shift

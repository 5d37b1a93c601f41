"""What every layer kind is in PyTorch: the module, its stream arithmetic, and
its place in the file (params and tensors), mirroring engine/net/layer.h."""
import re
from typing import NamedTuple

import torch
import torch.nn as nn

KINDS = {}
NAME = re.compile(r"^[A-Za-z0-9_.]{1,64}$")


class Stream(NamedTuple):
    """A stream's shape: values per frame, graph-input samples per frame, and
    the samples its content lags the graph input (docs/model-format.md)."""
    width: int
    stride: int
    latency: int


def register(cls):
    """Class decorator: the kind becomes loadable by name (ssmlib.load)."""
    KINDS[cls.kind] = cls
    return cls


class Layer(nn.Module):
    """Base of every kind.

    Subclasses set `kind`, `n_inputs` (min, max), `rate_bound` (the output
    depends on the sample rate in a way no re-discretisation undoes) and
    `continuous` (forward takes dt_scale = trained rate / run rate), and
    implement forward(*xs) on [B, T_k, width] tensors, stream(ins), params(),
    tensors() and from_params(params, ins)."""
    kind = None
    n_inputs = (1, 1)
    rate_bound = False
    continuous = False

    def stream(self, ins):
        """The output stream for these input streams; raises ValueError on a
        mismatch. Default: input 0's shape, the largest input latency."""
        return Stream(ins[0].width, ins[0].stride, max(s.latency for s in ins))

    def params(self):
        """The node's kind-specific parameters (JSON values)."""
        return {}

    def tensors(self):
        """Name (without the node's prefix) -> tensor, as the engine reads it."""
        return {}

    @classmethod
    def from_params(cls, params, ins):
        """A fresh module for these params and input streams (tensors are
        loaded after, through load_tensors)."""
        raise NotImplementedError

    def load_tensors(self, tensors):
        """Copy file tensors (name -> tensor) into the module's parameters."""
        mine = self.tensors()
        if set(mine) != set(tensors):
            raise ValueError(f"{self.kind}: tensors {sorted(tensors)} != expected {sorted(mine)}")
        with torch.no_grad():
            for k, t in mine.items():
                if tuple(t.shape) != tuple(tensors[k].shape):
                    raise ValueError(f"{self.kind}: tensor {k} has shape {tuple(tensors[k].shape)}, "
                                     f"want {tuple(t.shape)}")
                t.copy_(torch.as_tensor(tensors[k], dtype=t.dtype))


def need_width(kind, s, width):
    if s.width != width:
        raise ValueError(f"{kind}: input width {s.width}, want {width}")

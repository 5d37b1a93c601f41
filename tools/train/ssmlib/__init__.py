"""ssmlib: the ssmaudio model library in PyTorch.

One nn.Module per layer kind of the engine's graph-v1 model format
(docs/model-format.md), each the reference the C kind must equal (tests/golden/
layers/make_goldens.py writes the goldens; tests/engine/test_layers.c holds the
engine to them in both forms), a Graph that wires them by id, trains as any
nn.Module, and saves to safetensors with the graph in the metadata.

    import ssmlib as S
    g = S.Graph(inputs=1, sample_rate=48000)
    c = g.add("enc", S.FbEncode(hop=48, filters=128), "x")
    f = g.add("feat", S.LogPow(eps=1e-8), c)
    ...
    g.output("audio", "dec")
    y = g(x)["audio"]               # x: [B, T] or [B, T, inputs]
    g.save("model.safetensors", {"ssm.provenance": "..."})
    g2 = S.load("model.safetensors")

Runs on torch 1.13 (Debian bookworm's python3-torch) and later: no API newer
than 1.13.
"""
from .base import KINDS, Layer, Stream, register  # noqa: F401
from .glue import (  # noqa: F401
    GLU, Activation, Add, Affine, Concat, Conv1d, Decimate, Interpolate, LayerNorm, Linear, LogPow,
    Mul, RMSNorm, Split)
from .filterbank import FbDecode, FbEncode, dft_basis  # noqa: F401
# The selective / gated families (mamba, mamba2, hyena, h3, gss).
from .mamba import Mamba  # noqa: F401
from .mamba2 import Mamba2  # noqa: F401
from .hyena import Hyena  # noqa: F401
from .h3 import H3  # noqa: F401
from .gss import GSS  # noqa: F401
from .s4d import S4D  # noqa: F401
# LTI families
from .lru import LRU  # noqa: F401
from .s4nd import S4ND  # noqa: F401
from .liquid_s4 import LiquidS4  # noqa: F401
from .s4 import S4  # noqa: F401
from .dss import DSS  # noqa: F401
from .s5 import S5  # noqa: F401
from .graph import Graph, load  # noqa: F401
from .fileio import read_safetensors, write_safetensors  # noqa: F401

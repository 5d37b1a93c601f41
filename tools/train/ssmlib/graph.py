"""Graph: layers wired by id into one network, as the engine's graph-v1 files
describe it (docs/model-format.md). It is an nn.Module (train it as any), runs
forward as the training / offline form (each kind's PyTorch reference), and
saves itself to safetensors with the graph in the metadata."""
import json

import torch
import torch.nn as nn

from .base import KINDS, NAME, Stream
from .fileio import read_safetensors, write_safetensors

ARCH = "graph-v1"


class Graph(nn.Module):
    def __init__(self, inputs=1, sample_rate=48000):
        super().__init__()
        if not 1 <= inputs <= 64:
            raise ValueError("inputs must be 1..64 audio channels")
        self.inputs, self.sample_rate = inputs, int(sample_rate)
        self.layers = nn.ModuleList()  # in node order (ids may hold dots: no ModuleDict)
        self.nodes = []  # dicts: id, kind, in, tensors
        self.streams = {"x": Stream(inputs, 1, 0)}
        self.outputs = {}

    def add(self, id, layer, *inputs, tensors=None):
        """Append a node reading earlier nodes (or "x", the graph input);
        returns its id. tensors: the file prefix of its tensors (default id)."""
        if not NAME.match(id) or id == "x" or id in self.streams:
            raise ValueError(f"node id {id!r}: must be new, not 'x', 1..64 of [A-Za-z0-9_.]")
        lo, hi = layer.n_inputs
        if not lo <= len(inputs) <= hi:
            raise ValueError(f"node {id!r} ({layer.kind}): takes {lo}..{hi} inputs, got {len(inputs)}")
        for i in inputs:
            if i not in self.streams:
                raise ValueError(f"node {id!r} ({layer.kind}): input {i!r} is no earlier node")
        ins = [self.streams[i] for i in inputs]
        if len({s.stride for s in ins}) > 1:
            raise ValueError(f"node {id!r} ({layer.kind}): inputs run at different strides")
        try:
            self.streams[id] = layer.stream(ins)
        except ValueError as e:
            raise ValueError(f"node {id!r}: {e}") from None
        self.layers.append(layer)
        self.nodes.append({"id": id, "kind": layer.kind, "in": list(inputs),
                           "tensors": tensors if tensors is not None else id})
        return id

    def output(self, name, id):
        """Name a stream as an output: "audio" (stride 1, width = inputs) is
        required; others are meters (the engine reports their last frame)."""
        if id not in self.streams or not NAME.match(name):
            raise ValueError(f"output {name!r}: {id!r} is no node")
        if name == "audio":
            s = self.streams[id]
            if s.stride != 1 or s.width != self.inputs:
                raise ValueError(f"output audio: {id!r} has width {s.width} at stride {s.stride}")
        self.outputs[name] = id

    @property
    def latency(self):
        """Audio output latency in samples (the engine computes the same)."""
        return self.streams[self.outputs["audio"]].latency

    @property
    def rate_bound(self):
        """[(id, kind)] of the nodes that tie the graph to its trained rate."""
        return [(n["id"], n["kind"]) for n, l in zip(self.nodes, self.layers) if l.rate_bound]

    def run(self, x, rate=None):
        """Every stream's frames: id -> [B, T // stride, width]. x: [B, T] (one
        input) or [B, T, inputs]. rate: run at this rate (continuous-time
        layers re-discretise; dt_scale = sample_rate / rate)."""
        if x.dim() == 2:
            x = x.unsqueeze(-1)
        T = x.shape[1]
        dt_scale = 1.0 if rate is None else self.sample_rate / rate
        vals = {"x": x}
        for n, layer in zip(self.nodes, self.layers):
            ys = [vals[i] for i in n["in"]]
            y = layer(*ys, dt_scale=dt_scale) if layer.continuous else layer(*ys)
            vals[n["id"]] = _fit(y, T // self.streams[n["id"]].stride)
        return vals

    def forward(self, x, rate=None):
        """The outputs: name -> [B, T // stride, width]."""
        vals = self.run(x, rate)
        return {name: vals[i] for name, i in self.outputs.items()}

    def spec(self):
        """The ssm.graph JSON object."""
        nodes = []
        for n, layer in zip(self.nodes, self.layers):
            d = {"id": n["id"], "kind": n["kind"], "in": n["in"]}
            if n["tensors"] != n["id"]:
                d["tensors"] = n["tensors"]
            d.update(layer.params())
            nodes.append(d)
        return {"inputs": self.inputs, "nodes": nodes, "outputs": dict(self.outputs)}

    def file_tensors(self):
        """Full tensor name -> tensor (shared prefixes must hold equal tensors)."""
        out = {}
        for n, layer in zip(self.nodes, self.layers):
            for k, t in layer.tensors().items():
                name = f"{n['tensors']}.{k}"
                if name in out and not torch.equal(out[name], t):
                    raise ValueError(f"tensor {name} is shared by nodes with different values")
                out[name] = t
        return out

    def metadata(self, extra=None):
        if "audio" not in self.outputs:
            raise ValueError("the graph has no 'audio' output")
        meta = {
            "ssm.format_version": "1",
            "ssm.architecture": ARCH,
            "ssm.graph": json.dumps(self.spec(), separators=(",", ":")),
            "ssm.sample_rate": str(self.sample_rate),
            "ssm.latency_samples": str(self.latency),
        }
        rb = self.rate_bound
        meta["ssm.rediscretize"] = "false" if rb else "true"
        if rb:
            meta["ssm.rediscretize_note"] = (f'layer "{rb[0][0]}" ({rb[0][1]}) is rate-bound: other '
                                             f"host rates run through the {self.sample_rate} Hz bridge")
        for k, v in (extra or {}).items():
            if k in meta and k != "ssm.rediscretize_note":
                if k == "ssm.rediscretize" and v == "false":
                    meta[k] = v  # the author may force resampling
                    continue
                raise ValueError(f"metadata {k} is derived from the graph")
            meta[k] = str(v)
        return meta

    def save(self, path, metadata=None):
        """Write the graph and its tensors (float32) to a safetensors file."""
        write_safetensors(path, self.file_tensors(), self.metadata(metadata))


def load(path):
    """A Graph from a graph-v1 file, tensors loaded (float32, eval mode)."""
    tensors, meta = read_safetensors(path)
    if meta.get("ssm.architecture") != ARCH:
        raise ValueError(f"{path}: ssm.architecture is {meta.get('ssm.architecture')!r}, not {ARCH}")
    spec = json.loads(meta["ssm.graph"])
    g = Graph(spec.get("inputs", 1), int(meta["ssm.sample_rate"]))
    used = set()
    for n in spec["nodes"]:
        cls = KINDS.get(n["kind"])
        if cls is None:
            raise ValueError(f"{path}: node {n['id']!r}: unknown kind {n['kind']!r}")
        params = {k: v for k, v in n.items() if k not in ("id", "kind", "in", "tensors")}
        layer = cls.from_params(params, [g.streams[i] for i in n["in"]])
        prefix = n.get("tensors", n["id"])
        names = {k: f"{prefix}.{k}" for k in layer.tensors()}
        layer.load_tensors({k: torch.from_numpy(tensors[v]) for k, v in names.items()})
        used.update(names.values())
        g.add(n["id"], layer, *n["in"], tensors=prefix)
    unused = set(tensors) - used
    if unused:
        raise ValueError(f"{path}: tensors read by no node: {sorted(unused)[:5]}")
    for name, i in spec["outputs"].items():
        g.output(name, i)
    return g.eval()


def _fit(y, n):
    """Frames 0..n-1 of y along time: truncated, or zero-padded at the end."""
    if y.shape[1] >= n:
        return y[:, :n]
    return torch.nn.functional.pad(y, (0, 0, 0, n - y.shape[1]))

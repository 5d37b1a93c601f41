"""safetensors read/write with numpy alone (the engine's format:
docs/model-format.md, "Layout"): 8-byte little-endian header length, a JSON
header (tensors sorted by name, string metadata), padded with spaces to 8
bytes, then the little-endian float32 data."""
import json

import numpy as np


def write_safetensors(path, tensors, metadata):
    """tensors: name -> array-like (written as float32); metadata: str -> str."""
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}}
    off, blobs = 0, []
    for name in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(_numpy(tensors[name]), dtype="<f4"))
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hj = json.dumps(header, separators=(",", ":")).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(hj).to_bytes(8, "little"))
        f.write(hj)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Returns (tensors: name -> float32 ndarray, metadata: dict)."""
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    dtypes = {"F32": "<f4", "F16": "<f2"}
    out = {}
    for name, v in header.items():
        if v["dtype"] not in dtypes:
            raise ValueError(f"{path}: tensor {name}: dtype {v['dtype']} not supported here")
        s, e = v["data_offsets"]
        out[name] = np.frombuffer(data[s:e], dtype=dtypes[v["dtype"]]).reshape(v["shape"]).astype(np.float32)
    return out, meta


def _numpy(t):
    if hasattr(t, "detach"):
        return t.detach().cpu().float().numpy()
    return t

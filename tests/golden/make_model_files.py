#!/usr/bin/python3
"""Golden safetensors files for tests/engine/test_model.c, written with numpy
alone (an implementation independent of engine/core/model_file.c).

Run from the repository root:
    /usr/bin/python3 tests/golden/make_model_files.py

Writes tests/golden/models/:
  roundtrip.safetensors   F32, F16 and BF16 tensors of rank 0..4 + metadata
  roundtrip.expect.f32    every tensor widened to float32 by numpy, in name
                          order, concatenated (what the loader must return)
  bad-*.safetensors       one defect each (see BAD below); the test checks
                          each gets its own error message
The same files seed the fuzz corpus (tests/fuzz/corpus/).
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
rng = np.random.default_rng(20261125)


def bf16_bits(x):
    """float32 -> bfloat16 bits, round to nearest even (as torch does)."""
    b = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return b.astype(np.uint16)


def pack(tensors, metadata=None, header_override=None, pad_to=8):
    """tensors: list of (name, dtype, shape, raw bytes). Returns file bytes."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    off = 0
    blobs = []
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape),
                        "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    h = header_override if header_override is not None else json.dumps(header).encode()
    h += b" " * ((-len(h)) % pad_to)
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def good():
    t = []
    expect = {}
    a = rng.standard_normal((3, 5)).astype(np.float32)
    t.append(("layers.0.A_log", "F32", a.shape, a.astype("<f4").tobytes()))
    expect["layers.0.A_log"] = a
    s = np.array(0.125, dtype=np.float32)
    t.append(("scale", "F32", (), s.astype("<f4").tobytes()))
    expect["scale"] = s
    h = (rng.standard_normal((2, 3, 4)) * 3).astype(np.float16)
    h.flat[0] = np.float16(6.0e-8)  # a half subnormal
    h.flat[1] = np.float16(-65504)  # the largest half
    t.append(("layers.1.B", "F16", h.shape, h.astype("<f2").tobytes()))
    expect["layers.1.B"] = h.astype(np.float32)
    bf = rng.standard_normal((2, 2, 2, 3)).astype(np.float32)
    bits = bf16_bits(bf)
    t.append(("layers.1.C", "BF16", bf.shape, bits.astype("<u2").tobytes()))
    expect["layers.1.C"] = (bits.astype(np.uint32) << 16).view(np.float32)
    e = np.zeros((0, 4), dtype=np.float32)
    t.append(("empty", "F32", e.shape, b""))
    expect["empty"] = e
    meta = {"ssm.format_version": "1", "ssm.sample_rate": "48000",
            "ssm.architecture": "test", "ssm.provenance": "tests/golden/make_model_files.py"}
    data = pack(t, meta)
    ref = np.concatenate([expect[k].reshape(-1) for k in sorted(expect)]).astype("<f4")
    return t, meta, data, ref


def main():
    os.makedirs(OUT, exist_ok=True)
    t, meta, data, ref = good()
    open(os.path.join(OUT, "roundtrip.safetensors"), "wb").write(data)
    ref.tofile(os.path.join(OUT, "roundtrip.expect.f32"))

    f32 = np.arange(4, dtype="<f4").tobytes()
    bad = {
        # the good file cut in the middle of the data section
        "truncated": data[: len(data) - 7],
        "wrong-dtype": pack([("w", "I64", (2,), np.arange(2, dtype="<i8").tobytes())]),
        "overlap": pack([], header_override=json.dumps({
            "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
            "b": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}).encode()) + f32,
        "huge-shape": pack([], header_override=json.dumps({
            "w": {"dtype": "F32", "shape": [2**31, 2**31, 2**31, 2**31],
                  "data_offsets": [0, 16]}}).encode()) + f32,
        "rank5": pack([], header_override=json.dumps({
            "w": {"dtype": "F32", "shape": [1, 1, 1, 2, 2],
                  "data_offsets": [0, 16]}}).encode()) + f32,
        "bad-json": pack([], header_override=b'{"w": {"dtype": "F32", "shape": [4],, }') + f32,
        "header-past-eof": struct.pack("<Q", 1 << 40) + b'{"w": {}}',
        "offsets-past-data": pack([], header_override=json.dumps({
            "w": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]}}).encode()) + f32,
        "size-mismatch": pack([], header_override=json.dumps({
            "w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}).encode()) + f32,
        "meta-not-string": pack([("w", "F32", (4,), f32)], {"ssm.sample_rate": 48000}),
        "hole": pack([], header_override=json.dumps({
            "w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}).encode()) + f32,
        "duplicate-name": pack([], header_override=(
            b'{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},'
            b' "w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}')) + f32,
    }
    for name, blob in bad.items():
        open(os.path.join(OUT, "bad-%s.safetensors" % name), "wb").write(blob)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (tests/fuzz/corpus): valid .npy payloads of every supported
dtype and shape, zmq messages with kind suffixes, and a few broken ones. Needs python3-numpy.

    /usr/bin/python3 scripts/make_fuzz_corpus.py
"""
import io
import pathlib

import numpy as np

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fuzz" / "corpus"
out.mkdir(parents=True, exist_ok=True)


def npy(array, version=None):
    buf = io.BytesIO()
    if version is None:
        np.save(buf, array, allow_pickle=False)
    else:
        np.lib.format.write_array(buf, array, version=version, allow_pickle=False)
    return buf.getvalue()


seeds = {
    "image_f4": b"cam\n" + npy(np.arange(12, dtype="<f4").reshape(3, 4)),
    "image_f8_v2": b"cam\n" + npy(np.linspace(0, 1, 6).reshape(2, 3), version=(2, 0)),
    "image_u1": b"cam:image\n" + npy(np.arange(8, dtype=np.uint8).reshape(4, 2)),
    "image_u2": b"cam\n" + npy(np.arange(6, dtype="<u2").reshape(2, 3)),
    "image_i2": b"cam\n" + npy(np.array([[-1, 2], [3, -4]], dtype="<i2")),
    "line_i4": b"trace\n" + npy(np.arange(10, dtype="<i4")),
    "line_xy": b"xy\n" + npy(np.arange(10, dtype="<f4").reshape(5, 2)),
    "lines_many": b"waves:lines\n" + npy(np.ones((3, 7), dtype="<f4")),
    "nan_line": b"trace\n" + npy(np.array([1.0, np.nan, 2.0], dtype="<f4")),
    "empty": b"e\n" + npy(np.zeros((0,), dtype="<f4")),
    "fortran": b"f\n" + npy(np.asfortranarray(np.ones((2, 3), dtype="<f4"))),
    "bigendian": b"b\n" + npy(np.ones(4, dtype=">f4")),
    "three_d": b"t\n" + npy(np.ones((2, 2, 2), dtype="<f4")),
    "rgb8_image": b"cam\n" + npy(np.arange(18, dtype=np.uint8).reshape(2, 3, 3)),
    "rgba32f_image": b"overlay\n" + npy(np.ones((2, 2, 4), dtype="<f4")),
    "u16_image": b"cam16\n" + npy(np.arange(12, dtype="<u2").reshape(3, 4)),
    "two_channels": b"bad\n" + npy(np.zeros((2, 2, 2), dtype=np.uint8)),
    "no_topic": npy(np.ones(3, dtype="<f4")),
    "truncated": (b"cam\n" + npy(np.ones((4, 4), dtype="<f4")))[:60],
    "bad_magic": b"cam\nXNUMPY\x01\x00\x10\x00{}",
}
for name, data in seeds.items():
    (out / name).write_bytes(data)
print(f"make_fuzz_corpus: wrote {len(seeds)} seeds to {out}")

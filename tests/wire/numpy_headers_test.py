#!/usr/bin/env python3
"""Checks the claims that tests/wire/npy_test.cpp makes about numpy, with numpy itself.

npy_test.cpp holds three tables, each between a "// BEGIN <name>" and an "// END <name>" line:
  numpy files   .npy files as numpy writes them: rebuilt here with numpy.lib.format.write_array
                (or taken from numpy's own test data) and compared byte for byte;
  numpy reads   headers numpy.load(allow_pickle=False) reads: loaded here, with the dtype and
                shape the C++ test expects where it expects the reader to read them too;
  numpy refuses headers numpy.load(allow_pickle=False) refuses: loaded here, expecting an error.
Usage: python3 numpy_headers_test.py [path/to/npy_test.cpp]. Exit status 77 when numpy is
missing (a skip for ctest), 1 when a claim does not hold.
"""

import io
import os
import re
import struct
import sys
import warnings

try:
    import numpy as np
    from numpy.lib import format as npy_format
except ImportError:
    print("SKIPPED: numpy is missing (apt-get install python3-numpy)")
    sys.exit(77)

# The arrays behind the "numpy files" rows, by row name, with the version they are written in.
ARRAYS = {
    "v1_f4": (np.array([[0, 0.5, 1], [1.5, 2, 2.5]], dtype="<f4"), (1, 0)),
    "v2_u2": (np.array([[1, 2], [65535, 4096]], dtype="<u2"), (2, 0)),
    "v3_i2": (np.array([-1, 2, -32768], dtype="<i2"), (3, 0)),
    "v1_be_f8": (np.array([1.5, -2.0], dtype=">f8"), (1, 0)),
    "v3_be_i4": (np.array([[1, 2, 3], [4, 5, -6]], dtype=">i4"), (3, 0)),
    "v1_u1_3d": (np.array([7, 8, 9], dtype="u1").reshape(3, 1, 1), (1, 0)),
}
NUMPY_TEST_DATA = os.path.join(os.path.dirname(np.__file__), "lib", "tests", "data")

_SIMPLE_ESCAPES = {"n": 10, "t": 9, "r": 13, "f": 12, "v": 11, "a": 7, "b": 8, "\\": 92,
                   '"': 34, "'": 39, "?": 63}


def c_string(body):
    """The bytes of a C++ string literal's body (its escapes decoded)."""
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode("latin-1")
            i += 1
            continue
        e = body[i + 1]
        if e in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[e])
            i += 2
        elif e in "01234567":
            digits = re.match(r"[0-7]{1,3}", body[i + 1:]).group(0)
            out.append(int(digits, 8))
            i += 1 + len(digits)
        elif e == "x":
            digits = re.match(r"[0-9a-fA-F]+", body[i + 2:]).group(0)
            out.append(int(digits, 16))
            i += 2 + len(digits)
        else:
            raise ValueError(f"unknown escape \\{e} in {body!r}")
    return bytes(out)


_TOKEN = re.compile(r'\s+|//[^\n]*|"((?:[^"\\\n]|\\.)*)"(sv)?|(-?[0-9][0-9.]*)|([{},])|(\S)')


def table(source, name):
    """The rows of table `name`: lists of ints, floats, bytes (adjacent literals joined) and
    nested lists."""
    begin = source.index(f"// BEGIN {name}\n")
    end = source.index(f"// END {name}\n")
    stack = [[]]
    last_was_string = False
    for m in _TOKEN.finditer(source, begin + len(f"// BEGIN {name}\n"), end):
        text, number, punct, other = m.group(1), m.group(3), m.group(4), m.group(5)
        if text is not None:
            if last_was_string:
                stack[-1][-1] += c_string(text)
            else:
                stack[-1].append(c_string(text))
            last_was_string = True
            continue
        if m.group(0).isspace() or m.group(0).startswith("//"):
            continue
        last_was_string = False
        if number is not None:
            stack[-1].append(float(number) if "." in number else int(number))
        elif punct == "{":
            stack.append([])
        elif punct == "}":
            row = stack.pop()
            stack[-1].append(row)
        elif punct == ",":
            pass
        else:
            raise ValueError(f"table {name}: unexpected {other!r}")
    return stack[0]


def npy_bytes(major, header, data):
    length = struct.pack("<H" if major == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([major, 0]) + length + header + data


def load(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. an unknown escape in a header string
        return np.load(io.BytesIO(data), allow_pickle=False)


def describe(array):
    return f"ok {array.dtype.str} {array.shape}"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "npy_test.cpp")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    failures = []
    checked = 0

    for name, major, dict_text, pad, data_hex, expected, values in table(source, "numpy files"):
        name = name.decode()
        data = npy_bytes(major, dict_text + b" " * pad + b"\n", bytes.fromhex(data_hex.decode()))
        if name in ARRAYS:
            array, version = ARRAYS[name]
            written = io.BytesIO()
            npy_format.write_array(written, array, version=version)
            if written.getvalue() != data:
                failures.append(f"numpy files: {name}: numpy writes {written.getvalue()!r}, "
                                f"the test has {data!r}")
        else:
            original = os.path.join(NUMPY_TEST_DATA, name)
            if not os.path.exists(original):
                print(f"numpy files: {name}: not in {NUMPY_TEST_DATA}, not compared")
            elif open(original, "rb").read() != data:
                failures.append(f"numpy files: {name} differs from {original}")
        array = load(data)
        if describe(array) != expected.decode() or array.ravel().tolist() != values:
            failures.append(f"numpy files: {name}: numpy reads {describe(array)} "
                            f"{array.ravel().tolist()}, the test expects {expected.decode()} "
                            f"{values}")
        checked += 1

    for major, header, data_bytes, expected in table(source, "numpy reads"):
        what = f"numpy reads: version {major}: {header!r}"
        try:
            array = load(npy_bytes(major, header, bytes(data_bytes)))
        except Exception as e:  # noqa: BLE001 - any refusal is a failed claim
            failures.append(f"{what}: numpy refuses it: {type(e).__name__}: {e}")
            continue
        if array.nbytes != data_bytes:
            failures.append(f"{what}: numpy reads {array.nbytes} bytes of data, the test gives "
                            f"{data_bytes}")
        if expected.startswith(b"ok ") and describe(array) != expected.decode():
            failures.append(f"{what}: numpy reads {describe(array)}, the test expects "
                            f"{expected.decode()}")
        checked += 1

    for major, header, data_bytes, expected in table(source, "numpy refuses"):
        try:
            array = load(npy_bytes(major, header, bytes(data_bytes)))
        except Exception:  # noqa: BLE001 - the claim: numpy refuses it
            checked += 1
            continue
        failures.append(f"numpy refuses: version {major}: {header!r}: numpy reads it as "
                        f"{describe(array)}")

    for failure in failures:
        print("FAILED", failure)
    print(f"numpy {np.__version__}: {checked} claims hold, {len(failures)} do not")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

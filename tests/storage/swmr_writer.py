"""An HDF5 writer in SWMR mode, as acquisition software writes a detector's file: the test
drives it over stdin, one command a line, and it answers on stdout once the command is done.
  frames N   append N frames (frame k: every pixel k + its index mod 7), flushed after each
  close      close the file properly
  exit       leave without closing (the file stays marked open for writing)
Frames are (H, W) uint16 with t_ns (this machine's monotonic clock) beside them."""

import os
import sys
import time

import h5py
import numpy as np

H, W = 24, 32


def frame(k):
    return ((np.arange(H * W).reshape(H, W) % 7) + k).astype(np.uint16)


def main(path):
    f = h5py.File(path, "w", libver="latest")
    g = f.create_group("entry/data")
    g.attrs["NX_class"] = "NXdata"
    g.attrs["signal"] = "data"
    data = g.create_dataset("data", (0, H, W), np.uint16, maxshape=(None, H, W),
                            chunks=(1, H, W))
    t = g.create_dataset("t_ns", (0,), np.int64, maxshape=(None,), chunks=(256,))
    f.swmr_mode = True
    print("ready", flush=True)
    n = 0
    for line in sys.stdin:
        cmd = line.split()
        if cmd[0] == "frames":
            for _ in range(int(cmd[1])):
                data.resize(n + 1, axis=0)
                data[n] = frame(n)
                t.resize(n + 1, axis=0)
                t[n] = time.monotonic_ns()
                data.flush()
                t.flush()
                n += 1
            print("wrote", n, flush=True)
        elif cmd[0] == "close":
            f.close()
            print("closed", flush=True)
        elif cmd[0] == "exit":
            print("bye", flush=True)
            sys.stdout.flush()
            os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1])

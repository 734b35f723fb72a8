#!/usr/bin/env python3
"""Streams an animated image and a line to a running rtviewer (the rtviewer Python package).

    rtviewer --producer zmq                 # the viewer listens on tcp://127.0.0.1:5555
    python3 examples/publish.py             # this script connects and streams
    rtviewer --producer "exec:command=python3 examples/publish.py"   # the viewer starts it

From the repository the package is found next to this file (python/); installed, with
`pip install ./python`. From another machine: start the viewer with zmq:bind=tcp://0.0.0.0:5555
and pass --connect tcp://VIEWER-HOST:5555 here; on the same machine --shm sends the image
through shared memory.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import rtviewer  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect", default=None,
                        help="the viewer's endpoint (default: RTV_ENDPOINT, set by a viewer that "
                             "started this script as its exec producer, else tcp://127.0.0.1:5555)")
    parser.add_argument("--frames", type=int, default=0, help="frames to send; 0 = until Ctrl+C")
    parser.add_argument("--interval", type=float, default=1 / 30, help="seconds between frames")
    parser.add_argument("--size", default="240x320", help="image HEIGHTxWIDTH")
    parser.add_argument("--prefix", default="python", help="stream names: PREFIX/image, PREFIX/line")
    parser.add_argument("--shm", action="store_true", help="images through shared memory")
    args = parser.parse_args()
    height, width = (int(v) for v in args.size.split("x"))

    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = np.linspace(0, 4 * np.pi, 500, dtype=np.float32)
    try:
        pub = rtviewer.Publisher(args.connect, shm=args.shm)
    except rtviewer.NoViewerError as e:
        print(f"publish.py: {e}", file=sys.stderr)
        return 1
    n = 0
    with pub:
        try:
            while args.frames == 0 or n < args.frames:
                t = np.float32(n * 0.05)
                pub.send(f"{args.prefix}/image", np.sin(x / 23 + t) * np.cos(y / 17 - 0.7 * t))
                pub.send(f"{args.prefix}/line", 0.5 + 0.4 * np.sin(phase + t))
                n += 1
                time.sleep(args.interval)
        except KeyboardInterrupt:
            pass
    print(f"publish.py: sent {pub.sent} frames ({pub.dropped} dropped) to {pub.endpoint}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

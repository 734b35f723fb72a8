#!/usr/bin/env python3
"""Streams an animated image and a line to a running rtviewer over ZeroMQ (numpy + pyzmq).

    rtviewer --producer zmq                 # the viewer listens on tcp://127.0.0.1:5555
    python3 examples/publish.py             # this script connects and streams

Each message is multipart: [stream name, the array in NumPy's .npy format]. A 2-D array is an
image, a 1-D array (or N x 2 of x, y) a line; name a 2-D array "name:lines" to send L lines of
N points. From another machine, start the viewer with zmq:bind=tcp://0.0.0.0:5555 and pass
--connect tcp://VIEWER-HOST:5555 here.
"""
import argparse
import io
import sys
import time

import numpy as np
import zmq


def npy(array):
    """The array as .npy bytes (C order, no pickles)."""
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connect", default="tcp://127.0.0.1:5555", help="the viewer's endpoint")
    parser.add_argument("--frames", type=int, default=0, help="frames to send; 0 = until Ctrl+C")
    parser.add_argument("--interval", type=float, default=1 / 30, help="seconds between frames")
    parser.add_argument("--size", default="240x320", help="image HEIGHTxWIDTH")
    parser.add_argument("--prefix", default="python", help="stream names: PREFIX/image, PREFIX/line")
    args = parser.parse_args()
    height, width = (int(v) for v in args.size.split("x"))

    context = zmq.Context()
    # XPUB is a PUB that also receives the subscriber's subscription: waiting for it means no
    # frame is lost to ZeroMQ's "slow joiner" (a PUB drops what it sends before a SUB joins).
    socket = context.socket(zmq.XPUB)
    socket.setsockopt(zmq.RCVTIMEO, 10_000)
    socket.connect(args.connect)
    try:
        socket.recv()
    except zmq.Again:
        print(f"publish.py: no viewer subscribed at {args.connect} within 10 s; "
              "is `rtviewer --producer zmq` running?", file=sys.stderr)
        return 1

    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = np.linspace(0, 4 * np.pi, 500, dtype=np.float32)
    image_name = f"{args.prefix}/image".encode()
    line_name = f"{args.prefix}/line".encode()
    n = 0
    try:
        while args.frames == 0 or n < args.frames:
            t = np.float32(n * 0.05)
            image = np.sin(x / 23 + t) * np.cos(y / 17 - 0.7 * t)
            line = 0.5 + 0.4 * np.sin(phase + t)
            socket.send_multipart([image_name, npy(image)])
            socket.send_multipart([line_name, npy(line)])
            n += 1
            time.sleep(args.interval)
    except KeyboardInterrupt:
        pass
    socket.close(linger=2000)  # let the last frames leave
    context.term()
    print(f"publish.py: sent {n} frames to {args.connect}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

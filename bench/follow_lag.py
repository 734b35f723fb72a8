"""The record benchmark's follow case (bench/bench_record.cpp runs it): an h5py writer in SWMR
mode appends 600x800 float32 frames at RATE per second, each with its t_ns on this machine's
monotonic clock, while a headless rtviewer follows the file (hdf5:follow=1,poll=POLL); the
viewer's latency for the stream then runs from the writer's frame time: the lag behind it.
Prints one JSON line: the stream's counters and latency quantiles from --stats-json.
Usage: follow_lag.py VIEWER DIR FRAMES RATE POLL"""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np


def main(viewer, directory, frames, rate, poll):
    directory = Path(directory)
    path, stats = directory / "follow.h5", directory / "follow.json"
    for p in (path, stats):
        p.unlink(missing_ok=True)
    h, w = 600, 800
    f = h5py.File(path, "w", libver="latest")
    data = f.create_dataset("entry/data/data", (0, h, w), np.float32, maxshape=(None, h, w),
                            chunks=(1, h, w))
    t = f.create_dataset("entry/data/t_ns", (0,), np.int64, maxshape=(None,), chunks=(256,))
    f.swmr_mode = True
    frame = np.random.default_rng(1).random((h, w), dtype=np.float32)
    proc = subprocess.Popen(
        [viewer, "--headless", "--exit-when-done", "--duration", "600", "--producer",
         f"hdf5:path={path},follow=1,poll={poll}", "--stats-json", str(stats)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = []
    started = threading.Event()

    def read():
        for line in proc.stdout:
            out.append(line)
            if "running on" in line:
                started.set()
        started.set()

    reader = threading.Thread(target=read)
    reader.start()
    started.wait(120)  # the viewer's start line: it is following from now on
    period = 1.0 / rate
    t0 = time.monotonic()
    for n in range(frames):
        due = t0 + n * period
        while time.monotonic() < due:
            time.sleep(min(0.001, max(0.0, due - time.monotonic())))  # pacing the writer
        data.resize(n + 1, axis=0)
        data[n] = frame
        t.resize(n + 1, axis=0)
        t[n] = time.monotonic_ns()
        data.flush()
        t.flush()
    f.close()  # the follower finishes when it sees the file closed
    proc.wait(timeout=300)
    reader.join()
    s = json.load(open(stats))["streams"][0]
    print(json.dumps({"ok": proc.returncode == 0 and s["latency_from"] == "sender",
                      "output": "".join(out)[-2000:], "produced": s["produced"],
                      "displayed": s["displayed"], "superseded": s["superseded"],
                      "p50_ms": s["latency_ms"]["p50"], "p99_ms": s["latency_ms"]["p99"]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]))

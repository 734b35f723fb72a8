"""One publisher to 1, 2 and 4 receivers over TCP loopback, straight from a publisher that binds
against through rtviewer-broker: the frames per second each receiver gets, and the broker's CPU.
Receivers are processes with a plain SUB socket that take every message and count it (the
transport alone: no viewer drawing). The publisher sends as fast as it can without waiting
(frames its queues cannot take are dropped there), so a receiver gets what the path delivers.
Prints a table and one JSON line per case. Usage:
  broker_bench.py BROKER [SECONDS]      (BROKER: build/bin/rtviewer-broker; SECONDS: 3 a case)
Needs numpy and pyzmq; PYTHONPATH=python for the rtviewer package."""

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np

import rtviewer

_RECEIVER = r"""
import sys, time, zmq
context = zmq.Context()
sub = context.socket(zmq.SUB)
sub.setsockopt(zmq.SUBSCRIBE, b"")
sub.setsockopt(zmq.RCVHWM, 16)
sub.connect(sys.argv[1])
seconds = float(sys.argv[2])
print("connected", flush=True)
sub.recv_multipart(copy=False)  # the first frame starts the clock
t0 = time.monotonic()
frames = 0
while time.monotonic() - t0 < seconds:
    if sub.poll(100):
        sub.recv_multipart(copy=False)
        frames += 1
print(frames / (time.monotonic() - t0), flush=True)
"""


def _cpu_s(pid):
    """utime + stime of a process, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_case(broker_binary, frame, receivers, through_broker, seconds):
    broker = None
    if through_broker:
        broker = subprocess.Popen([broker_binary, "--frontend", "tcp://127.0.0.1:*", "--backend",
                                   "tcp://127.0.0.1:*"], stdout=subprocess.PIPE, text=True)
        line = broker.stdout.readline()
        frontend, backend = line.split("forwarding ", 1)[1].strip().split(" -> ")
        pub = rtviewer.Publisher(frontend, wait=10)
        source = backend
    else:
        pub = rtviewer.Publisher(bind="tcp://127.0.0.1:*")
        source = pub.endpoint
    procs = [subprocess.Popen([sys.executable, "-c", _RECEIVER, source, str(seconds)],
                              stdout=subprocess.PIPE, text=True) for _ in range(receivers)]
    for p in procs:
        assert p.stdout.readline().strip() == "connected"
    stop = threading.Event()
    sent = [0]

    def publish():
        while not stop.is_set():
            if pub.send("bench", frame):
                sent[0] += 1

    thread = threading.Thread(target=publish)
    t0 = time.monotonic()
    cpu0 = _cpu_s(broker.pid) if broker else 0.0
    thread.start()
    rates = [float(p.stdout.readline()) for p in procs]
    wall = time.monotonic() - t0
    cpu = (_cpu_s(broker.pid) - cpu0) / wall if broker else 0.0
    stop.set()
    thread.join()
    for p in procs:
        p.wait()
    pub.close(linger=0)
    if broker:
        broker.terminate()
        broker.wait()
    return rates, cpu, sent[0] / wall


def main(broker_binary, seconds=3.0):
    frames = {"600x800 float32": np.random.default_rng(1).random((600, 800), dtype=np.float32),
              "2048x2048 uint16": np.random.default_rng(2).integers(0, 4096, (2048, 2048),
                                                                    dtype=np.uint16)}
    print(f"{'frame':18} {'rx':>2}  {'direct fps/rx':>14}  {'broker fps/rx':>14}  "
          f"{'ratio':>6}  {'broker CPU':>10}")
    results = []
    for name, frame in frames.items():
        for receivers in (1, 2, 4):
            direct, _, _ = run_case(broker_binary, frame, receivers, False, seconds)
            brokered, cpu, _ = run_case(broker_binary, frame, receivers, True, seconds)
            d, b = sum(direct) / len(direct), sum(brokered) / len(brokered)
            print(f"{name:18} {receivers:2}  {d:14.1f}  {b:14.1f}  {b / d:6.2f}  "
                  f"{cpu * 100:9.0f}%")
            results.append({"frame": name, "receivers": receivers, "direct_fps": direct,
                            "broker_fps": brokered, "ratio": b / d, "broker_cpu": cpu})
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 3.0)

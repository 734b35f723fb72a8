"""One publisher to 1, 2 and 4 receivers over TCP loopback, straight from a publisher that binds
against through rtviewer-broker: the frames per second each receiver gets, and the broker's CPU.
Receivers are processes with a plain SUB socket that take every message and count it (the
transport alone: no viewer drawing). Two loads:
 - saturated: the publisher sends as fast as it can without waiting (frames its queues cannot
   take are dropped there), so a receiver gets what the path delivers on this machine;
 - paced (--rate): the publisher sends at a camera's rate (600x800 at --rate, 2048x2048 at a
   quarter of it), so a receiver gets what the path delivers of a real source's frames.
Direct and brokered cases alternate, --rounds times; medians. Prints a table and one JSON line
per case. Usage:
  broker_bench.py BROKER [SECONDS] [--rounds N] [--rate FPS]
  (BROKER: build/bin/rtviewer-broker; SECONDS: 3 a case; --rate 0: saturated only)
Needs numpy and pyzmq; PYTHONPATH=python for the rtviewer package."""

import argparse
import json
import os
import statistics
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


def run_case(broker_binary, frame, receivers, through_broker, seconds, rate=0.0):
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
        next_t = time.monotonic()
        while not stop.is_set():
            if rate:
                next_t += 1.0 / rate
                delay = next_t - time.monotonic()
                if delay > 0:
                    stop.wait(delay)
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("broker")
    parser.add_argument("seconds", nargs="?", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--rate", type=float, default=60.0,
                        help="paced load: 600x800 frames/s (2048x2048 at a quarter); 0: none")
    args = parser.parse_args()
    frames = {"600x800 float32": np.random.default_rng(1).random((600, 800), dtype=np.float32),
              "2048x2048 uint16": np.random.default_rng(2).integers(0, 4096, (2048, 2048),
                                                                    dtype=np.uint16)}
    loads = [("saturated", {"600x800 float32": 0.0, "2048x2048 uint16": 0.0})]
    if args.rate > 0:
        loads.append(("paced", {"600x800 float32": args.rate,
                                "2048x2048 uint16": args.rate / 4}))
    print(f"{'load':9} {'frame':18} {'rx':>2}  {'sent/s':>7}  {'direct fps/rx':>14}  "
          f"{'broker fps/rx':>14}  {'ratio':>6}  {'broker CPU':>10}")
    results = []
    for load, rates in loads:
        for name, frame in frames.items():
            for receivers in (1, 2, 4):
                ratios, direct_means, broker_means, cpus = [], [], [], []
                for _ in range(args.rounds):
                    direct, _, _ = run_case(args.broker, frame, receivers, False, args.seconds,
                                            rates[name])
                    brokered, cpu, _ = run_case(args.broker, frame, receivers, True,
                                                args.seconds, rates[name])
                    d, b = statistics.mean(direct), statistics.mean(brokered)
                    # The worst-served receiver through the broker against the mean direct one.
                    ratios.append(min(brokered) / d)
                    direct_means.append(d)
                    broker_means.append(b)
                    cpus.append(cpu)
                d, b = statistics.median(direct_means), statistics.median(broker_means)
                ratio, cpu = statistics.median(ratios), statistics.median(cpus)
                rate = f"{rates[name]:7.1f}" if rates[name] else f"{'max':>7}"
                print(f"{load:9} {name:18} {receivers:2}  {rate}  {d:14.1f}  {b:14.1f}  "
                      f"{ratio:6.2f}  {cpu * 100:9.0f}%")
                results.append({"load": load, "frame": name, "receivers": receivers,
                                "rate": rates[name], "direct_fps": direct_means,
                                "broker_fps": broker_means, "worst_ratio": ratios,
                                "broker_cpu": cpus})
    for r in results:
        print(json.dumps(r))


if __name__ == "__main__":
    main()

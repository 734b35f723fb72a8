"""Several publishers, several viewers, a broker: real rtviewer and rtviewer-broker processes on
loopback. Viewers connect (zmq:connect=) to a broker or to a publisher that binds, reconnect by
themselves when either restarts, and count every frame they were sent as received or as a gap; a
paused viewer loses frames alone; streams= keeps other streams off the wire; endpoints beyond
loopback need insecure=1. Every wait is for a line a process prints or a socket event, with a
deadline; none is a sleep."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import zmq

import rtviewer

DEADLINE = 30.0  # seconds any one wait may take before the test fails


def _broker_binary():
    binary = os.environ.get("RTV_BROKER") or shutil.which("rtviewer-broker")
    if not binary:
        pytest.fail("no broker: set RTV_BROKER to the rtviewer-broker binary (ctest does)")
    return binary


def _viewer_binary():
    binary = os.environ.get("RTV_VIEWER") or shutil.which("rtviewer")
    if not binary:
        pytest.fail("no viewer: set RTV_VIEWER to the rtviewer binary (ctest does)")
    return binary


class Process:
    """A child process whose stdout lines are collected on a thread; wait_for() blocks until a
    line holding a text has been printed (or the process ends, or DEADLINE passes)."""

    def __init__(self, args, stdin=False):
        self.args = args
        self.process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)
        self.lines = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self.lines.append(None)  # end of output
            self._changed.notify_all()

    def count(self, text):
        with self._changed:
            return sum(1 for line in self.lines if line is not None and text in line)

    def wait_for(self, text, count=1):
        """The first line holding ``text`` once ``count`` such lines were printed."""
        deadline = time.monotonic() + DEADLINE
        with self._changed:
            while True:
                found = [line for line in self.lines if line is not None and text in line]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                assert self.lines[-1:] != [None], f"{self.args[0]} ended before {text!r}:\n" + \
                    self.output()
                assert left > 0, f"no {text!r} within {DEADLINE} s:\n" + self.output()
                self._changed.wait(left)

    def output(self):
        with self._changed:
            return "".join(line for line in self.lines if line is not None)

    def signal(self, sig):
        self.process.send_signal(sig)

    def finish(self):
        code = self.process.wait(timeout=DEADLINE)
        self._reader.join(timeout=DEADLINE)
        return code

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.finish()


class Broker(Process):
    def __init__(self, tmp_path, name, frontend="tcp://127.0.0.1:*", backend="tcp://127.0.0.1:*",
                 extra=()):
        self.stats = tmp_path / f"{name}.json"
        super().__init__([_broker_binary(), "--frontend", frontend, "--backend", backend,
                          "--stats-json", str(self.stats), *extra])
        line = self.wait_for("rtviewer-broker: forwarding ")
        ends = line.split("forwarding ", 1)[1].split(" (")[0].strip()
        self.frontend, self.backend = ends.split(" -> ")

    def stop(self):
        """SIGTERM: a clean exit that writes --stats-json; its streams by name."""
        self.signal(signal.SIGTERM)
        assert self.finish() == 0, self.output()
        with open(self.stats) as f:
            stats = json.load(f)
        return stats, {s["name"]: s for s in stats["streams"]}


class Viewer(Process):
    def __init__(self, tmp_path, name, settings):
        self.stats = tmp_path / f"{name}.json"
        super().__init__([_viewer_binary(), "--headless", "--duration", "120", "--producer",
                          f"zmq:{settings}", "--stats-json", str(self.stats)])

    def stop(self):
        """SIGTERM: the viewer stops its producers and writes --stats-json; its streams."""
        self.signal(signal.SIGTERM)
        assert self.finish() == 0, self.output()
        with open(self.stats) as f:
            stats = json.load(f)
        return stats, {s["name"]: s for s in stats["streams"]}


# A publisher in a process of its own (so that the test can kill it): binds, then takes
# commands on stdin, one a line: "wait" (a viewer's subscription), "send NAME COUNT".
_BOUND_PUBLISHER = r"""
import sys, numpy as np, rtviewer
pub = rtviewer.Publisher(bind=sys.argv[1])
print("bound", pub.endpoint, flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "wait":
        print("viewer" if pub.wait_for_viewer(30) else "no viewer", flush=True)
    elif cmd[0] == "send":
        for _ in range(int(cmd[2])):
            pub.send(cmd[1], np.zeros((16, 16), np.uint16), block=True)
        print("sent", cmd[1], flush=True)
"""


class BoundPublisher(Process):
    def __init__(self, endpoint):
        super().__init__([sys.executable, "-c", _BOUND_PUBLISHER, endpoint], stdin=True)
        self.endpoint = self.wait_for("bound ").split()[1]

    def command(self, text, answer):
        n = self.count(answer)  # before the command: its answer may come at once
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()
        return self.wait_for(answer, n + 1)


@pytest.fixture
def started():
    """Every process a test starts: killed at its end if it still runs."""
    processes = []
    yield processes
    for p in processes:
        p.kill()


def _counted_whole(s, last):
    """Every frame numbered up to ``last`` arrived or is a gap."""
    assert s["sender"]["last_sequence"] == last, s
    assert s["produced"] + s["gaps"] == last + 1, s
    assert s["rejected"] == 0, s["last_error"]


def _image(n=0):
    return np.full((16, 16), n, np.uint16)


def test_viewers_through_a_broker_and_straight_from_a_bound_publisher_reconnect_after_restarts(
        tmp_path, started):
    n = 40
    broker = Broker(tmp_path, "broker1", extra=["--hwm", "1000"])  # no queue drops: exact counts
    started.append(broker)
    bound = BoundPublisher("tcp://127.0.0.1:*")
    started.append(bound)
    via_broker = Viewer(tmp_path, "via_broker", f"connect={broker.backend}")
    direct = Viewer(tmp_path, "direct", f"connect={bound.endpoint}")
    started += [via_broker, direct]
    via_broker.wait_for(f"{broker.backend} connected")
    direct.wait_for(f"{bound.endpoint} connected")
    publishers = [rtviewer.Publisher(broker.frontend, wait=DEADLINE) for _ in range(3)]
    try:
        for p in publishers:  # the viewer's subscription, through the broker
            assert p.wait_for_viewer(DEADLINE)
        bound.command("wait", "viewer")
        for i, p in enumerate(publishers):
            for k in range(n):
                p.send(f"a{i}", _image(k), block=True)
            p.send(f"seen/a{i}", _image(), block=True)
        for i in range(3):
            via_broker.wait_for(f"new stream seen/a{i}")  # every a{i} frame before it has come
        bound.command(f"send b0 {n}", "sent b0")
        bound.command("send seen/b0 1", "sent seen/b0")
        direct.wait_for("new stream seen/b0")  # every b0 frame before it has come

        # The broker dies and comes back on the same ports: the viewer and the publishers
        # reconnect by themselves.
        broker.kill()
        via_broker.wait_for(f"{broker.backend} retrying")
        broker2 = Broker(tmp_path, "broker2", broker.frontend, broker.backend, ["--hwm", "1000"])
        started.append(broker2)
        via_broker.wait_for(f"{broker.backend} connected", 2)
        for p in publishers:
            assert p.wait_for_viewer(DEADLINE)  # the viewer's subscription again, via broker2
        for i, p in enumerate(publishers):
            for k in range(n, 2 * n):
                p.send(f"a{i}", _image(k), block=True)
            p.send(f"after/a{i}", _image(), block=True)
        for i in range(3):
            via_broker.wait_for(f"new stream after/a{i}")

        # The bound publisher dies and another binds its port: the direct viewer reconnects.
        bound.kill()
        direct.wait_for(f"{bound.endpoint} retrying")
        bound2 = BoundPublisher(bound.endpoint)
        started.append(bound2)
        direct.wait_for(f"{bound.endpoint} connected", 2)
        bound2.command("wait", "viewer")
        bound2.command(f"send b0r {n}", "sent b0r")
        bound2.command("send after/b0 1", "sent after/b0")
        direct.wait_for("new stream after/b0")

        _, a = via_broker.stop()
        _, b = direct.stop()
        broker_stats, through = broker2.stop()
    finally:
        for p in publishers:
            p.close(linger=0)
    for i in range(3):
        # Frames lost with the first broker are gaps; none after it (the queues hold them all).
        _counted_whole(a[f"a{i}"], 2 * n - 1)
        assert a[f"after/a{i}"]["produced"] == 1
        assert through[f"a{i}"]["messages_in"] == n  # the second broker forwarded the rest
        assert through[f"a{i}"]["messages_out"] == n
    assert not any(name.startswith("b0") for name in a)  # the other publisher's streams
    _counted_whole(b["b0"], n - 1)
    assert b["b0"]["produced"] == n and b["b0"]["gaps"] == 0
    _counted_whole(b["b0r"], n - 1)
    assert not {"a0", "a1", "a2", "after/a0"} & set(b)
    assert broker_stats["peak_viewers"] == 1


def test_a_paused_viewer_loses_frames_alone_and_counts_them_as_gaps(tmp_path, started):
    n = 100
    broker = Broker(tmp_path, "broker", extra=["--hwm", "4"])
    started.append(broker)
    running = Viewer(tmp_path, "running", f"connect={broker.backend}")
    started.append(running)
    running.wait_for(f"{broker.backend} connected")
    # The paused viewer: a SUB socket that reads nothing until the burst is over.
    context = zmq.Context()
    paused = context.socket(zmq.SUB)
    paused.setsockopt(zmq.RCVHWM, 2)
    paused.setsockopt(zmq.RCVBUF, 65536)
    paused.setsockopt(zmq.LINGER, 0)
    paused.setsockopt(zmq.SUBSCRIBE, b"")
    paused.connect(broker.backend)
    image = np.zeros((512, 512), np.float32)  # 1 MB: a few fill every queue on the way
    try:
        with rtviewer.Publisher(broker.frontend, wait=DEADLINE) as pub:
            assert pub.wait_for_viewer(DEADLINE)
            # "hello" until both viewers have had one: both subscriptions are at the broker.
            deadline = time.monotonic() + DEADLINE
            hello = False
            while not hello or running.count("new stream hello") == 0:
                assert time.monotonic() < deadline, "a viewer got no hello:\n" + running.output()
                pub.send("hello", np.zeros(4, np.float32), block=True)
                while paused.poll(100):
                    hello = paused.recv_multipart()[0] == b"hello" or hello
            for _ in range(n):
                pub.send("big", image, block=True)
            # The paused viewer reads again: what it was sent now arrives, until a frame numbered
            # after the burst has come (sent one at a time: its queue may be full still).
            sequences = []
            deadline = time.monotonic() + DEADLINE
            while not sequences or sequences[-1] < n:
                assert time.monotonic() < deadline, f"the paused viewer got only {sequences}"
                pub.send("big", image, block=True)
                while paused.poll(100):
                    name, header, *_ = paused.recv_multipart()  # a catalogue has 2 parts
                    if name == b"big":
                        sequences.append(int.from_bytes(header[16:24], "little"))
            pub.send("end", np.zeros(4, np.float32), block=True)
            running.wait_for("new stream end")
        _, seen = running.stop()
    finally:
        paused.close()
        context.term()
    # The paused viewer: its queues held a few frames of the burst, the broker dropped the rest
    # for it alone; each missing number is a gap, as a viewer counts them.
    gaps = sequences[-1] + 1 - len(sequences)
    assert sequences == sorted(set(sequences))
    assert gaps > 0 and len(sequences) < n, sequences
    # The running viewer: every frame up to its last arrived or is counted as a gap.
    big = seen["big"]
    last = big["sender"]["last_sequence"]
    assert big["produced"] + big["gaps"] == last + 1, big
    assert big["produced"] > len(sequences) - 1  # more than the paused one took
    assert seen["end"]["produced"] == 1
    _, through = broker.stop()
    assert through["big"]["messages_in"] >= n


def test_streams_selection_keeps_other_streams_off_the_wire(tmp_path, started):
    n = 10
    broker = Broker(tmp_path, "broker", extra=["--hwm", "1000"])
    started.append(broker)
    viewer = Viewer(tmp_path, "viewer", f'connect={broker.backend},streams="cam*,spectrum"')
    started.append(viewer)
    viewer.wait_for(f"{broker.backend} connected")
    with rtviewer.Publisher(broker.frontend, wait=DEADLINE) as pub:
        # The viewer's two subscriptions, "cam" and "spectrum", each its own message.
        assert pub.wait_for_viewer(DEADLINE) and pub.wait_for_viewer(DEADLINE)
        for k in range(n):
            for name in ("cam1", "cam2", "spectrum", "spectrum2", "other"):
                pub.send(name, _image(k), block=True)
        pub.send("cam_end", _image(), block=True)
        viewer.wait_for("new stream cam_end")
        sent = pub.sent
        # Stopped before the publisher closes: its closing marks are no part of the counts.
        stats, seen = viewer.stop()
        broker_stats, through = broker.stop()
        pub.close(linger=0)
    assert sent == 5 * n + 1
    # The publisher's catalogue (before each new stream's first frame) offers the streams the
    # viewer does not take: what its panel lists, a click away.
    offered = {o["name"]: o["detail"] for o in stats["producers"][0]["offered"]}
    assert set(offered) == {"spectrum2", "other"}, offered
    assert offered["other"].startswith("16x16 <u2"), offered
    assert broker_stats["catalogues"]["messages"] >= 6, broker_stats["catalogues"]
    for name in ("cam1", "cam2", "spectrum"):
        _counted_whole(seen[name], n - 1)
        assert seen[name]["produced"] == n
    assert "other" not in seen and "spectrum2" not in seen
    # "spectrum2" passes the prefix "spectrum" on the wire; the viewer drops it, counted.
    messages = seen["zmq/messages"]
    assert messages["rejected"] == n
    assert "not subscribed" in messages["last_error"]
    # No viewer subscribed to "other": it never left its publisher.
    assert "other" not in through
    assert through["spectrum2"]["messages_in"] == n
    assert through["cam1"]["messages_out"] == n


def test_a_viewer_subscribing_to_thousands_of_names_costs_the_broker_bounded_counters(
        tmp_path, started):
    # On ipc:// endpoints, whose socket files the broker removes when it stops.
    front, back = tmp_path / "front.sock", tmp_path / "back.sock"
    broker = Broker(tmp_path, "broker", frontend=f"ipc://{front}", backend=f"ipc://{back}")
    started.append(broker)
    assert front.exists() and back.exists()
    context = zmq.Context()
    # Upstream: what a publisher sees, every subscription the broker passes on.
    upstream = context.socket(zmq.XPUB)
    upstream.setsockopt(zmq.XPUB_VERBOSE, 1)
    upstream.setsockopt(zmq.RCVTIMEO, int(DEADLINE * 1000))
    upstream.setsockopt(zmq.LINGER, 0)
    upstream.setsockopt(zmq.RCVHWM, 0)
    upstream.connect(broker.frontend)
    assert upstream.recv() == b"\x01\x01rtviewer-broker"  # the broker's own: it is there
    flood = context.socket(zmq.SUB)
    flood.setsockopt(zmq.LINGER, 0)
    flood.setsockopt(zmq.SNDHWM, 0)  # else ZeroMQ drops subscriptions past 1000 queued
    flood.connect(broker.backend)
    names, batch = 2000, 200
    try:
        # In batches, each passed on upstream before the next: the broker's counters read them
        # from a capture queue of 1000 messages, which must not overflow for the counts to be
        # exact. More than ZeroMQ queues by default (1000): the broker raises its queue upstream.
        deadline = time.monotonic() + DEADLINE
        for start in range(0, names, batch):
            for i in range(start, start + batch):
                flood.setsockopt(zmq.SUBSCRIBE, f"name{i:05d}".encode())
            last = b"\x01" + f"name{start + batch - 1:05d}".encode()
            seen = None
            while seen != last:  # passed on in order
                assert time.monotonic() < deadline, f"subscriptions passed on up to {seen}"
                flood.poll(10)  # a SUB socket attaches its connection inside a call on it
                while upstream.poll(10) and seen != last:
                    seen = upstream.recv()
        # Stopped while the viewer is connected (its subscriptions end when it goes).
        stats, _ = broker.stop()
    finally:
        flood.close(0)
        upstream.close(0)
        context.term()
    # The counters hold at most 1024 prefixes; the rest are counted, not kept.
    assert len(stats["subscriptions"]) == 1024
    assert stats["untracked_subscriptions"] == names - 1024
    assert not front.exists() and not back.exists()


def test_the_systemd_unit_starts_the_broker_with_curve_from_its_credential(tmp_path, started):
    from rtviewer import curve
    unit_path = os.path.join(os.path.dirname(__file__), "..", "..", "examples",
                             "rtviewer-broker.service")
    lines = open(unit_path).read().splitlines()
    exec_start = next(l for l in lines if l.startswith("ExecStart="))[len("ExecStart="):]
    credential = next(l for l in lines if l.startswith("LoadCredential="))
    name, source = credential[len("LoadCredential="):].split(":", 1)
    assert source == "/etc/rtviewer/broker.key_secret" and name == "broker.key_secret"
    # What systemd would hand over: the secret key as a credential, the allow-list directory.
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    _, secret = curve.generate_keys(str(credentials / "broker"))
    os.rename(secret, credentials / name)
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    cam_pub, _ = curve.generate_keys(str(allowed / "cam1"))
    args = (exec_start.replace("${CREDENTIALS_DIRECTORY}", str(credentials))
            .replace("/etc/rtviewer/allowed", str(allowed))
            .replace("tcp://*:5555", "tcp://127.0.0.1:*")
            .replace("tcp://*:5556", "tcp://127.0.0.1:*")).split()
    assert args[0] == "/usr/bin/rtviewer-broker"
    broker = Process([_broker_binary(), *args[1:]])
    started.append(broker)
    broker.wait_for("rtviewer-broker: forwarding ")
    assert "(CURVE, 1 allowed keys)" in broker.output()
    broker.signal(signal.SIGTERM)
    assert broker.finish() == 0, broker.output()


def _exits_2(args, *words):
    run = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=DEADLINE)
    assert run.returncode == 2, run.stdout
    for w in words:
        assert w in run.stdout, run.stdout
    return run.stdout


def test_endpoints_beyond_loopback_need_insecure_and_bad_endpoints_exit_2(tmp_path, started):
    viewer = [_viewer_binary(), "--headless", "--duration", "120", "--producer"]
    broker = [_broker_binary()]
    _exits_2(viewer + ["zmq:bind=tcp://0.0.0.0:5555"], "insecure=1", "curve=")
    _exits_2(viewer + ["zmq:connect=tcp://10.1.2.3:5556"], "insecure=1", "curve=")
    _exits_2(viewer + ["zmq:bind=tcp://127.0.0.1:5555,connect=tcp://127.0.0.1:5556"],
             "bind and connect")
    _exits_2(viewer + ["zmq:bind=localhost5555"], "not a ZeroMQ endpoint")
    _exits_2(viewer + ["zmq:connect=tcp://127.0.0.1:*"], "port *")
    _exits_2(viewer + ["zmq:streams=32"], "max_streams")
    _exits_2(broker + ["--frontend", "tcp://0.0.0.0:5555"], "--insecure")
    _exits_2(broker + ["--backend", "tcp://127.0.0.1"], "HOST:PORT")
    # A port in use: the viewer and the broker say so before they start.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _exits_2(viewer + [f"zmq:bind=tcp://127.0.0.1:{port}"], "cannot bind", "in use")
        _exits_2(broker + ["--frontend", f"tcp://127.0.0.1:{port}"], "cannot bind", "in use")
    # insecure=1 allows it, and the start says so.
    wide = Viewer(tmp_path, "wide", "bind=tcp://0.0.0.0:*,insecure=1")
    started.append(wide)
    assert "insecure" in wide.wait_for("rtviewer: zmq: listening on tcp://0.0.0.0:")
    wide.stop()
    # A host that does not resolve is retried and shown so: no crash, no exit.
    lost = Viewer(tmp_path, "lost", "connect=tcp://no-such-host.invalid:5555,insecure=1")
    started.append(lost)
    lost.wait_for("tcp://no-such-host.invalid:5555 retrying")
    stats, _ = lost.stop()
    (endpoint,) = stats["producers"][0]["endpoints"]
    assert endpoint["endpoint"] == "tcp://no-such-host.invalid:5555"
    assert endpoint["state"] == "retrying" and endpoint["reason"], endpoint


def test_a_curve_broker_passes_an_allowed_publisher_to_an_allowed_viewer_and_refuses_plain_text(
        tmp_path, started):
    from rtviewer import curve
    broker_pub, broker_secret = curve.generate_keys(str(tmp_path / "broker"))
    cam_pub, cam_secret = curve.generate_keys(str(tmp_path / "cam1"))
    viewer_pub, viewer_secret = curve.generate_keys(str(tmp_path / "viewer1"))
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    for key in (cam_pub, viewer_pub):
        (allowed / os.path.basename(key)).write_text(open(key).read())
    broker = Broker(tmp_path, "curve_broker", extra=["--curve", broker_secret,
                                                     "--allow", str(allowed)])
    started.append(broker)
    assert "(CURVE, 2 allowed keys)" in broker.output()
    # The viewer connects as the broker's CURVE client.
    viewer = Viewer(tmp_path, "curve_viewer",
                    f"connect={broker.backend},server_key={broker_pub},key={viewer_secret}")
    started.append(viewer)
    pub = rtviewer.Publisher(broker.frontend, wait=DEADLINE, server_key=broker_pub, key=cam_secret)
    try:
        assert pub.wait_for_viewer(DEADLINE)  # the viewer's subscription, through the broker
        for n in range(5):
            pub.send("cam", _image(n), block=True)
        pub.send("end", _image(), block=True)
        viewer.wait_for("new stream end")  # every cam frame before it has come
    finally:
        pub.close()
    # A plain-text publisher is refused by the broker, which says so with the peer.
    context = zmq.Context()
    plain = context.socket(zmq.PUB)
    plain.setsockopt(zmq.LINGER, 0)
    plain.connect(broker.frontend)
    try:
        broker.wait_for("rtviewer-broker: refused ")
    finally:
        plain.close(0)
        context.term()
    _, streams = viewer.stop()
    assert streams["cam"]["produced"] == 5, streams["cam"]
    stats, through = broker.stop()
    assert through["cam"]["messages_in"] == 6  # 5 frames and the mark close() sends
    c = stats["curve"]
    assert c["allowed_keys"] == 2
    assert c["accepted"] >= 2, c  # the publisher and the viewer
    assert c["refused"] >= 1, c
    assert all(r["address"] for r in c["recent"]), c
    assert any(r["reason"] in ("not CURVE", "bad handshake") for r in c["recent"]), c

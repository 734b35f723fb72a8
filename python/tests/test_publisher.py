"""The Python client against a real headless rtviewer: every array kind arrives exactly (over TCP
and over shared memory), lost frames are counted as gaps (the last ones of a burst too, told
by the publisher's sequence marks), refusals give the viewer's reasons, and a publisher killed
mid-stream costs the viewer nothing but its frames."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rtviewer

H, W = 12, 16
_rng = np.random.default_rng(7)


def _arrays(frame):
    """One frame of every kind the viewer accepts: (stream, array, kind)."""
    r = np.random.default_rng(frame)
    return [
        ("u8", r.integers(0, 256, (H, W), dtype=np.uint8), None),
        ("u16", r.integers(0, 65536, (H, W), dtype=np.uint16), None),
        ("i16", r.integers(-32768, 32768, (H, W), dtype=np.int16), None),
        ("f32", r.random((H, W), dtype=np.float32), None),
        ("f64", r.random((H, W)), None),  # becomes float32
        ("i32", r.integers(-1000, 1000, (H, W), dtype=np.int32), None),  # becomes float32
        ("rgb8", r.integers(0, 256, (H, W, 3), dtype=np.uint8), None),
        ("rgb16", r.integers(0, 65536, (H, W, 3), dtype=np.uint16), None),
        ("rgb32f", r.random((H, W, 3), dtype=np.float32), None),
        ("rgba8", r.integers(0, 256, (H, W, 4), dtype=np.uint8), None),
        ("rgba16", r.integers(0, 65536, (H, W, 4), dtype=np.uint16), None),
        ("rgba64f", r.random((H, W, 4)), None),  # becomes float32
        ("strided", r.random((2 * H, W), dtype=np.float32)[::2], None),  # not C-contiguous
        ("square", r.random((8, 2), dtype=np.float32), "image"),  # (N, 2) as an image
        ("line", r.random(50, dtype=np.float32), None),
        ("xy", r.random((40, 2)), None),
        ("multi", r.random((3, 30), dtype=np.float32), "lines"),
    ]


def _expected(array, kind):
    """What the viewer records: images in the dtype it keeps, lines as float32 (x, y) pairs."""
    if kind == "lines" or (kind is None and (array.ndim == 1 or array.shape[-1] == 2)
                           and array.ndim <= 2):
        if array.ndim == 1:
            return np.stack([np.arange(array.size), array], axis=1).astype(np.float32)
        if kind == "lines":
            x = np.tile(np.arange(array.shape[1]), array.shape[0])
            return np.stack([x, array.ravel()], axis=1).astype(np.float32)
        return array.astype(np.float32)
    if array.dtype in (np.float64, np.int32):
        return array.astype(np.float32)
    return array


def _recorded(directory):
    """Each stream's recorded frames, in the order the viewer took them."""
    frames = {}
    lines = (directory / "index.tsv").read_text().splitlines()[1:]
    for line in lines:
        cols = line.split("\t")
        frames.setdefault(cols[1], []).append(np.load(directory / cols[7]))
    return frames


@pytest.mark.parametrize("shm", [False, True], ids=["tcp", "shm"])
def test_every_accepted_array_kind_round_trips_exactly(start_viewer, tmp_path, shm):
    frames = [_arrays(0), _arrays(1)]
    record = tmp_path / "record"
    viewer = start_viewer(2 * len(frames[0]), extra=["--record", str(record)])
    # Enough slots that no frame of this test is reused before the viewer reads it.
    with rtviewer.Publisher(viewer.endpoint, shm=shm, shm_slots=64) as pub:
        for frame in frames:
            for name, array, kind in frame:
                assert pub.send(name, array, kind, block=True)
        if shm:
            images = sum(1 for f in frames for n, a, k in f if rtviewer.check(n, a, k)[0] ==
                         "image")
            assert pub._ring.generation == 2 * images  # every image went through the ring
    assert viewer.finish() == 0, "".join(viewer.output)
    streams = viewer.streams()
    recorded = _recorded(record)
    for name, _, kind in frames[0]:
        s = streams[name]
        assert (s["produced"], s["rejected"], s["gaps"]) == (2, 0, 0), (name, s["last_error"])
        assert s["latency_from"] == "sender"  # same machine: latency from the send time
        got = recorded[name]
        assert len(got) == 2, name
        for frame, array in zip(frames, got):
            sent = next(a for n, a, _ in frame if n == name)
            want = _expected(sent, kind)
            assert array.dtype == want.dtype, name
            np.testing.assert_array_equal(array, want, err_msg=name)


def _send_until_exit(viewer, pub, name, array, limit=2000):
    """Sends `array` waiting for room each time, until the viewer has what it waits for and
    exits (bounded by `limit` frames)."""
    for _ in range(limit):
        if viewer.process.poll() is not None:
            return
        try:
            pub.send(name, array, block=True)
        except TimeoutError:
            return  # the viewer has stopped reading: it is closing


def test_frames_a_full_queue_drops_are_counted_as_gaps(start_viewer):
    flood, messages = 200, 220
    viewer = start_viewer(messages, settings=",hwm=1")
    image = np.ones((1024, 1024), np.float32)  # 4 MB: more than the viewer takes at once
    with rtviewer.Publisher(viewer.endpoint, hwm=1, wait=2.0) as pub:
        for _ in range(flood):
            pub.send("flood", image)
        dropped = pub.dropped  # refused by the full queue: numbered, never sent
        # Then frames that wait for room, until the viewer has had `messages` messages: its last
        # frame comes after the whole flood, so every frame lost before it is a gap.
        _send_until_exit(viewer, pub, "flood", image)
        numbered = pub.sent + pub.dropped
        pub.close(linger=0)  # what is still queued has no viewer to go to
    assert viewer.finish() == 0, "".join(viewer.output)
    s = viewer.streams()["flood"]
    assert dropped > 0, "the flood did not fill a queue of one 4 MB frame"
    last = s["sender"]["last_sequence"]
    assert last >= flood
    assert s["produced"] == messages
    # Every frame numbered up to the last one received either arrived or is a gap: the
    # publisher's refused ones, and any the viewer's own ZeroMQ queue dropped (a SUB socket at
    # its high-water mark drops, which the publisher cannot see).
    assert s["produced"] + s["gaps"] == last + 1
    assert s["gaps"] >= dropped
    assert last + 1 <= numbered


def _fill(endpoint, count):
    """``count`` unnumbered messages on stream "filler" from a connection of their own: a viewer
    told to stop after N messages gets N once a publisher that sent N - count of them is done,
    in whatever order the two connections' messages are taken."""
    if count == 0:
        return
    import io
    import zmq
    buf = io.BytesIO()
    np.save(buf, np.zeros(1, np.float32))
    context = zmq.Context()
    sock = context.socket(zmq.XPUB)
    sock.setsockopt(zmq.RCVTIMEO, 10000)
    sock.setsockopt(zmq.XPUB_NODROP, 1)  # wait for room rather than drop
    sock.connect(endpoint)
    sock.recv()  # the viewer's subscription
    for _ in range(count):
        sock.send_multipart([b"filler", buf.getvalue()])
    sock.close(linger=10000)
    context.term()


def _send_100_while_stopped(viewer, pub):
    """100 frames through a ring of 10 slots while the viewer is stopped: the first 10 fill the
    ring, the other 90 find no free slot and are dropped (a slot held over STALE_SECONDS would be
    reused, which only moves frames from dropped to sent: the tests' counts hold either way)."""
    viewer.stop()
    image = np.zeros((48, 64), np.uint16)
    for n in range(100):
        image[:] = n
        pub.send("burst", image)
    viewer.resume()
    assert pub.sent + pub.dropped == 100
    assert pub.dropped > 0


def _check_counted_whole(viewer, name, sent, dropped):
    s = viewer.streams()[name]
    assert (s["produced"], s["gaps"]) == (sent, dropped), s
    assert s["produced"] + s["gaps"] == 100
    assert s["sender"]["last_sequence"] == 99
    assert s["rejected"] == 0, s["last_error"]


def test_a_publisher_that_drops_the_last_90_of_100_frames_leaves_produced_plus_gaps_100(
        start_viewer):
    viewer = start_viewer(101)  # at most 100 frames and the close's mark; fillers make it up
    with rtviewer.Publisher(viewer.endpoint, shm=True, shm_slots=10) as pub:
        _send_100_while_stopped(viewer, pub)
    # close() sent the stream's mark after its last frame: no later frame reveals the drops.
    _fill(viewer.endpoint, 100 - pub.sent)
    assert viewer.finish() == 0, "".join(viewer.output)
    _check_counted_whole(viewer, "burst", pub.sent, pub.dropped)


def test_a_publisher_idle_after_drops_tells_the_viewer_without_closing(start_viewer):
    viewer = start_viewer(101)  # the frames sent, one mark, the fillers
    with rtviewer.Publisher(viewer.endpoint, shm=True, shm_slots=10) as pub:
        _send_100_while_stopped(viewer, pub)
        _fill(viewer.endpoint, 100 - pub.sent)
        # The viewer exits once the mark has come: the publisher, idle for IDLE_MARK_SECONDS,
        # sends it by itself (without it the viewer runs to its --duration and the counts fail).
        assert viewer.finish() == 0, "".join(viewer.output)
        pub.close(linger=0)  # the viewer is gone: nothing to wait for
    _check_counted_whole(viewer, "burst", pub.sent, pub.dropped)


def test_large_frames_sent_in_a_loop_through_shm_are_all_counted_after_close(start_viewer):
    # What the viewer showed as "produced 6, gaps 0" for 100 frames: most find the ring's slot
    # still unread and are dropped, the last ones too. However many drop, close() makes the
    # viewer count every number.
    viewer = start_viewer(101)
    image = np.ones((2048, 2048), np.float32)
    with rtviewer.Publisher(viewer.endpoint, shm=True, shm_slots=1) as pub:
        for _ in range(100):
            pub.send("big", image)
    _fill(viewer.endpoint, 100 - pub.sent)
    assert viewer.finish() == 0, "".join(viewer.output)
    s = viewer.streams()["big"]
    assert (s["produced"], s["gaps"]) == (pub.sent, pub.dropped), s
    assert s["produced"] + s["gaps"] == 100
    assert s["sender"]["last_sequence"] == 99


def test_refused_arrays_give_the_viewers_own_reason(start_viewer):
    bad = [
        ("b_f16", np.zeros((4, 4), np.float16), None),
        ("b_bool", np.zeros(5, bool), None),
        ("b_complex", np.zeros((4, 4), np.complex64), None),
        ("b_ch2", np.zeros((4, 6, 2), np.uint8), None),
        ("b_ch5", np.zeros((4, 6, 5), np.float32), None),
        ("b_i16rgb", np.zeros((4, 6, 3), np.int16), None),
        ("b_4d", np.zeros((2, 2, 2, 2), np.float32), None),
        ("b_empty", np.zeros((0, 4), np.float32), None),
        ("b_img1d", np.zeros(8, np.float32), "image"),
        ("b_lines3d", np.zeros((4, 4, 3), np.uint8), "lines"),
    ]
    # Each bad array goes (unchecked, as another publisher could send it) to a stream that a
    # good frame opened, so that the viewer's reason is that stream's last error.
    viewer = start_viewer(2 * len(bad))
    reasons = {}
    with rtviewer.Publisher(viewer.endpoint) as pub:
        for name, array, kind in bad:
            with pytest.raises(rtviewer.RefusedError) as refused:
                pub.send(name, array, kind)
            reasons[name] = str(refused.value)
            assert pub.send(name, np.zeros(3, np.float32), block=True)
            _send_unchecked(pub, name + (f":{kind}" if kind else ""), array)
    assert viewer.finish() == 0, "".join(viewer.output)
    streams = viewer.streams()
    for name, _, _ in bad:
        assert streams[name]["rejected"] == 1, name
        assert streams[name]["last_error"] == reasons[name]


def _send_unchecked(pub, topic, array):
    """An array as any .npy writer would send it: [name, .npy] without the client's checks."""
    import io
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    pub._socket.send_multipart([topic.encode(), buf.getvalue()])


def test_no_viewer_raises_within_wait_naming_the_endpoint():
    import zmq
    context = zmq.Context()
    probe = context.socket(zmq.PUB)  # a free port nobody listens on
    port = probe.bind_to_random_port("tcp://127.0.0.1")
    probe.close(0)
    context.term()
    endpoint = f"tcp://127.0.0.1:{port}"
    with pytest.raises(rtviewer.NoViewerError, match=f"no viewer subscribed at {endpoint}"):
        rtviewer.Publisher(endpoint, wait=0.3)


_CHILD = """
import sys, numpy as np, rtviewer
pub = rtviewer.Publisher(sys.argv[1], shm=True, shm_slots=2)
image = np.zeros((256, 256), np.uint16)
n, told = 0, False
while True:
    image[:] = n
    pub.send("victim", image)
    n += 1
    # Once the viewer has handed a slot back (it has read a frame), say so and go on.
    if not told and pub._ring.shm is not None and pub._ring.control[:, 1].any():
        print("read by the viewer", flush=True)
        told = True
"""


def test_a_publisher_killed_mid_stream_with_shm_costs_only_its_frames(start_viewer):
    budget = 400
    viewer = start_viewer(budget)
    env = dict(os.environ, PYTHONPATH=str(Path(rtviewer.__file__).parent.parent))
    child = subprocess.Popen([sys.executable, "-c", _CHILD, viewer.endpoint],
                             stdout=subprocess.PIPE, env=env, text=True)
    assert child.stdout.readline().strip() == "read by the viewer"
    os.kill(child.pid, signal.SIGKILL)  # mid-stream: its ring may be half written
    child.wait()
    # Another publisher goes on; the viewer exits once `budget` messages have arrived.
    with rtviewer.Publisher(viewer.endpoint, wait=2.0) as pub:
        # Up to 5x what the viewer waits for: frames a loaded viewer's full receive queue dropped
        # are made up for (with `budget` alone it waited forever once); the loop ends as soon
        # as the viewer exits.
        _send_until_exit(viewer, pub, "after", np.zeros(10, np.float32), limit=5 * budget)
        pub.close(linger=0)
    assert viewer.finish() == 0, "".join(viewer.output)
    streams = viewer.streams()
    victim, after = streams["victim"], streams["after"]
    assert victim["produced"] >= 1
    # Every frame the dead publisher's descriptors brought is accounted for: shown, replaced,
    # dropped or rejected (a slot it was rewriting), none left in flight.
    assert victim["in_flight"] == 0
    assert victim["displayed"] >= 1
    assert after["produced"] >= 1 and after["displayed"] >= 1


def test_big_endian_arrays_are_taken_as_the_viewer_takes_them():
    # The viewer reads big-endian .npy data (swapping as it copies); the client says so too.
    assert rtviewer.check("be", np.zeros((4, 6), ">u2")) == ("image", np.dtype("<u2"))
    assert rtviewer.check("be", np.zeros((4, 6), ">f8")) == ("image", np.dtype("<f4"))
    assert rtviewer.check("be", np.zeros(8, ">f4")) == ("lines", None)

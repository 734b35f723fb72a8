"""Feed a running rtviewer from Python: numpy arrays over ZeroMQ, or shared memory on one machine.

    import numpy as np, rtviewer
    with rtviewer.Publisher() as pub:                  # waits for `rtviewer --producer zmq`
        pub.send("camera", np.random.rand(480, 640).astype(np.float32))

What the viewer accepts (and so ``send``):

* ``(N,)``: one line of N points, x = 0..N-1; ``(N, 2)``: one line of (x, y) points;
  ``(L, N)`` with ``kind="lines"``: L lines of N points.
* ``(H, W)``: a mono image; uint8, uint16, int16 and float32 are kept as they are, float64 and
  int32 become float32. ``(H, W, 3)`` / ``(H, W, 4)``: RGB / RGBA of uint8, uint16 or float32.
  ``kind="image"`` makes an ``(N, 2)`` array an image.

Each message is ``[stream name, header, array as .npy]`` (the wire format is in rtviewer's
README). The header numbers each stream's frames and carries the send time: the viewer counts
frames that never arrived as ``gaps`` and, on the same machine, measures latency from the send.
A gap shows only when a later frame arrives, so the publisher also tells the viewer the last
number it used on each stream (a sequence mark: the header alone, with the .npy header of the
stream's last frame): on ``close()``, and after dropped frames once it has sent nothing for a
second. The viewer's ``produced + gaps`` is then what the publisher numbered.
Only numpy and pyzmq are needed.
"""

import json
import os
import secrets
import struct
import threading
import time
import uuid
import weakref

import numpy as np
import zmq

from . import curve as _curve

__all__ = ["Publisher", "NoViewerError", "RefusedError", "__version__"]
__version__ = "0.2.0"

# What the viewer's decoder takes (wire/message.cpp, wire/npy.cpp): the reasons below are its
# own words, so that a refusal reads the same on both sides.
_DTYPES = ("<f4", "<f8", "|u1", "<u2", "<i2", "<i4")
_MAX_NAME = 64
_MAX_SIDE = 16384
_MAX_LINES = 4096
_MAX_ELEMENTS = 1 << 28
_KINDS = (None, "image", "lines")

_HEADER = struct.Struct("<4sBBHQQq16s")  # 48 bytes
_FLAG_SHM = 1  # the data lie in the shared-memory ring
_FLAG_MARK = 2  # a sequence mark: the last number the stream used, no frame
# A publisher's catalogue (wire/catalogue.hpp): [topic, JSON], before a stream's first frame
# and then about once a second; a viewer that takes only some streams lists the others.
_CATALOGUE_TOPIC = b"\x01rtviewer-catalogue"
_CATALOGUE_EVERY = 1.0
_CATALOGUE_MAX_STREAMS = 256
_SHM = struct.Struct("<QQQIB")  # 29 bytes, then the segment name
_RING_CONTROL = 64
_RING_ALIGN = 4096


class NoViewerError(ConnectionError):
    """No viewer subscribed at the endpoint within ``wait`` seconds."""


class RefusedError(ValueError):
    """The viewer would refuse this array; the message is the viewer's own reason."""


def _shape_text(shape):
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _dtype_reason(dtype):
    descr = dtype.str
    what = ""
    if descr.endswith("f2"):
        what = " (float16)"
    elif descr.endswith("c8") or descr.endswith("c16"):
        what = " (complex)"
    elif descr == "|b1":
        what = " (bool)"
    return (f"npy: dtype '{descr}'{what} is not supported, expected one of: "
            "<f4, <f8, |u1, <u2, <i2, <i4 (little-endian; arr.astype('<f4') converts)")


def check(name, array, kind=None):
    """What the viewer makes of ``array`` sent as ``name``: ``("image", dtype)`` with the dtype
    it keeps, or ``("lines", None)``; raises RefusedError with the viewer's reason otherwise."""
    if kind not in _KINDS:
        raise RefusedError(f"kind must be None, 'image' or 'lines', got {kind!r}")
    hint = kind
    if name.endswith(":image"):
        hint, name = "image", name[:-6]
    elif name.endswith(":lines"):
        hint, name = "lines", name[:-6]
    if not name:
        raise RefusedError("zmq: message has an empty stream name")
    raw = name.encode("utf-8")
    if len(raw) > _MAX_NAME:
        raise RefusedError(f"zmq: stream name is {len(raw)} bytes, expected at most {_MAX_NAME}")
    if any(b < 0x20 or b >= 0x7F for b in raw):
        raise RefusedError("zmq: stream name has a non-printable byte, expected ASCII text")
    dtype = array.dtype
    if dtype.byteorder == ">":  # the viewer swaps big-endian data (send() sends little-endian)
        dtype = dtype.newbyteorder("<")
    if dtype.str == "|i1" or dtype.str not in _DTYPES:
        raise RefusedError(f"{name}: {_dtype_reason(dtype)}")
    shape = array.shape
    if not 1 <= len(shape) <= 3:
        raise RefusedError(f"{name}: npy: shape {_shape_text(shape)} has {len(shape)} "
                           "dimensions, expected 1 to 3")
    if array.size > _MAX_ELEMENTS:
        raise RefusedError(f"{name}: npy: shape {_shape_text(shape)} is over the limit of "
                           f"{_MAX_ELEMENTS} elements")
    if array.size == 0:
        raise RefusedError(f"{name}: array {_shape_text(shape)} is empty")
    if len(shape) == 1:
        if hint == "image":
            raise RefusedError(f"{name}: 'name:image' needs a 2-D array, got shape "
                               f"{_shape_text(shape)}")
        if shape[0] > _MAX_ELEMENTS // 2:
            raise RefusedError(f"{name}: line of {shape[0]} points is too long")
        return "lines", None
    if len(shape) == 2 and (hint == "lines" or (hint is None and shape[1] == 2)):
        if hint == "lines" and shape[0] > _MAX_LINES:
            raise RefusedError(f"{name}: {shape[0]} lines in one frame, expected at most "
                               f"{_MAX_LINES}")
        return "lines", None
    if shape[0] > _MAX_SIDE or shape[1] > _MAX_SIDE:
        raise RefusedError(f"{name}: image {_shape_text(shape)} is larger than {_MAX_SIDE} on a "
                           "side")
    if hint == "lines":
        raise RefusedError(f"{name}: 'name:lines' needs a 1-D or 2-D array, got "
                           f"{_shape_text(shape)}")
    if len(shape) == 2:
        keep = dtype.str in ("|u1", "<u2", "<i2", "<f4")
        return "image", dtype if keep else np.dtype("<f4")
    if shape[2] not in (3, 4):
        raise RefusedError(f"{name}: image {_shape_text(shape)} has {shape[2]} channels, "
                           "expected (H, W, 3) for RGB or (H, W, 4) for RGBA")
    if dtype.str in ("<i2", "<i4"):
        raise RefusedError(f"{name}: RGB/RGBA image {_shape_text(shape)} of {dtype.str} is not "
                           "supported, expected uint8, uint16 or float32 samples")
    return "image", dtype if dtype.str in ("|u1", "<u2", "<f4") else np.dtype("<f4")


def _npy_header(dtype, shape):
    """An .npy version 1.0 header for a C-order array (the data follow it)."""
    text = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        dtype.str, _shape_text(shape))
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + " " * (pad % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def _boot_id():
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return uuid.UUID(f.read().strip()).bytes
    except (OSError, ValueError):
        return bytes(16)


class _Ring:
    """The publisher's shared-memory ring (layout in rtviewer's README): slots taken in turn. The
    oldest is written again once the viewer has handed it back, or has held it STALE_SECONDS (a
    viewer gone); until then ready() is False and the publisher drops the new frame instead of
    waiting (the viewer sees a gap)."""

    def __init__(self, slots):
        from multiprocessing import shared_memory  # only with shm=True
        self._shared_memory = shared_memory
        self.slots = slots
        self.shm = None
        self.retired = []  # outgrown segments: descriptors may still be on their way
        self.slot_bytes = 0
        self.next = 0
        self.generation = 0
        self.reused_unread = 0
        self.sent = [0] * slots  # per slot: the generation sent, and when
        self.sent_at = [0.0] * slots

    def _make(self, nbytes):
        if self.shm is not None:
            self.retired.append(self.shm)
        size = max(nbytes, 2 * self.slot_bytes, 1)
        self.slot_bytes = -(-size // _RING_ALIGN) * _RING_ALIGN
        self.data_offset = -(-(_RING_CONTROL + 16 * self.slots) // _RING_ALIGN) * _RING_ALIGN
        name = f"rtv-{os.getpid()}-{secrets.token_hex(4)}"
        self.shm = self._shared_memory.SharedMemory(
            name=name, create=True, size=self.data_offset + self.slots * self.slot_bytes)
        buf = self.shm.buf
        buf[0:8] = b"RTVRING1"
        buf[8:24] = struct.pack("<IIQ", self.slots, 0, self.slot_bytes)
        self.control = np.ndarray((self.slots, 2), dtype="<u8", buffer=buf, offset=_RING_CONTROL)
        self.next = 0
        self.sent = [0] * self.slots
        self.sent_at = [0.0] * self.slots

    STALE_SECONDS = 1.0

    def ready(self):
        """Whether the oldest slot may be written: it holds no frame that was sent and that
        the viewer has not handed back yet (held longer than STALE_SECONDS: a viewer gone)."""
        if self.shm is None:
            return True
        s = self.next
        sent = self.sent[s]
        if sent == 0 or int(self.control[s, 0]) != sent or int(self.control[s, 1]) == sent:
            return True
        return time.monotonic() - self.sent_at[s] >= self.STALE_SECONDS

    def write(self, array, dtype):
        """Copies ``array`` (converted to ``dtype``) into the oldest slot; the descriptor."""
        nbytes = array.size * dtype.itemsize
        if self.shm is None or nbytes > self.slot_bytes:
            self._make(nbytes)
        slot = self.next
        self.next = (slot + 1) % self.slots
        old = int(self.control[slot, 0])
        if old != 0 and int(self.control[slot, 1]) != old:
            self.reused_unread += 1
        # A seqlock: odd while writing, so that a viewer copying this slot sees it changed.
        # Plain numpy stores: seen in this order on x86-64 (total store order); on weakly
        # ordered CPUs (ARM64) Python has no fence to enforce it.
        self.generation += 2
        self.control[slot, 0] = self.generation - 1
        offset = self.data_offset + slot * self.slot_bytes
        dst = np.ndarray(array.shape, dtype=dtype, buffer=self.shm.buf, offset=offset)
        np.copyto(dst, array, casting="unsafe")
        del dst
        self.control[slot, 0] = self.generation
        name = self.shm.name.lstrip("/").encode()
        return _SHM.pack(offset, nbytes, self.generation, slot, len(name)) + name, slot

    def wait_released(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            pending = [s for s in range(self.slots) if self.sent[s] != 0
                       and int(self.control[s, 0]) == self.sent[s]
                       and int(self.control[s, 1]) != self.sent[s]]
            if not pending:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.001)  # closing: nothing in the viewer can wake us, so poll

    def close(self):
        self.control = None
        for shm in self.retired + ([self.shm] if self.shm is not None else []):
            shm.close()
            try:
                shm.unlink()
            except FileNotFoundError:
                pass
        self.shm = None
        self.retired = []


def _tell_when_idle(publisher, wake):
    """The idle thread of a publisher that dropped frames: once it has sent nothing for
    IDLE_MARK_SECONDS, it sends the sequence marks of the streams whose last numbers did not
    leave. It holds the publisher (a weak reference) only while it works, so that a publisher
    nobody holds is still collected and closed."""
    with wake:
        while True:
            pub = publisher()
            if pub is None or pub._closing:
                return
            timeout = pub._idle_step()
            del pub  # may close it, on this thread (its lock is reentrant for that)
            if publisher() is None:
                return
            wake.wait(timeout)


def _is_viewers(message):
    """Whether an XPUB socket's message is a viewer's subscription: 1 then the topic (0 is
    its end); a topic that starts with 1 is rtviewer-broker's own, not a viewer's."""
    return message[:1] == b"\x01" and message[1:2] != b"\x01"


DEFAULT_ENDPOINT = "tcp://127.0.0.1:5555"


class Publisher:
    """Sends numpy arrays to a running rtviewer (``rtviewer --producer zmq``).

    ``Publisher(endpoint=None, shm=False, wait=10.0)`` connects to ``endpoint``: by default the
    ``RTV_ENDPOINT`` environment variable (set by a viewer that started this program as its
    ``exec`` producer), else ``tcp://127.0.0.1:5555`` (``rtviewer --producer zmq``), and waits up
    to ``wait`` seconds for the viewer's subscription (so no frame is lost to ZeroMQ's slow
    joiner); NoViewerError names the endpoint when no viewer is there. With ``shm=True``, images
    are written into a shared-memory ring and only a descriptor crosses the socket (the viewer
    must run on this machine; lines stay inline); a frame that finds every slot still unread by
    the viewer is dropped (the viewer sees a gap), and a slot held more than a second (a viewer
    gone) is reused. ``hwm``: frames queued for the viewer before
    ``send`` drops (counted in ``dropped``, seen by the viewer as gaps); ``shm_slots``: frames
    the viewer may be behind before new frames are dropped. A context manager: the
    ``with`` block ends with ``close()``.

    ``Publisher(bind="tcp://*:5556")`` binds instead and serves every viewer that connects to it
    (``rtviewer --producer zmq:connect=tcp://HOST:5556``, or rtviewer-broker), however many, as
    they come and go, never waiting for one (``wait`` does not apply; ``wait_for_viewer()``
    waits when a script wants to). Each viewer has its own queue of ``hwm`` messages: a slow one
    loses frames there (its gaps) without slowing the others, so ``dropped`` stays 0. Frames go
    inline (``shm=True`` is refused: shared memory is for a viewer on this machine that the
    publisher connects to). ``endpoint`` says where it is bound (port * resolved).

    CURVE (docs/security.md): ``server_key`` (the viewer's or broker's public key) and ``key``
    (this publisher's secret key), each a file or the 40-character Z85 text, both or neither:
    the connection is encrypted and the viewer admits this publisher only if its public key is
    on the viewer's allow-list. A bad key file raises ``rtviewer.curve.CurveError`` naming it; a
    viewer that refuses the key looks like no viewer (NoViewerError after ``wait``). A bound
    publisher takes neither (ValueError): it serves loopback or ipc:// viewers, or plain text.

    Every frame is numbered per stream, dropped ones too, and the viewer counts the numbers it
    never received as ``gaps``. So that frames dropped at the end of a burst count as well (no
    later frame reveals them), ``close()`` tells the viewer each stream's last number (a sequence
    mark, after the last frame), and so does a publisher that dropped frames and then sent
    nothing for ``IDLE_MARK_SECONDS`` (from a thread of its own, started at the first drop; the
    socket is shared under a lock). The viewer's ``produced + gaps`` is then what was numbered.

    A catalogue of the streams sent (name, shape, dtype, frames per second) goes out before each
    new stream's first frame and then about once a second while frames are sent, so that a
    viewer taking only some streams (``zmq:streams=``) lists the others in its panel, a click
    away (docs/network.md).
    """

    IDLE_MARK_SECONDS = 1.0

    def __init__(self, endpoint=None, shm=False, wait=10.0, *, hwm=64, shm_slots=4, bind=None,
                 server_key=None, key=None):
        if bind is not None and (server_key or key):
            raise ValueError("server_key= and key= are for a publisher that connects to a "
                             "viewer; a bound publisher serves loopback or ipc:// viewers, or "
                             "plain text beyond this machine (docs/security.md)")
        if server_key or key:
            # Pairing only: with both, any endpoint may be reached.
            _curve.check_client_security("publisher", [], server_key, key)
        if bind is not None and endpoint is not None:
            raise ValueError("give endpoint (connect to a viewer) or bind (serve viewers), not both")
        if bind is not None and shm:
            raise ValueError("shm is for a publisher that connects to a viewer on this machine; "
                             "a bound publisher sends frames inline")
        if endpoint is None and bind is None:
            endpoint = os.environ.get("RTV_ENDPOINT") or DEFAULT_ENDPOINT
        if hwm < 1:
            raise ValueError("hwm must be at least 1")
        if not 1 <= shm_slots <= 256:
            raise ValueError("shm_slots must be 1..256")
        self.endpoint = endpoint
        self.wait = wait
        self.sent = 0  # frames queued for the viewer
        self.dropped = 0  # frames a full queue or ring dropped (the viewer counts them as gaps)
        # The socket is not thread-safe: send(), close() and the idle thread take turns on it
        # (and on the numbering) under this lock. Reentrant: the idle thread may drop the last
        # reference to the publisher, which closes it on that thread.
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)  # a frame was dropped: the idle thread
        self._idle = None  # the idle thread, started at the first drop
        self._closing = False
        self._sequence = {}  # per stream: the next number
        self._told = {}  # per stream: the numbers the viewer was sent (a frame, or a mark)
        self._last = {}  # per stream: (topic, dtype, shape) of its last numbered frame
        self._last_send = 0.0  # time.monotonic() of the last send()
        self._last_mark = 0.0  # and of the idle thread's last try
        self._catalogue_at = 0.0  # time.monotonic() of the last catalogue
        self._counted = {}  # per stream: its numbers when the last catalogue was sent
        self._socket = None
        self._context = zmq.Context()
        self._socket = self._context.socket(zmq.XPUB)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._socket.setsockopt(zmq.SNDHWM, hwm)
        self._publisher = secrets.randbits(64)
        self._boot_id = _boot_id()
        self._ring = None
        self.bound = bind is not None
        self._viewer_seen = False
        if self.bound:
            # Serves every viewer that connects, each with its own queue of ``hwm`` messages:
            # lossy (no XPUB_NODROP), so that a slow viewer loses frames alone (its gaps) and
            # send() never waits. Every viewer's subscription is seen (wait_for_viewer).
            self._socket.setsockopt(zmq.XPUB_VERBOSE, 1)
            try:
                self._socket.bind(bind)
            except zmq.ZMQError as e:
                self._socket.close(0)
                self._context.term()
                self._socket = None
                raise OSError(f"rtviewer: cannot bind {bind}: {e}") from None
            self.endpoint = self._socket.getsockopt(zmq.LAST_ENDPOINT).decode()
            return
        self._socket.setsockopt(zmq.RCVTIMEO, int(wait * 1000))
        self._socket.setsockopt(zmq.SNDTIMEO, int(wait * 1000))
        # A full queue refuses (zmq.Again) instead of dropping silently: counted here, and the
        # sequence number is still used, so that the viewer sees the gap.
        self._socket.setsockopt(zmq.XPUB_NODROP, 1)
        # Every subscription comes through, a viewer's again after a reconnect too (a connecting
        # socket keeps its pipe, and the subscriptions on it, across reconnects): wait_for_viewer.
        self._socket.setsockopt(zmq.XPUB_VERBOSE, 1)
        if server_key:
            try:
                _curve.apply_client(self._socket, server_key, key)
            except Exception:
                self._socket.close(0)
                self._context.term()
                self._socket = None
                raise
        try:
            self._socket.connect(endpoint)
            # The viewer's subscription: it is there and listening (or rtviewer-broker's own).
            self._viewer_seen = _is_viewers(self._socket.recv())
        except (zmq.Again, zmq.ZMQError) as e:
            self._socket.close(0)
            self._context.term()
            self._socket = None
            if isinstance(e, zmq.Again):
                raise NoViewerError(
                    f"rtviewer: no viewer subscribed at {endpoint} within {wait:g} s (is "
                    f"`rtviewer --producer zmq:bind={endpoint}` running?)") from None
            raise NoViewerError(f"rtviewer: cannot connect to {endpoint}: {e}") from None
        self._ring = _Ring(shm_slots) if shm else None

    def wait_for_viewer(self, timeout=None):
        """Waits up to ``timeout`` seconds (default ``wait``) for a viewer's subscription that
        arrived since the last call: True when one came (frames sent from now on reach it),
        False on timeout. A bound publisher sees each viewer that connects; one connected to
        rtviewer-broker sees the first viewer of the broker (the broker's own subscription,
        which lets the publisher start before any viewer, does not count)."""
        if self._socket is None:
            raise RuntimeError("rtviewer: wait_for_viewer() after close()")
        deadline = time.monotonic() + (self.wait if timeout is None else timeout)
        with self._lock:
            if self._viewer_seen:  # the one the constructor waited for
                self._viewer_seen = False
                return True
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not self._socket.poll(int(left * 1000) + 1, zmq.POLLIN):
                    return False
                if _is_viewers(self._socket.recv()):
                    return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def reused_unread(self):
        """Shared-memory slots reused before the viewer had copied them (0 without shm)."""
        return self._ring.reused_unread if self._ring else 0

    def send(self, name, array, kind=None, *, block=False):
        """Sends ``array`` as stream ``name`` and returns at once: True if queued, False if the
        queue was full (the frame is dropped and counted; the viewer shows it as a gap). With
        ``block=True`` it waits up to ``wait`` seconds for room instead (TimeoutError after).
        ``kind``: None (the shape decides), "image" or "lines" (for 2-D arrays). An array the
        viewer would refuse raises RefusedError with the viewer's reason, before sending."""
        if self._socket is None:
            raise RuntimeError("rtviewer: send() after close()")
        array = np.asarray(array)
        kind_of, keep = check(name, array, kind)
        if array.dtype.byteorder == ">":  # one copy, so that shared memory needs no swap either
            array = array.astype(array.dtype.newbyteorder("<"))
        topic = name + (f":{kind}" if kind and not name.endswith(f":{kind}") else "")
        stream = topic.rsplit(":", 1)[0] if topic.endswith((":image", ":lines")) else topic
        with self._lock:
            if self._socket is None:
                raise RuntimeError("rtviewer: send() after close()")
            if stream not in self._last:  # a new stream: listed before its first frame
                self._last[stream] = (topic, array.dtype, array.shape)
                self._sequence.setdefault(stream, 0)
                self._send_catalogue(block)
            try:
                return self._send(topic, stream, array, kind_of, keep, block)
            finally:
                if time.monotonic() - self._catalogue_at >= _CATALOGUE_EVERY:
                    self._send_catalogue(False)
                self._last_send = time.monotonic()
                if self._told.get(stream, 0) < self._sequence[stream]:
                    # A number that did not leave: if nothing follows it, the idle thread tells.
                    if self._idle is None:
                        self._idle = threading.Thread(
                            target=_tell_when_idle, args=(weakref.ref(self), self._wake),
                            name="rtviewer-idle", daemon=True)
                        self._idle.start()
                    self._wake.notify()

    def _send(self, topic, stream, array, kind_of, keep, block):
        sequence = self._sequence.get(stream, 0)
        self._sequence[stream] = sequence + 1  # used even if the frame is dropped: a gap
        ring = self._ring is not None and kind_of == "image"
        self._last[stream] = (topic, keep if ring else array.dtype, array.shape)
        if ring:
            if not self._ring.ready():
                # The viewer has not copied the oldest slot's frame yet: drop this frame rather
                # than overwrite one in flight (its number is used: the viewer sees a gap).
                self.dropped += 1
                return False
            descriptor, slot = self._ring.write(array, keep)
            payload = _npy_header(keep, array.shape)
            flags = _FLAG_SHM
        else:
            # One copy, into the message (C order whatever the array's strides).
            head = _npy_header(array.dtype, array.shape)
            payload = bytearray(len(head) + array.nbytes)
            payload[:len(head)] = head
            np.copyto(np.ndarray(array.shape, array.dtype, buffer=payload, offset=len(head)),
                      array)
            descriptor, flags = b"", 0
        size = _HEADER.size + len(descriptor)
        header = _HEADER.pack(b"RTVH", 1, flags, size, self._publisher, sequence,
                              time.monotonic_ns(), self._boot_id) + descriptor
        try:
            self._socket.send_multipart([topic.encode(), header, payload],
                                        flags=0 if block else zmq.NOBLOCK, copy=False)
        except zmq.Again:
            self.dropped += 1
            if block:
                raise TimeoutError(f"rtviewer: the viewer took no frame for {self.wait:g} s; "
                                   f"{stream} frame dropped") from None
            return False
        if flags:
            self._ring.sent[slot] = self._ring.generation
            self._ring.sent_at[slot] = time.monotonic()
        self._told[stream] = sequence + 1
        self.sent += 1
        return True

    def _send_catalogue(self, block):
        """Tells viewers which streams this publisher sends (the lock held). Without ``block``
        it never waits: a full queue skips it, and the next one says the same."""
        now = time.monotonic()
        elapsed = now - self._catalogue_at if self._catalogue_at else 0.0
        streams = []
        for stream, (_, dtype, shape) in list(self._last.items())[:_CATALOGUE_MAX_STREAMS]:
            entry = {"name": stream, "shape": [int(d) for d in shape],
                     "dtype": np.dtype(dtype).str}
            numbered = self._sequence.get(stream, 0)
            if elapsed > 0:
                entry["per_s"] = round((numbered - self._counted.get(stream, 0)) / elapsed, 2)
            self._counted[stream] = numbered
            streams.append(entry)
        body = json.dumps({"catalogue": 1, "publisher": f"{self._publisher:016x}",
                           "streams": streams}).encode()
        try:
            self._socket.send_multipart([_CATALOGUE_TOPIC, body],
                                        flags=0 if block else zmq.NOBLOCK)
        except zmq.ZMQError:
            pass
        self._catalogue_at = now

    def _send_mark(self, stream, block):
        """Tells the viewer the last number ``stream`` used (the lock held): False if the queue
        stayed full."""
        topic, dtype, shape = self._last[stream]
        numbered = self._sequence[stream]
        header = _HEADER.pack(b"RTVH", 1, _FLAG_MARK, _HEADER.size, self._publisher,
                              numbered - 1, time.monotonic_ns(), self._boot_id)
        try:
            self._socket.send_multipart([topic.encode(), header, _npy_header(dtype, shape)],
                                        flags=0 if block else zmq.NOBLOCK)
        except zmq.ZMQError:  # zmq.Again: the queue is full
            return False
        self._told[stream] = numbered
        return True

    def _idle_step(self):
        """The idle thread's turn (the lock held): sends the marks that are due; how long to
        wait for the next turn (None: until a frame is dropped)."""
        untold = [s for s, n in self._sequence.items() if self._told.get(s, 0) < n]
        if not untold:
            return None
        # Idle: nothing sent for a while (and at most one try a second, if the queue is full).
        due = max(self._last_send, self._last_mark) + self.IDLE_MARK_SECONDS
        now = time.monotonic()
        if now < due:
            return due - now
        self._last_mark = now
        for stream in untold:
            self._send_mark(stream, block=False)
        return 0

    def close(self, linger=10.0):
        """Sends each stream's sequence mark (after its last frame), lets what was sent leave
        (up to ``linger`` seconds; with shm, until the viewer has copied it out of the ring) and
        disconnects. Returns False if a mark found the queue full for ``linger`` seconds, or the
        viewer had not copied every shared-memory frame in time. Idempotent."""
        if self._socket is None:
            return True
        with self._lock:
            if self._socket is None:  # closed meanwhile (by the idle thread, see _lock)
                return True
            self._closing = True
            self._wake.notify()
            # Each stream's last number: the viewer counts the frames it never received, the last
            # ones too. One socket: the marks leave after the frames.
            self._socket.setsockopt(zmq.SNDTIMEO, int(linger * 1000))
            told = all([self._send_mark(stream, block=True) for stream in self._sequence])
            idle, self._idle = self._idle, None
            socket, self._socket = self._socket, None
        if idle is not None and idle is not threading.current_thread():
            idle.join()
        socket.close(linger=int(linger * 1000))
        self._context.term()  # returns once what was sent has left, or linger passed
        copied = True
        if self._ring is not None:
            copied = self._ring.wait_released(linger)
            self._ring.close()
        return told and copied

    def __del__(self):
        if getattr(self, "_socket", None) is not None:
            self.close(linger=0)

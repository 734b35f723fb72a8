"""rtviewer.curve: key files (also those `rtviewer --gen-keys` writes), the checks' messages, a
pyzmq socket made a CURVE client of a CURVE server on 127.0.0.1, and the endpoint rule."""

import os
import stat
import subprocess
import threading

import pytest
import zmq
from zmq.utils import z85
from zmq.utils.monitor import recv_monitor_message

from rtviewer import curve

WAIT_MS = 20000  # hang guard for socket events, never a timing measurement


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def write(path, text, file_mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, file_mode)
    return str(path)


def test_generate_keys_writes_a_0644_public_and_a_0600_secret_key_of_one_pair(tmp_path):
    public, secret = curve.generate_keys(tmp_path / "cam1")
    assert public == str(tmp_path / "cam1.key")
    assert secret == str(tmp_path / "cam1.key_secret")
    assert mode(public) == 0o644
    assert mode(secret) == 0o600
    assert os.path.getsize(public) == 41 and os.path.getsize(secret) == 41
    assert curve.public_key_of(curve.load_secret_key(secret)) == curve.load_public_key(public)


def test_generate_keys_refuses_to_overwrite_and_leaves_no_half_pair(tmp_path):
    name = str(tmp_path / "a")
    curve.generate_keys(name)
    before = curve.load_public_key(name + ".key")
    with pytest.raises(curve.CurveError) as e:
        curve.generate_keys(name)
    assert str(e.value) == (f"curve: '{name}.key' already exists; a key file is never "
                            "overwritten (choose another NAME or remove it)")
    assert curve.load_public_key(name + ".key") == before
    lone = str(tmp_path / "lone")
    write(lone + ".key_secret", "x\n", 0o600)
    with pytest.raises(curve.CurveError, match="lone.key_secret' already exists"):
        curve.generate_keys(lone)
    assert not os.path.exists(lone + ".key")
    nowhere = str(tmp_path / "missing" / "k")
    with pytest.raises(curve.CurveError) as e:
        curve.generate_keys(nowhere)
    assert str(e.value) == f"curve: cannot create '{nowhere}.key_secret': No such file or directory"
    assert not os.path.exists(tmp_path / "missing")


def test_key_loading_takes_a_file_or_z85_text_and_names_the_file_in_each_error(tmp_path):
    public, secret = zmq.curve_keypair()
    assert curve.load_public_key(public.decode()) == public
    assert curve.load_secret_key(secret) == secret
    assert curve.load_public_key(write(tmp_path / "crlf.key", public.decode() + "\r\n")) == public

    def refused(load, arg, message):
        with pytest.raises(curve.CurveError) as e:
            load(arg)
        assert str(e.value) == message

    missing = str(tmp_path / "nope.key")
    refused(curve.load_public_key, missing, f"curve: public key file '{missing}': No such file or "
            "directory, expected a key file or the 40-character Z85 key")
    refused(curve.load_secret_key, str(tmp_path),
            f"curve: secret key file '{tmp_path}' is a directory, expected a key file")
    short = write(tmp_path / "short.key", public.decode()[:39] + "\n")
    refused(curve.load_public_key, short, f"curve: public key file '{short}': wrong length, got "
            "39 characters, expected a 40-character Z85 key")
    bad = write(tmp_path / "bad.key", public.decode()[:7] + "~" + public.decode()[8:] + "\n")
    refused(curve.load_public_key, bad, f"curve: public key file '{bad}': not Z85 text, got "
            "character 8 (0x7e), expected a 40-character Z85 key")
    big = write(tmp_path / "big.key", "#" * 40 + "\n")
    refused(curve.load_public_key, big, f"curve: public key file '{big}': not Z85 text, got "
            "characters 1..5 out of range, expected a 40-character Z85 key")
    for m in (0o640, 0o604, 0o620):
        p = write(tmp_path / "open.key_secret", secret.decode() + "\n", m)
        refused(curve.load_secret_key, p, f"curve: secret key file '{p}' is open to group or "
                f"others, got mode {m:04o}, expected 0600 (chmod 600 {p})")
    # A read that fails, for any user (root reads any file mode); a mode that forbids reading,
    # where the user is not root.
    refused(curve.load_public_key, "/proc/self/mem",
            "curve: public key file '/proc/self/mem': Input/output error")
    locked = write(tmp_path / "locked.key", public.decode() + "\n", 0o000)
    if not os.access(locked, os.R_OK):
        refused(curve.load_public_key, locked,
                f"curve: public key file '{locked}': Permission denied")
    refused(curve.load_secret_key, "", "curve: secret key is empty, expected a key file or the "
            "40-character Z85 key")


def test_keys_from_rtviewer_gen_keys_load_here_and_a_second_run_exits_2(viewer_binary, tmp_path):
    name = str(tmp_path / "viewer")
    made = subprocess.run([viewer_binary, "--gen-keys", name], capture_output=True, text=True,
                          timeout=60)
    assert made.returncode == 0, made.stderr
    assert made.stdout == (f"rtviewer: public key {name}.key (give it to the other side)\n"
                           f"rtviewer: secret key {name}.key_secret (mode 0600, keep it "
                           "private)\n")
    assert mode(name + ".key_secret") == 0o600
    secret = curve.load_secret_key(name + ".key_secret")
    assert curve.public_key_of(secret) == curve.load_public_key(name + ".key")
    again = subprocess.run([viewer_binary, "--gen-keys", name], capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 2
    assert again.stderr == (f"rtviewer: --gen-keys: '{name}.key' already exists; a key file is "
                            "never overwritten (choose another NAME or remove it)\n")


class CurveServer:
    """A CURVE SUB bound on 127.0.0.1 with a ZAP handler admitting `allowed`, and a monitor."""

    def __init__(self, allowed):
        self.public, secret = zmq.curve_keypair()
        self.context = zmq.Context()
        self.zap = self.context.socket(zmq.REP)
        self.zap.bind("inproc://zeromq.zap.01")
        self.thread = threading.Thread(target=self._answer, args=(set(allowed),))
        self.thread.start()
        self.sub = self.context.socket(zmq.SUB)
        self.sub.curve_server = True
        self.sub.curve_secretkey = secret
        self.sub.rcvtimeo = WAIT_MS
        self.monitor = self.sub.get_monitor_socket(zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
                                                   | zmq.EVENT_HANDSHAKE_FAILED_AUTH)
        self.sub.subscribe(b"")
        self.sub.bind("tcp://127.0.0.1:0")
        self.endpoint = self.sub.last_endpoint.decode()

    def _answer(self, allowed):
        try:
            while True:
                request = self.zap.recv_multipart()
                key = z85.encode(request[6]) if len(request) > 6 else b""
                ok = request[5] == b"CURVE" and key in allowed
                self.zap.send_multipart([b"1.0", request[1], b"200" if ok else b"400",
                                         b"OK" if ok else b"unknown key", b"", b""])
        except zmq.ContextTerminated:
            pass
        finally:
            self.zap.close(0)  # on its own thread, so that term() can end

    def wait_failure(self):
        assert self.monitor.poll(WAIT_MS), "no failed handshake"
        return recv_monitor_message(self.monitor)["event"]

    def close(self):
        self.monitor.close(0)
        self.sub.close(0)
        self.context.term()
        self.thread.join()


def test_apply_client_makes_a_socket_a_curve_client_that_a_curve_server_admits(tmp_path):
    client_public, _ = curve.generate_keys(tmp_path / "cam")
    server = CurveServer([curve.load_public_key(client_public)])
    write(tmp_path / "viewer.key", server.public.decode() + "\n")
    context = zmq.Context()
    try:
        good = context.socket(zmq.XPUB)
        curve.apply_client(good, server_key=str(tmp_path / "viewer.key"),
                           key=str(tmp_path / "cam.key_secret"))
        good.connect(server.endpoint)
        # The SUB attaches a peer (and sends it the subscription) only while its thread calls
        # into it: poll both.
        poller = zmq.Poller()
        poller.register(good, zmq.POLLIN)
        poller.register(server.sub, zmq.POLLIN)
        assert good in dict(poller.poll(WAIT_MS)), "no subscription: the handshake failed"
        assert good.recv() == b"\x01"
        good.send_multipart([b"cam", b"frame"])
        assert server.sub.recv_multipart() == [b"cam", b"frame"]

        # The server's key as Z85 text, but another client key: refused by ZAP.
        stranger_public, stranger_secret = zmq.curve_keypair()
        other = context.socket(zmq.XPUB)
        curve.apply_client(other, server_key=server.public.decode(), key=stranger_secret)
        other.connect(server.endpoint)
        assert server.wait_failure() == zmq.EVENT_HANDSHAKE_FAILED_AUTH
        # A wrong server key: the handshake does not decrypt.
        wrong_public, _ = zmq.curve_keypair()
        wrong = context.socket(zmq.XPUB)
        curve.apply_client(wrong, server_key=wrong_public, key=str(tmp_path / "cam.key_secret"))
        wrong.connect(server.endpoint)
        assert server.wait_failure() == zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
        for s in (other, wrong):
            s.send_multipart([b"cam", b"refused"], zmq.DONTWAIT)
        good.send_multipart([b"cam", b"last"])
        assert server.sub.recv_multipart() == [b"cam", b"last"]
        assert not server.sub.poll(0)
    finally:
        context.destroy(0)
        server.close()

    with pytest.raises(curve.CurveError, match="public key file '.*nope.key': No such file"):
        curve.apply_client(zmq.Context.instance().socket(zmq.PUB), server_key=str(
            tmp_path / "nope.key"), key=str(tmp_path / "cam.key_secret"))


LOCAL = ["ipc:///tmp/rtv.sock", "ipc://@abstract", "inproc://frames", "tcp://127.0.0.1:5555",
         "tcp://127.0.0.1:*", "tcp://127.255.3.4:1", "tcp://localhost:5556",
         "tcp://LocalHost:5556", "tcp://[::1]:5555", "tcp://::1:5555", "tcp://[::1]:*",
         "tcp://[0:0:0:0:0:0:0:1]:80", "tcp://[::ffff:127.0.0.1]:5555",
         "tcp://192.168.1.5;127.0.0.1:5555", "tcp://127.0.0.1:0", "tcp://127.0.0.1:65535"]
NOT_LOCAL = ["tcp://*:5555", "tcp://0.0.0.0:5555", "tcp://[::]:5555", "tcp://192.168.1.5:5555",
             "tcp://10.0.0.1:*", "tcp://cam1:5556", "tcp://lo:5555", "tcp://eth0:5555",
             "tcp://127.0.0.1", "tcp://127.0.0.1:", "tcp://127.0.0.1:abc",
             "tcp://127.0.0.1:65536", "tcp://127.0.0.1:123456", "tcp://127.0.0.1:5555 ",
             "tcp://127.1:5555", "tcp://127.0.0.1.example.com:5555", "tcp://localhost.evil:5555",
             "tcp://127.0.0.1:5555;192.168.1.5:5555", "tcp://[fe80::1]:5555", "tcp://[::1:5555",
             "ipc://", "inproc://", "udp://127.0.0.1:5555", "pgm://127.0.0.1;239.192.1.1:5555",
             "TCP://127.0.0.1:5555", "127.0.0.1:5555", ""]


@pytest.mark.parametrize("endpoint", LOCAL)
def test_is_local_endpoint_takes_loopback_and_ipc(endpoint):
    assert curve.is_local_endpoint(endpoint)


@pytest.mark.parametrize("endpoint", NOT_LOCAL)
def test_is_local_endpoint_refuses_everything_else(endpoint):
    assert not curve.is_local_endpoint(endpoint)


def test_check_client_security_says_what_is_missing():
    local, opened = ["tcp://127.0.0.1:5555"], ["tcp://0.0.0.0:5555"]
    curve.check_client_security("publisher", local)
    curve.check_client_security("publisher", opened, server_key="v.key", key="c.key_secret")
    curve.check_client_security("publisher", opened, insecure=True)
    cases = [
        (dict(endpoints=local, server_key="v.key"),
         "publisher: server_key= needs key= (this client's secret key file)"),
        (dict(endpoints=local, key="c.key_secret"),
         "publisher: key= needs server_key= (the server's public key file)"),
        (dict(endpoints=local, server_key="v.key", key="c.key_secret", insecure=True),
         "publisher: insecure=1 is for plain text; with server_key= leave it out"),
        (dict(endpoints=opened),
         "publisher: tcp://0.0.0.0:5555 is reachable from other machines and would carry plain "
         "text, expected a loopback or ipc:// endpoint, server_key=PUBLIC_FILE,key=SECRET_FILE, "
         "or insecure=1 to accept that (docs/security.md)"),
    ]
    for kwargs, message in cases:
        with pytest.raises(curve.CurveError) as e:
            curve.check_client_security("publisher", **kwargs)
        assert str(e.value) == message


def test_publisher_with_server_key_and_key_feeds_a_curve_viewer_and_bad_keys_are_named(
        start_viewer, viewer_binary, tmp_path):
    import numpy as np
    import rtviewer

    viewer_pub, viewer_secret = curve.generate_keys(str(tmp_path / "viewer"))
    cam_pub, cam_secret = curve.generate_keys(str(tmp_path / "cam1"))
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "cam1.key").write_text(open(cam_pub).read())
    # 3 frames and the sequence mark close() sends.
    v = start_viewer(4, f",curve={viewer_secret},allow={allowed}")
    assert "(CURVE, 1 allowed keys)" in "".join(v.output)
    with pytest.raises(curve.CurveError, match=str(tmp_path / "missing.key")):
        rtviewer.Publisher(v.endpoint, server_key=str(tmp_path / "missing.key"), key=cam_secret)
    with pytest.raises(curve.CurveError, match="needs key="):
        rtviewer.Publisher(v.endpoint, server_key=viewer_pub)
    with pytest.raises(ValueError, match="bound publisher"):
        rtviewer.Publisher(bind="tcp://127.0.0.1:*", server_key=viewer_pub, key=cam_secret)
    with rtviewer.Publisher(v.endpoint, server_key=viewer_pub, key=cam_secret) as pub:
        for _ in range(3):
            pub.send("cam", np.ones((4, 5), np.float32), block=True)
    assert v.finish() == 0, "".join(v.output)
    assert v.streams()["cam"]["produced"] == 3

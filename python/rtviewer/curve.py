"""ZeroMQ CURVE for rtviewer's Python client: key files, and a pyzmq socket made a CURVE client.

    from rtviewer import curve
    public, secret = curve.generate_keys("cam1")          # cam1.key, cam1.key_secret (0600)
    curve.apply_client(socket, server_key="viewer.key", key="cam1.key_secret")

A key is Z85 text, 40 characters (what ``zmq.curve_keypair()`` makes). A key file holds the key
and a newline: NAME.key (public, mode 0644, to give out) and NAME.key_secret (secret, mode
0600). Wherever a key is taken, the 40-character text itself may be given instead of a path (it
is taken as text only when no file of that name exists). The checks and their messages are the
viewer's own (wire/curve.cpp); docs/security.md has the whole story.
"""

import ipaddress
import os
import stat

import zmq

__all__ = ["CurveError", "generate_keys", "load_public_key", "load_secret_key", "public_key_of",
           "apply_client", "is_local_endpoint", "check_client_security"]

KEY_CHARS = 40
_Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
_Z85_VALUE = {c: i for i, c in enumerate(_Z85)}


class CurveError(ValueError):
    """A key, key file or security setting that cannot be used; the message names the file."""


def _z85_problem(text):
    """Why ``text`` is not a Z85 key, or None when it is one."""
    if len(text) != KEY_CHARS:
        return (f"wrong length, got {len(text)} characters, expected a 40-character Z85 key")
    for group in range(0, KEY_CHARS, 5):
        value = 0
        for i in range(group, group + 5):
            digit = _Z85_VALUE.get(text[i])
            if digit is None:
                return (f"not Z85 text, got character {i + 1} (0x{ord(text[i]):02x}), expected a "
                        "40-character Z85 key")
            value = value * 85 + digit
        if value > 0xFFFFFFFF:
            return (f"not Z85 text, got characters {group + 1}..{group + 5} out of range, "
                    "expected a 40-character Z85 key")
    return None


def is_z85_key(text):
    """True when ``text`` (str or bytes) is 40 characters of Z85 that decode to 32 bytes."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            return False
    return isinstance(text, str) and _z85_problem(text) is None


def _load(path_or_z85, secret):
    what = "secret key" if secret else "public key"
    if isinstance(path_or_z85, bytes):
        path_or_z85 = path_or_z85.decode("utf-8", "surrogateescape")
    arg = os.fspath(path_or_z85)
    if arg == "":
        raise CurveError(f"curve: {what} is empty, expected a key file or the 40-character Z85 "
                        "key")
    try:
        fd = os.open(arg, os.O_RDONLY | os.O_CLOEXEC | os.O_NOCTTY | os.O_NONBLOCK)
    except FileNotFoundError:
        if _z85_problem(arg) is None:
            return arg.encode("ascii")
        raise CurveError(f"curve: {what} file '{arg}': No such file or directory, expected a key "
                        "file or the 40-character Z85 key") from None
    except IsADirectoryError:
        raise CurveError(f"curve: {what} file '{arg}' is a directory, expected a key file") \
            from None
    except OSError as e:
        raise CurveError(f"curve: {what} file '{arg}': {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise CurveError(f"curve: {what} file '{arg}' is a directory, expected a key file")
        if not stat.S_ISREG(st.st_mode):
            raise CurveError(f"curve: {what} file '{arg}' is not a regular file, expected a key "
                            "file")
        if secret and st.st_mode & 0o077:
            mode = f"{stat.S_IMODE(st.st_mode):04o}"
            raise CurveError(f"curve: secret key file '{arg}' is open to group or others, got "
                            f"mode {mode}, expected 0600 (chmod 600 {arg})")
        chunks = []
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            chunks.append(chunk)
            if sum(len(c) for c in chunks) > (1 << 20):
                break
    except OSError as e:
        raise CurveError(f"curve: {what} file '{arg}': {e.strerror}") from None
    finally:
        os.close(fd)
    text = b"".join(chunks).decode("latin-1").rstrip("\r\n \t").lstrip(" \t")
    problem = _z85_problem(text)
    if problem:
        raise CurveError(f"curve: {what} file '{arg}': {problem}")
    return text.encode("ascii")


def load_public_key(path_or_z85):
    """The public key (40 bytes of Z85) in a file, or given as the Z85 text itself.

    Raises CurveError naming the file: missing, unreadable, a directory, wrong length, not Z85.
    """
    return _load(path_or_z85, secret=False)


def load_secret_key(path_or_z85):
    """As load_public_key, and a file that group or others may read or write is refused."""
    return _load(path_or_z85, secret=True)


def public_key_of(secret_z85):
    """The public key (Z85 bytes) that belongs to a secret key (Z85 str or bytes)."""
    if isinstance(secret_z85, str):
        secret_z85 = secret_z85.encode("ascii", "replace")
    if not is_z85_key(secret_z85):
        raise CurveError("curve: secret key is not a 40-character Z85 key")
    return zmq.curve_public(secret_z85)


def _write_new(path, text, mode):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW,
                     mode)
    except FileExistsError:
        raise CurveError(f"curve: cannot create '{path}': File exists (a key file is never "
                        "overwritten)") from None
    except OSError as e:
        raise CurveError(f"curve: cannot create '{path}': {e.strerror}") from None
    try:
        os.fchmod(fd, mode)  # umask may only have taken bits away; set exactly this
        os.write(fd, text)
        os.fsync(fd)
    except OSError as e:
        os.close(fd)
        os.unlink(path)
        raise CurveError(f"curve: cannot write '{path}': {e.strerror}") from None
    os.close(fd)


def generate_keys(name):
    """Writes NAME.key (public, 0644) and NAME.key_secret (secret, 0600, created with O_EXCL so
    it is never readable by others); returns their paths. Never overwrites: raises CurveError
    naming the file that exists, and leaves nothing behind on failure."""
    name = os.fspath(name)
    if name == "":
        raise CurveError("curve: the key pair's NAME is empty, expected e.g. viewer (writes "
                        "viewer.key and viewer.key_secret)")
    public_path, secret_path = name + ".key", name + ".key_secret"
    for p in (public_path, secret_path):
        if os.path.lexists(p):
            raise CurveError(f"curve: '{p}' already exists; a key file is never overwritten "
                            "(choose another NAME or remove it)")
    public, secret = zmq.curve_keypair()
    _write_new(secret_path, secret + b"\n", 0o600)
    try:
        _write_new(public_path, public + b"\n", 0o644)
    except CurveError:
        os.unlink(secret_path)
        raise
    return public_path, secret_path


def apply_client(socket, server_key, key):
    """Makes a pyzmq ``socket`` a CURVE client of the server whose public key is ``server_key``,
    with this client's secret ``key`` (each a path or the Z85 text; the client's public key is
    derived from its secret). Call before connect or bind. Raises CurveError naming a bad file.
    """
    if not zmq.has("curve"):
        raise CurveError("curve: this libzmq has no CURVE support")
    server_public = load_public_key(server_key)
    secret = load_secret_key(key)
    socket.setsockopt(zmq.CURVE_SERVERKEY, server_public)
    socket.setsockopt(zmq.CURVE_PUBLICKEY, public_key_of(secret))
    socket.setsockopt(zmq.CURVE_SECRETKEY, secret)


def _parse_port(port):
    if port == "*":
        return True
    return 0 < len(port) <= 5 and port.isascii() and port.isdigit() and int(port) <= 65535


def _loopback_host(host):
    if host.lower() == "localhost":
        return True
    if "%" in host or not host.isascii():
        return False
    try:
        if ":" in host:
            a = ipaddress.IPv6Address(host)
            if a.ipv4_mapped is not None:
                return a.ipv4_mapped.is_loopback
            return a == ipaddress.IPv6Address("::1")
        parts = host.split(".")
        # Four decimal numbers only (as inet_pton takes them): no 127.1, no leading zeros.
        if len(parts) != 4 or any(not p.isdigit() or (len(p) > 1 and p[0] == "0")
                                  for p in parts):
            return False
        return ipaddress.IPv4Address(host).packed[0] == 127
    except ValueError:
        return False


def is_local_endpoint(endpoint):
    """True for endpoints another machine cannot reach: ipc://, inproc://, tcp:// to 127.x.x.x,
    [::1] or localhost with a port or * (and connect's SOURCE;HOST:PORT form). False for *,
    0.0.0.0, any other host or interface, other transports, and anything that does not parse.
    The viewer's own rule (wire/curve.cpp)."""
    if not isinstance(endpoint, str):
        return False
    if endpoint.startswith("ipc://"):
        return len(endpoint) > 6
    if endpoint.startswith("inproc://"):
        return len(endpoint) > 9
    if not endpoint.startswith("tcp://"):
        return False
    rest = endpoint[6:]
    if ";" in rest:
        rest = rest.split(";", 1)[1]
    host, sep, port = rest.rpartition(":")
    if not sep or not _parse_port(port):
        return False
    if len(host) >= 2 and host[0] == "[" and host[-1] == "]":
        host = host[1:-1]
    return _loopback_host(host)


def check_client_security(who, endpoints, server_key=None, key=None, insecure=False):
    """The client's rule, before any file is read: server_key and key go together; insecure
    only without them; without CURVE every endpoint must be local unless insecure. Raises
    CurveError with the viewer's words."""
    if server_key and not key:
        raise CurveError(f"{who}: server_key= needs key= (this client's secret key file)")
    if key and not server_key:
        raise CurveError(f"{who}: key= needs server_key= (the server's public key file)")
    if server_key and insecure:
        raise CurveError(f"{who}: insecure=1 is for plain text; with server_key= leave it out")
    if server_key or insecure:
        return
    for e in endpoints:
        if not is_local_endpoint(e):
            raise CurveError(f"{who}: {e} is reachable from other machines and would carry plain "
                            "text, expected a loopback or ipc:// endpoint, "
                            "server_key=PUBLIC_FILE,key=SECRET_FILE, or insecure=1 to accept "
                            "that (docs/security.md)")

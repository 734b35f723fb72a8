"""HDF5 against real processes: what a headless rtviewer records reads back bit-exact with h5py
(every pixel format, lines, compression, a stream that starts late), a viewer killed with
SIGKILL leaves every flushed frame readable, files written by h5py alone play (an areaDetector
layout, a still image, float64 and int32, gzip and LZ4), a file an h5py SWMR writer is writing
is followed until it closes or goes idle, rtviewer-convert turns .npy recordings into HDF5 and
back, and every bad input gets exit 2 and one line naming the problem."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import rtviewer
from conftest import client_tests

HERE = Path(__file__).resolve().parent


def recorded_frames(group):
    """A recorded stream's frames, as the viewer held them (lines: (points, 2) float32)."""
    data = group["data"]
    if group.attrs["kind"] == "image":
        return [data[i] for i in range(data.shape[0])]
    if group.attrs["mode"] == "append":
        first, points = group["first"][:], group["points"][:]
        return [data[f:f + p].reshape(-1, 2) for f, p in zip(first, points)]
    lines, points = group["lines"][:], group["points"][:]
    return [data[i, :l, :p].reshape(-1, 2) for i, (l, p) in enumerate(zip(lines, points))]


def streams_of(f):
    """{stream name: group} of a recording."""
    return {g.attrs["stream"]: g for g in f["entry"].values()}


def check_ordered(group):
    seq, t = group["sequence"][:], group["t_ns"][:]
    assert np.all(np.diff(seq.astype(np.int64)) > 0), "sequence numbers not increasing"
    assert np.all(np.diff(t) >= 0), "t_ns going back"


def test_every_pixel_format_and_lines_record_to_hdf5_bit_exact_and_replay_as_recorded(
        start_viewer, run_viewer, tmp_path):
    frames = [client_tests._arrays(0), client_tests._arrays(1)]
    path = tmp_path / "run.h5"
    viewer = start_viewer(2 * len(frames[0]), extra=["--record", str(path)])
    with rtviewer.Publisher(viewer.endpoint, shm_slots=64) as pub:
        for frame in frames:
            for name, array, kind in frame:
                assert pub.send(name, array, kind, block=True)
    assert viewer.finish() == 0, "".join(viewer.output)
    with h5py.File(path, "r") as f:
        assert f.attrs["default"] == "entry"
        assert f["entry"].attrs["NX_class"] == "NXentry"
        assert f["entry"].attrs["rtviewer_version"]
        streams = streams_of(f)
        for name, _, kind in frames[0]:
            g = streams[name]
            assert g.attrs["NX_class"] == "NXdata" and g.attrs["signal"] == "data"
            assert g.name == "/entry/" + name.replace("/", "_")
            got = recorded_frames(g)
            assert len(got) == 2, name
            for frame, array in zip(frames, got):
                sent = next(a for n, a, _ in frame if n == name)
                want = client_tests._expected(sent, kind)
                assert array.dtype == want.dtype, name
                np.testing.assert_array_equal(array, want, err_msg=name)
            check_ordered(g)
            assert g["gaps"][:].sum() == 0
        assert streams["rgba8"]["data"].shape == (2, 12, 16, 4)
        assert streams["rgba8"]["data"].chunks == (1, 12, 16, 4)  # one frame a chunk

    # Replayed (every stream of the recording), recorded again: the same frames.
    again = tmp_path / "again.h5"
    code, out = run_viewer("--producer", f"hdf5:path={path},policy=wait", "--record", str(again))
    assert code == 0, out
    with h5py.File(path, "r") as a, h5py.File(again, "r") as b:
        first, second = streams_of(a), streams_of(b)
        assert set(first) == set(second)
        for name, g in first.items():
            for x, y in zip(recorded_frames(g), recorded_frames(second[name]), strict=True):
                np.testing.assert_array_equal(x, y, err_msg=name)


@pytest.mark.parametrize("compression,filter_id", [("gzip", "gzip"), ("lz4", "32004"),
                                                    ("bitshuffle-lz4", "32008")])
def test_a_compressed_recording_reads_back_exactly_with_h5py(start_viewer, tmp_path,
                                                            compression, filter_id):
    path = tmp_path / "c.h5"
    viewer = start_viewer(4, extra=["--record", str(path), "--record-compression", compression])
    rng = np.random.default_rng(3)
    sent = [(rng.integers(0, 1000, (64, 80)).astype(np.uint16), rng.random((64, 80),
                                                                         dtype=np.float32))
            for _ in range(2)]
    with rtviewer.Publisher(viewer.endpoint) as pub:
        for u16, f32 in sent:
            assert pub.send("cam", u16, block=True) and pub.send("f", f32, block=True)
    assert viewer.finish() == 0, "".join(viewer.output)
    with h5py.File(path, "r") as f:
        s = streams_of(f)
        assert filter_id in s["cam"]["data"]._filters
        for i, (u16, f32) in enumerate(sent):
            np.testing.assert_array_equal(s["cam"]["data"][i], u16)
            np.testing.assert_array_equal(s["f"]["data"][i], f32)


def test_a_viewer_killed_mid_recording_leaves_every_flushed_frame_readable(start_viewer,
                                                                          tmp_path):
    path = tmp_path / "killed.h5"
    viewer = start_viewer(1000, extra=["--record", str(path)])
    # As many frames as the stream has slots: none is dropped however fast they come.
    frames = [np.full((32, 48), k, np.uint16) for k in range(3)]
    with rtviewer.Publisher(viewer.endpoint) as pub:
        for a in frames:
            assert pub.send("cam", a, block=True)
        # Wait (bounded) until a reader sees them all: the recorder flushes at least once a second.
        deadline = time.monotonic() + 60
        seen = 0
        while seen < len(frames):
            assert time.monotonic() < deadline, f"only {seen} frames ever became readable"
            try:
                with h5py.File(path, "r", libver="latest", swmr=True) as f:
                    seen = f["entry/cam/data"].shape[0]
            except (OSError, KeyError):
                pass  # not yet opened for SWMR writing
            time.sleep(0.02)  # between looks at the file (what the loop waits for is above)
    os.kill(viewer.process.pid, signal.SIGKILL)
    viewer.process.wait()
    with h5py.File(path, "r", libver="latest", swmr=True) as f:
        data = f["entry/cam/data"]
        assert data.shape[0] == len(frames)
        for k, a in enumerate(frames):
            np.testing.assert_array_equal(data[k], a)
        assert list(f["entry/cam/sequence"][:]) == list(range(len(frames)))
    # A plain open needs the flag the killed writer left cleared first, as HDF5 says.
    subprocess.run(["h5clear", "-s", str(path)], check=True)
    with h5py.File(path, "r") as f:
        assert f["entry/cam/data"].shape[0] == len(frames)


def test_a_stream_that_starts_late_gets_its_own_file_linked_from_the_recording(start_viewer,
                                                                              tmp_path):
    path = tmp_path / "late.h5"
    viewer = start_viewer(3, extra=["--record", str(path)])
    early = np.arange(20, dtype=np.float32).reshape(4, 5)
    with rtviewer.Publisher(viewer.endpoint) as pub:
        assert pub.send("early", early, block=True)
        deadline = time.monotonic() + 60
        while True:  # until the file is open for readers (SWMR): then nothing new can join it
            assert time.monotonic() < deadline, "the recording never became readable"
            try:
                with h5py.File(path, "r", libver="latest", swmr=True) as f:
                    if f["entry/early/data"].shape[0] == 1:
                        break
            except (OSError, KeyError):
                pass
            time.sleep(0.02)  # between looks at the file
        late = np.full((3, 3), 7, np.uint8)
        assert pub.send("late/one", late, block=True)
        assert pub.send("late/one", late + 1, block=True)
    assert viewer.finish() == 0, "".join(viewer.output)
    output = "".join(viewer.output)
    side = tmp_path / "late.late_one.h5"
    assert f"it is recorded in {side}" in output
    assert side.exists()
    with h5py.File(path, "r") as f:
        link = f["entry"].get("late_one", getlink=True)
        assert isinstance(link, h5py.ExternalLink) and link.filename == side.name
        g = f["entry/late_one"]
        assert g.attrs["stream"] == "late/one"
        np.testing.assert_array_equal(g["data"][:], np.stack([late, late + 1]))
        np.testing.assert_array_equal(f["entry/early/data"][0], early)


def write_h5py_files(tmp_path):
    """Files as other software writes them: (name, path, dataset or None, frames expected)."""
    rng = np.random.default_rng(11)
    stack = rng.integers(0, 4096, (5, 7, 9)).astype(np.uint16)
    ad = tmp_path / "areadetector.h5"
    with h5py.File(ad, "w") as f:  # EPICS areaDetector's NeXus layout, gzip
        f.attrs["default"] = "entry"
        e = f.create_group("entry")
        e.attrs["NX_class"] = "NXentry"
        d = e.create_group("data")
        d.attrs["NX_class"] = "NXdata"
        d.attrs["signal"] = "data"
        d.create_dataset("data", data=stack, chunks=(1, 7, 9), compression="gzip")
        e.create_dataset("instrument/NDAttributes/timestamp", data=np.arange(5.0))
    single = rng.integers(-50000, 50000, (7, 9)).astype(np.int32)
    still = tmp_path / "single.h5"
    with h5py.File(still, "w") as f:  # one image, 2-D, LZ4 (hdf5-filter-plugin)
        f.create_dataset("entry/image", data=single, chunks=(7, 9), compression=32004)
    cube = rng.random((4, 6, 5))
    f64 = tmp_path / "f64.h5"
    with h5py.File(f64, "w") as f:  # two 3-D datasets: dataset= says which
        f.create_dataset("a", data=cube)
        f.create_dataset("b", data=cube[:2])
    rgb = rng.integers(0, 256, (3, 4, 5, 3)).astype(np.uint8)
    colour = tmp_path / "rgb.h5"
    with h5py.File(colour, "w") as f:
        f.create_dataset("video", data=rgb)
    return [("ad", ad, None, list(stack)),
            ("still", still, None, [single.astype(np.float32)]),
            ("cube", f64, "/a", list(cube.astype(np.float32))),
            ("rgb", colour, None, list(rgb))]


def test_files_written_by_h5py_alone_play_frame_for_frame(run_viewer, tmp_path):
    files = write_h5py_files(tmp_path)
    out_path = tmp_path / "played.h5"
    args = []
    for name, path, dataset, _ in files:
        spec = f"hdf5:path={path},name={name},policy=wait"
        args += ["--producer", spec + (f",dataset={dataset}" if dataset else "")]
    code, out = run_viewer(*args, "--record", str(out_path))
    assert code == 0, out
    with h5py.File(out_path, "r") as f:
        by_producer = {g.attrs["producer"]: g for g in f["entry"].values()}
        for name, _, _, want in files:
            got = recorded_frames(by_producer[name])
            assert len(got) == len(want), name
            for x, y in zip(got, want):
                assert x.dtype == y.dtype, name
                np.testing.assert_array_equal(x, y, err_msg=name)


def test_start_stop_step_choose_the_frames_played(run_viewer, tmp_path):
    files = write_h5py_files(tmp_path)
    name, path, _, frames = files[0]
    out_path = tmp_path / "steps.h5"
    code, out = run_viewer("--producer", f"hdf5:path={path},start=1,stop=5,step=2,policy=wait",
                           "--record", str(out_path))
    assert code == 0, out
    with h5py.File(out_path, "r") as f:
        (g,) = f["entry"].values()
        np.testing.assert_array_equal(g["data"][:], np.stack([frames[1], frames[3]]))


def test_a_file_being_written_is_followed_until_its_writer_closes_it_or_goes_idle(
        viewer_binary, tmp_path):
    writers = []
    for name in ("closes", "idles"):
        w = subprocess.Popen([sys.executable, str(HERE / "swmr_writer.py"),
                              str(tmp_path / f"{name}.h5")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        assert w.stdout.readline().strip() == "ready"
        writers.append(w)
    try:
        def tell(w, command, answer):
            w.stdin.write(command + "\n")
            w.stdin.flush()
            assert w.stdout.readline().split()[0] == answer

        for w in writers:
            tell(w, "frames 3", "wrote")
        record = tmp_path / "shown.h5"
        stats = tmp_path / "stats.json"
        viewer = subprocess.Popen(
            [viewer_binary, "--headless", "--exit-when-done", "--duration", "120",
             "--producer", f"hdf5:path={tmp_path / 'closes.h5'},follow=1,name=closes",
             "--producer", f"hdf5:path={tmp_path / 'idles.h5'},follow=1,idle=1,name=idles",
             "--record", str(record), "--stats-json", str(stats)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for w in writers:
            tell(w, "frames 40", "wrote")
        tell(writers[0], "close", "closed")  # ends the first producer; the second goes idle
        out, _ = viewer.communicate(timeout=120)
        assert viewer.returncode == 0, out
    finally:
        for w in writers:
            w.kill()
            w.wait()
    streams = {s["name"]: s for s in json.load(open(stats))["streams"]}
    with h5py.File(record, "r") as f:
        shown = {g.attrs["producer"]: g for g in f["entry"].values()}
        for name in ("closes", "idles"):
            got = recorded_frames(shown[name])
            assert got, name
            # Each frame shown is one the writer wrote (frame k: k + index mod 7), newest last.
            ks = [int(frame[0, 0]) for frame in got]
            for k, frame in zip(ks, got):
                want = (np.arange(24 * 32).reshape(24, 32) % 7 + k).astype(np.uint16)
                np.testing.assert_array_equal(frame, want, err_msg=name)
            assert ks == sorted(set(ks)) and ks[-1] == 42, (name, ks)
            s = next(v for k, v in streams.items() if k.startswith(name + "/"))
            assert s["state"] == "finished"
            assert s["produced"] == 43  # shown or superseded: every frame the writer wrote
            assert s["latency_from"] == "sender"  # from the writer's t_ns: the lag behind it


BAD_INPUTS = [
    # (what, producer settings or extra args, a file to make, what the message says)
    ("not hdf5", "hdf5:path={d}/text.h5", "text", "is not an HDF5 file"),
    ("missing file", "hdf5:path={d}/none.h5", None, "No such file"),
    ("missing dataset", "hdf5:path={d}/ok.h5,dataset=/nope", "ok",
     "has no dataset /nope; datasets that could be played: /a (3, 4, 5) uint16"),
    ("ambiguous", "hdf5:path={d}/two.h5", "two", "say which dataset to play"),
    ("compound", "hdf5:path={d}/compound.h5", "compound", "its dtype is compound"),
    ("complex", "hdf5:path={d}/complex.h5", "complex", "its dtype is compound"),
    ("one-d", "hdf5:path={d}/one.h5,dataset=/v", "one", "a 1-D dataset holds values"),
    ("five-d", "hdf5:path={d}/five.h5,dataset=/v", "five", "(2, 2, 2, 2, 2) is not frames"),
    ("truncated", "hdf5:path={d}/cut.h5", "cut", "cut.h5"),
    ("locked", "hdf5:path={d}/locked.h5", "locked", "cannot open"),
    ("follow and loop", "hdf5:path={d}/ok.h5,follow=1,loop=1", "ok", "follow=1 shows the newest"),
    ("unknown key", "hdf5:path={d}/ok.h5,speed=2", "ok", "speed"),
]


def make_bad(d, kind):
    if kind == "text":
        (d / "text.h5").write_text("not hdf5\n")
    elif kind == "ok":
        with h5py.File(d / "ok.h5", "w") as f:
            f.create_dataset("a", data=np.zeros((3, 4, 5), np.uint16))
    elif kind == "two":
        with h5py.File(d / "two.h5", "w") as f:
            f.create_dataset("a", data=np.zeros((3, 4, 5)))
            f.create_dataset("b", data=np.zeros((3, 4, 5)))
    elif kind in ("compound", "complex"):
        with h5py.File(d / f"{kind}.h5", "w") as f:
            dt = np.complex64 if kind == "complex" else np.dtype([("a", "i4"), ("b", "f4")])
            f.create_dataset("v", data=np.zeros((3, 4, 5), dt))
    elif kind in ("one", "five"):
        with h5py.File(d / f"{kind}.h5", "w") as f:
            f.create_dataset("v", data=np.zeros((5,) if kind == "one" else (2,) * 5))
    elif kind == "cut":
        with h5py.File(d / "cut.h5", "w") as f:
            f.create_dataset("a", data=np.arange(4 * 64 * 64, dtype=np.float32).reshape(4, 64, 64))
        data = (d / "cut.h5").read_bytes()
        (d / "cut.h5").write_bytes(data[:len(data) // 3])
    elif kind == "locked":
        return subprocess.Popen(
            [sys.executable, "-c", "import h5py, sys; f = h5py.File(sys.argv[1], 'w'); "
             "f.create_dataset('a', data=[[[1]]]); f.flush(); print('open', flush=True); "
             "sys.stdin.read()", str(d / "locked.h5")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return None


@pytest.mark.parametrize("what,spec,make,says", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_a_bad_hdf5_input_exits_2_with_one_line_naming_it(run_viewer, tmp_path, what, spec, make,
                                                         says):
    holder = make_bad(tmp_path, make) if make else None
    try:
        if holder:
            assert holder.stdout.readline().strip() == "open"
        code, out = run_viewer("--producer", spec.format(d=tmp_path))
    finally:
        if holder:
            holder.kill()
            holder.wait()
    assert code == 2, out
    assert says in out, out
    assert "HDF5-DIAG" not in out  # HDF5's own error stack stays quiet


def test_record_compression_that_is_not_installed_or_not_for_hdf5_exits_2(run_viewer, tmp_path):
    env = dict(os.environ, HDF5_PLUGIN_PATH=str(tmp_path))  # where no filter is
    code, out = run_viewer("--record", str(tmp_path / "x.h5"), "--record-compression", "lz4",
                           env=env)
    assert code == 2 and "HDF5 filter 32004 is not installed (Debian package " \
        "hdf5-filter-plugin" in out, out
    code, out = run_viewer("--record", str(tmp_path / "dir"), "--record-compression", "gzip")
    assert code == 2 and "only for an HDF5 recording" in out, out
    code, out = run_viewer("--record", str(tmp_path / "x.h5"), "--record-compression", "zstd")
    assert code == 2 and "must be none, gzip, lz4 or bitshuffle-lz4, got 'zstd'" in out, out
    (tmp_path / "old.h5").write_bytes(b"")
    code, out = run_viewer("--record", str(tmp_path / "old.h5"))
    assert code == 2 and "already exists" in out, out


def test_convert_turns_an_npy_recording_into_hdf5_and_back(start_viewer, tmp_path):
    convert = os.environ.get("RTV_CONVERT")
    assert convert, "set RTV_CONVERT to rtviewer-convert (ctest does)"
    frames = [client_tests._arrays(0)]
    npy = tmp_path / "npy"
    viewer = start_viewer(len(frames[0]), extra=["--record", str(npy)])
    with rtviewer.Publisher(viewer.endpoint, shm_slots=64) as pub:
        for name, array, kind in frames[0]:
            assert pub.send(name, array, kind, block=True)
    assert viewer.finish() == 0, "".join(viewer.output)
    h5 = tmp_path / "converted.h5"
    p = subprocess.run([convert, str(npy), str(h5)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    before = client_tests._recorded(npy)
    with h5py.File(h5, "r") as f:
        streams = streams_of(f)
        for name, arrays in before.items():
            got = recorded_frames(streams[name])
            assert len(got) == len(arrays)
            for x, y in zip(got, arrays):
                np.testing.assert_array_equal(x, y.reshape(x.shape), err_msg=name)
    back = tmp_path / "back"
    p = subprocess.run([convert, str(h5), str(back)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    after = client_tests._recorded(back)
    assert set(after) == set(before)
    for name in before:
        for x, y in zip(before[name], after[name], strict=True):
            assert x.dtype == y.dtype and x.shape == y.shape, name
            np.testing.assert_array_equal(x, y, err_msg=name)
    p = subprocess.run([convert, str(h5), str(tmp_path / "again.h5")], capture_output=True,
                       text=True)
    assert p.returncode == 2 and "from a .npy recording directory to FILE.h5, or back" in p.stderr


def test_a_full_disk_stops_recording_says_so_and_keeps_every_frame_written(viewer_binary,
                                                                         tmp_path):
    path, stats = tmp_path / "full.h5", tmp_path / "stats.json"
    # A file size limit of 4 MiB (SIGXFSZ ignored: writes past it fail with EFBIG), as a disk
    # that fills up; 64x64 float32 frames (and their lines), past it within 300.
    p = subprocess.run(
        ["sh", "-c", 'trap "" XFSZ; ulimit -f 4096; exec "$@"', "sh", viewer_binary,
         "--headless", "--exit-when-done", "--producer",
         "sweep:iterations=300,interval=0.01,width=64,height=64,policy=wait", "--record",
         str(path), "--stats-json", str(stats)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr  # the viewer goes on
    record = json.load(open(stats))["record"]
    assert record["error"].endswith(": File too large; recording stopped"), record
    assert record["frames"] > 0
    # Past a size limit the file cannot be extended to where HDF5 expects it to end: the log
    # says how to repair it (on a disk that is full, the viewer extends it sparsely itself).
    assert f"h5clear --increment=0 {path} repairs it" in p.stderr
    subprocess.run(["h5clear", "--increment=0", str(path)], check=True, capture_output=True)
    with h5py.File(path, "r") as f:
        # Every frame up to the last flush before the disk filled, whole. A stream whose first
        # frame came after that flush is not in the file at all (a slow run, e.g. under TSan,
        # may record the line stream's first frame only then).
        entry = f["entry"]
        groups = [entry[k] for k in ("sweep_image", "sweep_line") if k in entry]
        assert groups, list(entry)
        assert 0 < sum(g["data"].shape[0] for g in groups) <= record["frames"]
        for g in groups:
            n = g["data"].shape[0]
            assert list(g["sequence"][:]) == list(range(n))
            assert g["t_ns"].shape[0] == n
            assert np.isfinite(g["data"][n - 1]).all()

"""CPU time per displayed frame (user + system of the whole process, from /proc/PID/stat) of
rtviewer against the tools people use to look at a camera, on a virtual X display of its own
(Xvfb), in interleaved rounds:

  aravis: rtviewer -p aravis:... against arv-viewer-0.8, both on Aravis' fake GigE Vision camera
          (arv-fake-gv-camera-0.8 -i 127.0.0.1) at 1024x1024 Mono16, 30 frames a second;
  gst:    rtviewer -p 'gst:pipeline="videotestsrc ! video/x-raw,format=RGB,width=1280,height=720"'
          against gst-launch-1.0 of the same pipeline into videoconvert ! ximagesink.

Each program runs its warm-up (WARMUP s), then is measured for SECONDS s: CPU ticks from /proc at
both ends. Frames displayed in that window: rtviewer's stream counter ('displayed' in
--stats-json) scaled to the window; arv-viewer shows no counter a script can read, so its frames are the camera's frames in the window
(30 a second: it displays every frame it receives, at best: its figure per frame is therefore
a lower bound); gst-launch's are videotestsrc's 30 a second less those ximagesink reported
dropping as late (its QoS messages). Frames lost on loopback: rtviewer's gaps + rejected (incomplete) frames.

Prints a table and one JSON line (medians over rounds, ratios rtviewer / baseline).
Usage: camera_cost.py VIEWER [--rounds N] [--seconds S] [--display :N]
Needs: Xvfb, xdotool, aravis-tools (arv-fake-gv-camera-0.8, arv-viewer-0.8), gstreamer1.0-tools.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CAMERA = "Aravis-Fake-GV01"
ARAVIS_SETTINGS = "pixel_format=Mono16,width=1024,height=1024,frame_rate=30"
GST_PIPELINE = "videotestsrc ! video/x-raw,format=RGB,width=1280,height=720"
HZ = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """User + system CPU seconds of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / HZ  # utime, stime (fields 14, 15)


class Lines:
    """A process's output lines, read on a thread; wait() for one containing a text."""

    def __init__(self, proc):
        self.lines, self.cond = [], threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc):
        for line in proc.stdout:
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()

    def wait(self, text, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while not any(text in l for l in self.lines):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def text(self):
        with self.cond:
            return "".join(self.lines)


def start(cmd, env):
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def rtviewer_round(viewer, spec, env, warmup, seconds, work):
    stats = Path(work) / "stats.json"
    stats.unlink(missing_ok=True)
    proc = start([viewer, "--size", "1280x800", "--stats-json", str(stats), "-p", spec], env)
    out = Lines(proc)
    if not out.wait("rtviewer: running on", 60):
        stop(proc)
        raise RuntimeError("rtviewer did not start:\n" + out.text())
    t_start = time.monotonic()
    time.sleep(warmup)  # the measurement's start, not a synchronisation
    c0, t0 = cpu_s(proc.pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_s(proc.pid), time.monotonic()
    stop(proc)  # SIGTERM: the viewer stops like a closed window and writes its statistics
    t_end = time.monotonic()
    s = json.loads(stats.read_text())["streams"][0]
    # The stream's frames displayed over the whole run, the window's share of them.
    displayed = s["displayed"] * (t1 - t0) / max(t_end - t_start, 1e-9)
    return {"cpu_s": c1 - c0, "frames": displayed, "lost": s["gaps"] + s["rejected"],
            "produced": s["produced"]}


def arv_viewer_round(env, warmup, seconds):
    proc = start(["arv-viewer-0.8"], env)
    deadline = time.monotonic() + 20
    while subprocess.run(["xdotool", "search", "--name", "Aravis Viewer"], env=env,
                         capture_output=True).returncode != 0:
        if time.monotonic() > deadline or proc.poll() is not None:
            stop(proc)
            raise RuntimeError("arv-viewer-0.8 showed no window")
        time.sleep(0.1)  # polling for its window
    time.sleep(1.5)  # its camera list is filled by a discovery of about a second
    # The camera's row (the second: Fake 1 is Aravis' in-process one), then the play button.
    subprocess.run(["xdotool", "mousemove", "160", "117", "click", "1"], env=env, check=True)
    time.sleep(1.0)
    subprocess.run(["xdotool", "mousemove", "78", "277", "click", "1"], env=env, check=True)
    time.sleep(warmup)
    c0, t0 = cpu_s(proc.pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_s(proc.pid), time.monotonic()
    stop(proc)
    return {"cpu_s": c1 - c0, "frames": 30.0 * (t1 - t0), "lost": None}


def gst_launch_round(env, warmup, seconds):
    # videotestsrc makes 30 frames a second and ximagesink shows them on the clock; a frame it
    # drops as late is reported in a QoS message (-m prints them: "dropped=(guint64)N").
    # ximagesink takes the X server's own layout (BGRx here), not RGB: videoconvert makes it,
    # as any program showing RGB frames in X must.
    proc = start(["gst-launch-1.0", "-m", *GST_PIPELINE.split(), "!", "videoconvert", "!",
                  "ximagesink"], env)
    out = Lines(proc)
    dropped = re.compile(r"dropped=\(guint64\)(\d+)")

    def drops():
        found = dropped.findall(out.text())
        return int(found[-1]) if found else 0

    if not out.wait("Setting pipeline to PLAYING", 30):
        stop(proc)
        raise RuntimeError("gst-launch-1.0 did not play:\n" + out.text())
    time.sleep(warmup)
    c0, d0, t0 = cpu_s(proc.pid), drops(), time.monotonic()
    time.sleep(seconds)
    c1, d1, t1 = cpu_s(proc.pid), drops(), time.monotonic()
    stop(proc)
    return {"cpu_s": c1 - c0, "frames": 30.0 * (t1 - t0) - (d1 - d0), "lost": None}


def per_frame(r):
    return r["cpu_s"] / r["frames"] * 1e3 if r["frames"] > 0 else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("viewer")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--display", default=":71")
    a = ap.parse_args()
    for tool in ("Xvfb", "xdotool", "arv-fake-gv-camera-0.8", "arv-viewer-0.8", "gst-launch-1.0"):
        if not shutil.which(tool):
            sys.exit(f"camera_cost.py: {tool} not found")
    work = tempfile.mkdtemp(prefix="rtv_camera_cost_")
    env = dict(os.environ, DISPLAY=a.display)
    env.pop("SDL_VIDEODRIVER", None)
    xvfb = start(["Xvfb", a.display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"], env)
    camera = None
    try:
        sock = Path("/tmp/.X11-unix") / ("X" + a.display.lstrip(":"))
        deadline = time.monotonic() + 20
        while not sock.exists():
            if time.monotonic() > deadline or xvfb.poll() is not None:
                raise RuntimeError("Xvfb did not start on " + a.display)
            time.sleep(0.05)  # polling for its socket
        camera = start(["arv-fake-gv-camera-0.8", "-i", "127.0.0.1"], env)
        # The camera keeps the registers the viewer sets: 1024x1024 Mono16 at 30 fps for both.
        subprocess.run([a.viewer, "--headless", "--exit-when-done", "-p",
                        f"aravis:camera={CAMERA},{ARAVIS_SETTINGS},frames=3"], env=env,
                       check=True, capture_output=True, timeout=60)
        cases = {
            "aravis": (lambda: rtviewer_round(a.viewer, f"aravis:camera={CAMERA},{ARAVIS_SETTINGS}",
                                              env, a.warmup, a.seconds, work),
                       lambda: arv_viewer_round(env, a.warmup, a.seconds)),
            "gst": (lambda: rtviewer_round(a.viewer, f'gst:pipeline="{GST_PIPELINE}"', env,
                                           a.warmup, a.seconds, work),
                    lambda: gst_launch_round(env, a.warmup, a.seconds)),
        }
        def has(element):
            return subprocess.run(["gst-inspect-1.0", element], capture_output=True).returncode == 0

        # Both baselines draw through GStreamer's video sinks: without one, gst-launch-1.0 cannot
        # run the pipeline and arv-viewer acquires but draws nothing (its CPU would be that of
        # receiving alone). Such a case then measures rtviewer alone.
        no_baseline = []
        if not has("ximagesink"):
            no_baseline.append("gst")
        if not (has("xvimagesink") or has("ximagesink") or has("gtksink")):
            no_baseline.append("aravis")
        for name in no_baseline:
            print(f"camera_cost.py: {name}: no baseline: no GStreamer X video sink is installed "
                  "(xvimagesink, ximagesink: package gstreamer1.0-x; gtksink: gstreamer1.0-gtk3)",
                  file=sys.stderr)
            cases[name] = (cases[name][0], None)
        rows = {k: {"rtviewer": [], "baseline": []} for k in cases}
        for n in range(a.rounds):  # interleaved: each round runs every program once
            for name, (ours, theirs) in cases.items():
                rows[name]["rtviewer"].append(ours())
                if theirs:
                    rows[name]["baseline"].append(theirs())
                base = per_frame(rows[name]["baseline"][-1]) if theirs else float("nan")
                print(f"round {n + 1} {name}: rtviewer {per_frame(rows[name]['rtviewer'][-1]):.2f}"
                      f" ms/frame, baseline {base:.2f} ms/frame", file=sys.stderr)
        result = {}
        for name, r in rows.items():
            ours = statistics.median(per_frame(x) for x in r["rtviewer"])
            theirs = (statistics.median(per_frame(x) for x in r["baseline"]) if r["baseline"]
                      else float("nan"))
            result[name] = {
                "rtviewer_cpu_ms_per_frame": round(ours, 3),
                "baseline_cpu_ms_per_frame": round(theirs, 3),
                "ratio": round(ours / theirs, 3),
                "rtviewer_fps": round(statistics.median(x["frames"] for x in r["rtviewer"])
                                      / a.seconds, 1),
                "baseline_fps": (round(statistics.median(x["frames"] for x in r["baseline"])
                                       / a.seconds, 1) if r["baseline"] else float("nan")),
                "rtviewer_cpu_per_s": round(statistics.median(x["cpu_s"] for x in r["rtviewer"])
                                            / a.seconds, 3),
                "rtviewer_frames_lost": sum(x["lost"] for x in r["rtviewer"]),
            }
        print(f"{'case':8} {'rtviewer ms/frame':>18} {'baseline ms/frame':>18} {'ratio':>6} "
              f"{'fps ours/theirs':>16} {'lost':>5}")
        for name, r in result.items():
            print(f"{name:8} {r['rtviewer_cpu_ms_per_frame']:18.2f} "
                  f"{r['baseline_cpu_ms_per_frame']:18.2f} {r['ratio']:6.2f} "
                  f"{r['rtviewer_fps']:7.1f}/{r['baseline_fps']:<8.1f} "
                  f"{r['rtviewer_frames_lost']:5d}")
        print(json.dumps({"rounds": a.rounds, "seconds": a.seconds, "cases": result}).replace(
            "NaN", "null"))
    finally:
        if camera:
            stop(camera)
        stop(xvfb)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

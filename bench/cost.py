"""The cost benchmark (issue 30): CPU time per displayed frame and display frames/s of rtviewer
against a pyqtgraph version of the same scene and the minimal loop, windowed under Xvfb with
Mesa llvmpipe (LIBGL_ALWAYS_SOFTWARE=1), interleaved in one run.

Configurations (each a process of its own in a WIDTHxHEIGHT window, default 960x620):
  rtviewer          the seed workload: --producer sweep:interval=auto,iterations=0 --no-vsync
                    (a 600x800 float32 image and a 200-point line, as fast as it goes; history
                    on, the default --history)
  rtviewer_always   the same with --redraw always (every pass drawn whole: the old way)
  rtviewer_nohist   the same with --history 0
  rtviewer_texture  the same with --image-draw texture (each frame uploaded whole and colormapped
                    by the shader, as on a GPU; the default on llvmpipe is screen resolution)
  pyqtgraph         bench/pyqtgraph_scene.py: ImageItem (viridis, fixed levels) over a
                    PlotDataItem, fed by the same sweep formula, frames counted in paintEvent
  minimal           the limit loop (rtv_bench --limit-window): the same image and line and a
                    small ImGui panel, nothing else
  demo60            the default windowed demo (rtviewer --size WxH: default producer, vsync
                    pacing at 60 Hz), in CPU % of a core
  demo60_always     the same with --redraw always (the old way: every frame drawn whole)

Each process prints a progress line with its frame count every 0.25 s; at each line this script
reads the process's user + system CPU time (/proc/PID/stat: every thread) and the X server's.
A configuration's figures come from the lines between WARMUP and WARMUP + WINDOW seconds of its
own clock (start-up skipped). Rounds run every configuration once, the order rotated each
round; the table shows medians with min..max over rounds, and ratios taken within each round
(figures seconds apart compare better than medians minutes apart on a noisy machine).

Usage:
  /usr/bin/python3 bench/cost.py --viewer build/bin/rtviewer --bench build/bin/rtv_bench \\
      [--rounds 5] [--warmup 6] [--window 4] [--size 960x620] [--json FILE] [--only a,b]
  --quick: one round of 0.5 s a configuration (the ctest smoke test): checks that every
  configuration produced numbers, no timing threshold.
Exit status: 0, 1 when a configuration produced no figures, 2 on a bad command line, 77 when
Xvfb or pyqtgraph/PyQt5/numpy is missing (the smoke test is then skipped)."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIGS = ["rtviewer", "rtviewer_always", "rtviewer_nohist", "rtviewer_texture", "pyqtgraph",
           "minimal", "demo60", "demo60_always"]
PROGRESS_S = 0.25
SEED = "sweep:interval=auto,iterations=0"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` (all its threads), or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime: fields 14 and 15


def command(name, args, seconds):
    size = args.size
    viewer = [args.viewer, "--size", size, "--progress", str(PROGRESS_S), "--duration",
              f"{seconds:.2f}"]
    if name == "rtviewer":
        return viewer + ["--no-vsync", "--producer", SEED]
    if name == "rtviewer_always":
        return viewer + ["--no-vsync", "--redraw", "always", "--producer", SEED]
    if name == "rtviewer_nohist":
        return viewer + ["--no-vsync", "--history", "0", "--producer", SEED]
    if name == "rtviewer_texture":
        return viewer + ["--no-vsync", "--image-draw", "texture", "--producer", SEED]
    if name == "demo60":
        return viewer
    if name == "demo60_always":
        return viewer + ["--redraw", "always"]
    if name == "pyqtgraph":
        return ["/usr/bin/python3", str(HERE / "pyqtgraph_scene.py"), "--size", size,
                "--seconds", f"{seconds:.2f}", "--progress", str(PROGRESS_S)]
    if name == "minimal":
        return [args.bench, "--limit-window", size, f"{seconds:.2f}"]
    raise ValueError(name)


def parse_progress(line):
    """(t, frames) from a line "...: progress t=T s frames=N ...", else None."""
    if ": progress t=" not in line:
        return None
    t = frames = None
    for word in line.split():
        if word.startswith("t="):
            t = float(word[2:])
        elif word.startswith("frames="):
            frames = int(word[7:])
    return None if t is None or frames is None else (t, frames)


def run_one(name, args, env, xvfb_pid, log_dir):
    """One configuration's process: its figures over the window, or an "error"."""
    seconds = args.warmup + args.window + 0.3
    argv = command(name, args, seconds)
    log_path = log_dir / f"{name}.log"
    samples = []  # (t of the process's clock, frames, cpu s, X server cpu s, wall s)
    log = []
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)

    def read():
        for line in proc.stdout:
            wall = time.monotonic()
            cpu, xcpu = cpu_seconds(proc.pid), cpu_seconds(xvfb_pid)
            log.append(line)
            p = parse_progress(line)
            if p and cpu is not None and xcpu is not None:
                samples.append((p[0], p[1], cpu, xcpu, wall))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        rc = proc.wait(timeout=seconds + 60)  # a hang guard: start-up on a busy machine is slow
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
        log.append(f"cost.py: killed after {seconds + 60:.0f} s\n")
    reader.join()
    log_path.write_text("".join(log))
    inside = [s for s in samples if args.warmup <= s[0] <= args.warmup + args.window + 0.3]
    if rc != 0 or len(inside) < 2 or inside[-1][1] <= inside[0][1]:
        return {"error": f"{name}: exit status {rc}, {len(inside)} progress lines in the window "
                         f"(see {log_path}): " + "".join(log[-3:]).strip()}
    (t0, f0, c0, x0, w0), (t1, f1, c1, x1, w1) = inside[0], inside[-1]
    frames, wall = f1 - f0, w1 - w0
    return {"fps": frames / wall, "cpu_ms_per_frame": 1e3 * (c1 - c0) / frames,
            "cpu_percent": 100.0 * (c1 - c0) / wall,
            "xserver_ms_per_frame": 1e3 * (x1 - x0) / frames,
            "frames": frames, "seconds": wall}


def start_xvfb(tmp):
    """Xvfb on a display it picks itself (-displayfd: the lock makes two runs pick apart),
    ready once it has written the number. Returns (process, ":N")."""
    out = tmp / "xvfb.txt"
    with open(out, "w") as f:
        proc = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24",
                                 "-nolisten", "tcp"], stdout=f, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        text = out.read_text()
        if text.endswith("\n") and text.strip().isdigit():
            return proc, ":" + text.strip()
        time.sleep(0.02)  # polling Xvfb's readiness file, with a deadline
    proc.kill()
    proc.wait()
    return None, None


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


RATIOS = [  # (name, numerator config, denominator config, figure)
    ("rtviewer / pyqtgraph, CPU ms per frame", "rtviewer", "pyqtgraph", "cpu_ms_per_frame"),
    ("rtviewer / pyqtgraph, frames/s", "rtviewer", "pyqtgraph", "fps"),
    ("rtviewer --redraw always / pyqtgraph, CPU ms per frame", "rtviewer_always", "pyqtgraph",
     "cpu_ms_per_frame"),
    ("rtviewer --redraw always / pyqtgraph, frames/s", "rtviewer_always", "pyqtgraph", "fps"),
    ("rtviewer / minimal loop, frames/s", "rtviewer", "minimal", "fps"),
    ("rtviewer / minimal loop, CPU ms per frame", "rtviewer", "minimal", "cpu_ms_per_frame"),
    ("history on / off (--history 0), CPU ms per frame", "rtviewer", "rtviewer_nohist",
     "cpu_ms_per_frame"),
    ("history on / off (--history 0), frames/s", "rtviewer", "rtviewer_nohist", "fps"),
    ("images at screen resolution / as textures, CPU ms per frame", "rtviewer",
     "rtviewer_texture", "cpu_ms_per_frame"),
    ("images at screen resolution / as textures, frames/s", "rtviewer", "rtviewer_texture",
     "fps"),
    ("60 Hz demo / drawn whole (--redraw always), CPU %", "demo60",
     "demo60_always", "cpu_percent"),
]
TARGETS = {  # issue 30's targets, shown beside the figures (benchmarks, not tests)
    "rtviewer / pyqtgraph, CPU ms per frame": "<= 0.6",
    "rtviewer / pyqtgraph, frames/s": ">= 1.8",
    "rtviewer / minimal loop, frames/s": ">= 0.9",
    "history on / off (--history 0), CPU ms per frame": "<= 1.05",
    "60 Hz demo / drawn whole (--redraw always), CPU %": "<= 0.5",
}


def main():
    parser = argparse.ArgumentParser(
        description="rtviewer's CPU per frame against pyqtgraph and the minimal loop, under "
                    "Xvfb + llvmpipe (issue 30)")
    parser.add_argument("--viewer", required=True, help="the rtviewer binary")
    parser.add_argument("--bench", required=True, help="the rtv_bench binary (the minimal loop)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--warmup", type=float, default=6.0,
                        help="seconds skipped at each process's start (default 6: rtviewer's "
                             "history ring is first filled then, at a cost of its own)")
    parser.add_argument("--window", type=float, default=4.0,
                        help="seconds measured after the warm-up (default 4)")
    parser.add_argument("--size", default="960x620", help="window size (default 960x620)")
    parser.add_argument("--only", default=",".join(CONFIGS),
                        help="comma-separated configurations (default: all): " + ", ".join(CONFIGS))
    parser.add_argument("--json", help="write the results to FILE")
    parser.add_argument("--quick", action="store_true",
                        help="one round, 0.25 s warm-up, 0.5 s window (the smoke test)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.warmup, args.window = 1, 0.25, 0.5
    configs = [c for c in args.only.split(",") if c]
    for c in configs:
        if c not in CONFIGS:
            parser.error(f"--only: unknown configuration '{c}', expected: {', '.join(CONFIGS)}")
    if args.rounds < 1 or args.window < 0.5 or args.warmup < 0:
        parser.error("--rounds must be >= 1, --window >= 0.5 and --warmup >= 0")
    if not shutil.which("Xvfb"):
        print("SKIPPED: Xvfb is not installed (bash scripts/deps.sh installs it)")
        return 77
    if "pyqtgraph" in configs and subprocess.run(
            ["/usr/bin/python3", "-c", "import pyqtgraph, PyQt5, numpy"],
            capture_output=True, env=dict(os.environ, PYQTGRAPH_QT_LIB="PyQt5")).returncode != 0:
        print("SKIPPED: python3-pyqtgraph, python3-pyqt5 or python3-numpy is missing "
              "(bash scripts/deps.sh installs them)")
        return 77
    tmp = Path(tempfile.mkdtemp(prefix="rtv_cost_"))
    os.chmod(tmp, 0o700)
    xvfb, display = start_xvfb(tmp)
    if not xvfb:
        print(f"cost.py: Xvfb did not start within 60 s", file=sys.stderr)
        return 1
    env = dict(os.environ, DISPLAY=display, LIBGL_ALWAYS_SOFTWARE="1", QT_QPA_PLATFORM="xcb",
               XDG_RUNTIME_DIR=str(tmp), PYQTGRAPH_QT_LIB="PyQt5")
    env.pop("SDL_VIDEODRIVER", None)  # a real window on the X server, never offscreen
    runs = {c: [] for c in configs}
    errors = []
    try:
        for r in range(args.rounds):
            order = configs[r % len(configs):] + configs[:r % len(configs)]
            for c in order:
                result = run_one(c, args, env, xvfb.pid, tmp)
                result["round"] = r
                runs[c].append(result)
                if "error" in result:
                    errors.append(result["error"])
                    print(f"cost.py: {result['error']}", file=sys.stderr)
                else:
                    print(f"cost.py: round {r + 1}/{args.rounds} {c}: {result['fps']:.1f} "
                          f"frames/s, {result['cpu_ms_per_frame']:.2f} ms CPU a frame, "
                          f"{result['cpu_percent']:.0f} % of a core", file=sys.stderr)
    finally:
        xvfb.terminate()
        xvfb.wait()
    results = {"size": args.size, "rounds": args.rounds, "warmup_s": args.warmup,
               "window_s": args.window, "configs": {}, "ratios": {}, "errors": errors}
    for c, rs in runs.items():
        good = [x for x in rs if "error" not in x]
        results["configs"][c] = {"runs": rs}
        if good:
            for key in ("fps", "cpu_ms_per_frame", "cpu_percent", "xserver_ms_per_frame"):
                results["configs"][c][key] = summary([x[key] for x in good])
    for name, a, b, key in RATIOS:
        if a not in runs or b not in runs:
            continue
        per_round = [x[key] / y[key] for x, y in zip(runs[a], runs[b])
                     if "error" not in x and "error" not in y and y[key] > 0]
        if per_round:
            results["ratios"][name] = summary(per_round) | {"target": TARGETS.get(name, "")}
    print(f"cost: {args.size} windowed under Xvfb + llvmpipe, {args.rounds} round(s) of "
          f"{args.window:g} s after {args.warmup:g} s (median, min..max over rounds)")
    print(f"{'configuration':<18}{'frames/s':>22}{'CPU ms/frame':>22}{'CPU % core':>20}"
          f"{'X server ms/frame':>22}")
    for c in configs:
        d = results["configs"][c]
        if "fps" not in d:
            print(f"{c:<18}  no figures")
            continue
        cells = [f"{d[k]['median']:.2f} ({d[k]['min']:.2f}..{d[k]['max']:.2f})"
                 for k in ("fps", "cpu_ms_per_frame", "cpu_percent", "xserver_ms_per_frame")]
        print(f"{c:<18}{cells[0]:>22}{cells[1]:>22}{cells[2]:>20}{cells[3]:>22}")
    print(f"{'ratio':<58}{'median (min..max)':>24}  target")
    for name, s in results["ratios"].items():
        cell = f"{s['median']:.2f} ({s['min']:.2f}..{s['max']:.2f})"
        print(f"{name:<58}{cell:>24}  {s['target']}")
    if "demo60" in results["configs"] and "cpu_percent" in results["configs"]["demo60"]:
        s = results["configs"]["demo60"]["cpu_percent"]
        print(f"{'default windowed demo at 60 Hz, CPU % of a core':<58}"
              f"{s['median']:>10.1f} ({s['min']:.1f}..{s['max']:.1f})")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if errors:
        print(f"cost.py: {len(errors)} run(s) produced no figures; logs in {tmp}", file=sys.stderr)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

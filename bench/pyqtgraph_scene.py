"""The seed scene in pyqtgraph, for bench/cost.py: VisPy's sweep (the formula of
producers/sweep.cpp) shown as an ImageItem with a viridis lookup table and fixed levels 0..1
over a PlotDataItem of the rolling 200-point line, in a WIDTHxHEIGHT window, as fast as it goes.

Frame n: in a 600x800 float32 image, column c = n % 800 and every column left of it hold the
ramp j / 800, every column right of it is refilled with uniform random values; the line shifts
left by one and its new last value is abs(sin(n / 1000 * 16 pi)). The next frame is made and
handed to pyqtgraph once the view has painted the last one (as rtviewer's interval=auto), so
every frame made is painted. Frames are counted in the view's paint event; a line
"pyqtgraph: progress t=T s frames=N" goes to stdout every PROGRESS seconds, and the window
closes SECONDS after its first paint.

Usage: /usr/bin/python3 bench/pyqtgraph_scene.py [--size 960x620] [--seconds 10] [--progress 0.5]
Needs python3-pyqtgraph, python3-pyqt5 and python3-numpy (Debian) and an X display."""

import argparse
import math
import os
import sys
import time

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PyQt5")  # Debian's python3-pyqt5 (PyQt6 may be there too)

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from pyqtgraph.Qt import QtCore, QtWidgets  # noqa: E402

W, H, POINTS, ITERATIONS = 800, 600, 200, 1000


class Sweep:
    """The sweep producer's data, frame by frame."""

    def __init__(self):
        self.rng = np.random.default_rng(1)
        self.ramp = np.arange(W, dtype=np.float32) / np.float32(W)
        self.image = np.empty((H, W), np.float32)
        self.line = self.rng.random(POINTS, dtype=np.float32)
        self.x = np.arange(POINTS, dtype=np.float32)
        self.n = 0

    def next(self):
        n = self.n
        self.n += 1
        self.line[:-1] = self.line[1:]
        self.line[-1] = abs(math.sin(n / ITERATIONS * 16.0 * math.pi))
        column = n % W
        self.image[:, :column + 1] = self.ramp[:column + 1]
        if column + 1 < W:
            self.image[:, column + 1:] = self.rng.random((H, W - column - 1), dtype=np.float32)
        return self.image, self.line


class View(pg.GraphicsLayoutWidget):
    """The window: counts its paint events and asks for the next frame after each."""

    def __init__(self, seconds, progress):
        super().__init__()
        self.seconds = seconds
        self.progress = progress
        self.sweep = Sweep()
        self.frames = 0
        self.t0 = None  # the clock starts at the first paint (rtviewer's at its loop's start)
        self.next_progress = progress
        self.pending = False
        image_plot = self.addPlot(row=0, col=0)
        image_plot.invertY(True)
        image_plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.image.setLevels((0.0, 1.0))
        image_plot.addItem(self.image)
        line_plot = self.addPlot(row=1, col=0)
        line_plot.setYRange(0.0, 1.0)
        line_plot.setXRange(0, POINTS - 1)
        self.curve = line_plot.plot(pen="k")
        self.ci.layout.setRowStretchFactor(0, 2)
        self.ci.layout.setRowStretchFactor(1, 1)
        self.setBackground("w")
        self.feed()

    def feed(self):
        self.pending = False
        image, line = self.sweep.next()
        self.image.setImage(image, autoLevels=False, levels=(0.0, 1.0))
        self.curve.setData(self.sweep.x, line)

    def paintEvent(self, event):
        super().paintEvent(event)
        if self.t0 is None:
            self.t0 = time.monotonic()
        self.frames += 1
        t = time.monotonic() - self.t0
        if t >= self.next_progress:
            print(f"pyqtgraph: progress t={t:.1f} s frames={self.frames}", flush=True)
            self.next_progress += self.progress
        if t >= self.seconds:
            print(f"pyqtgraph: done fps={self.frames / t:.1f}", flush=True)
            QtWidgets.QApplication.instance().quit()
            return
        if not self.pending:
            self.pending = True
            QtCore.QTimer.singleShot(0, self.feed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="960x620", help="window WIDTHxHEIGHT (default 960x620)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="close the window after SECONDS (default 10)")
    parser.add_argument("--progress", type=float, default=0.5,
                        help="seconds between progress lines (default 0.5)")
    args = parser.parse_args()
    try:
        width, height = (int(v) for v in args.size.split("x"))
    except ValueError:
        parser.error(f"--size: expected WIDTHxHEIGHT, got {args.size}")
    app = pg.mkQApp("rtviewer cost: pyqtgraph scene")
    view = View(args.seconds, args.progress)
    view.resize(width, height)
    view.show()
    return app.exec_() if hasattr(app, "exec_") else app.exec()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Plots rtv_bench's scaling results (JSON) as a PNG with matplotlib (Debian python3-matplotlib).

    python3 scripts/plot_bench.py bench/results/latest.json docs/bench-scaling.png

Three panels: image size, line length and producer count, each showing the pipeline's MB/s
beside memcpy's MB/s for the same block, both measured in the same run.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt  # noqa: E402


def metric(result, name):
    for key, value in result["metrics"].items():
        if key.split(" (")[0] == name:
            return value
    raise KeyError(name)


def main(src, dst):
    with open(src) as f:
        run = json.load(f)
    scaling = [r for r in run["results"] if r["bench"] == "scaling"]
    if not scaling:
        print("plot_bench: no scaling results in", src, "- nothing to plot")
        return 0
    groups = [
        ("image", "image side (pixels)", lambda r: int(r["case"].split()[1].split("x")[0])),
        ("line", "line length (points)", lambda r: int(r["case"].split()[1])),
        ("producers", "producers (600x800 each)", lambda r: int(r["case"].split()[0])),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, (kind, xlabel, x_of) in zip(axes, groups):
        rows = [r for r in scaling if (kind in r["case"])]
        rows.sort(key=x_of)
        xs = [x_of(r) for r in rows]
        ax.plot(xs, [metric(r, "pipeline") for r in rows], "o-", label="pipeline (MB/s)")
        ax.plot(xs, [metric(r, "memcpy") for r in rows], "s--", label="memcpy, same block (MB/s)")
        ax.set_xscale("log", base=10 if kind == "line" else 2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("MB/s")
        ax.grid(True, which="both", alpha=0.3)
        for x, r in zip(xs, rows):
            ax.annotate(f"{r['ratio']:.2f}x", (x, metric(r, "pipeline")), fontsize=8,
                        textcoords="offset points", xytext=(0, -12), ha="center")
        ax.legend(fontsize=8)
    machine = run["machine"]
    fig.suptitle(f"rtviewer pipeline scaling on {machine['cpu']} ({machine['cores']} cores); "
                 "labels: pipeline / memcpy")
    fig.tight_layout()
    fig.savefig(dst, dpi=100)
    print("plot_bench: wrote", dst)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))

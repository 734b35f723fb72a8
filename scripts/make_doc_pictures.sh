#!/usr/bin/env bash
# Remakes every picture the README and docs/ show, with the viewer itself, headless:
#
#     bash scripts/make_doc_pictures.sh [VIEWER] [NAME...]
#
# VIEWER defaults to build/bin/rtviewer; NAMEs remake only those, of: screenshot command-line
# layout-2x2 timeline producers formats feeding replay statistics architecture benchmarks install
# building plugins.
# Run it from anywhere (it works in the repository root) after the GUI changed, then look at
# each picture before committing it. Each picture's caption in docs/ shows the command below
# that made it, with `rtviewer` for the binary. Sizes are kept modest (--size) so that each PNG
# stays well under 500 KB. docs/bench-scaling.png is not made here: scripts/bench.sh plots it
# from a benchmark run (scripts/plot_bench.py).
# Needs python3 with numpy and pyzmq for the `feeding` picture (bash scripts/deps.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
viewer=$root/build/bin/rtviewer
if [ $# -gt 0 ] && { [ -e "$1" ] || [[ "$1" == */* ]]; }; then
    viewer=$(realpath -m "$1")
    shift
fi
[ -x "$viewer" ] || { echo "make_doc_pictures: no viewer at $viewer (build it first)" >&2; exit 1; }
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SDL_VIDEODRIVER=offscreen

rtviewer() { "$viewer" "$@" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; return 1; }; }
names=(screenshot command-line layout-2x2 timeline producers formats feeding replay statistics
    architecture benchmarks install building plugins)
only=("$@")
for name in "${only[@]}"; do
    if [[ " ${names[*]} " != *" $name "* ]]; then
        echo "make_doc_pictures: no picture '$name', expected one of: ${names[*]}" >&2
        exit 2
    fi
done
wanted() { [ ${#only[@]} -eq 0 ] || [[ " ${only[*]} " == *" $1 "* ]]; }

# README.md: the front picture.
if wanted screenshot; then
    rtviewer --headless --frames 120 --layout examples/layout-profile.json --producer blobs \
        --producer sensor --screenshot docs/screenshot.png
fi
# docs/command-line.md
if wanted command-line; then
    rtviewer --headless --frames 90 --size 1100x700 --producer blobs:blobs=12 \
        --producer waves:lines=20 --colormap turbo --contrast percentile:2:98 --line-color red \
        --screenshot docs/command-line.png
fi
# docs/views-and-layouts.md
if wanted layout-2x2; then
    rtviewer --headless --frames 90 --size 1100x700 --layout examples/layout-2x2.json \
        --producer sweep --producer blobs --producer sensor --screenshot docs/layout-2x2.png
fi
# docs/timeline.md: the moment 2 s before the end, as --history-export writes it.
if wanted timeline; then
    rtviewer --headless --frames 240 --size 1100x700 --producer camera --producer sensor \
        --history-export 2 "$tmp/moment"
    cp "$tmp/moment/screenshot.png" docs/timeline.png
fi
# docs/producers.md
if wanted producers; then
    rtviewer --headless --frames 120 --size 1280x800 --layout auto --producer sweep \
        --producer waves --producer blobs --producer camera --producer transparency \
        --producer sensor --screenshot docs/producers.png
fi
# docs/pixel-formats.md
if wanted formats; then
    rtviewer --headless --frames 100 --size 1600x640 --layout examples/layout-formats.json \
        --producer transparency --producer camera --screenshot docs/formats.png
fi
# docs/feeding.md: examples/publish.py feeding a viewer that listens on a private endpoint.
if wanted feeding; then
    endpoint="ipc://$tmp/rtv.sock"
    rtviewer --headless --frames 240 --size 1100x700 --layout auto \
        --producer "zmq:bind=$endpoint" --screenshot docs/feeding.png &
    pid=$!
    /usr/bin/python3 examples/publish.py --connect "$endpoint" --frames 1000 >/dev/null &
    publisher=$!
    wait "$pid"
    kill "$publisher" 2>/dev/null || true
    wait "$publisher" 2>/dev/null || true
fi
# docs/recording-and-replay.md: record 2 s, then play the recording back.
if wanted replay; then
    rtviewer --headless --frames 120 --producer camera --producer waves --record "$tmp/run1"
    rtviewer --headless --frames 150 --size 1100x700 --producer "replay:path=$tmp/run1,loop=1" \
        --screenshot docs/replay.png
fi
# docs/statistics.md
if wanted statistics; then
    rtviewer --headless --frames 180 --size 1100x900 --producer camera:slots=2,interval=0.002 \
        --producer sensor --contrast percentile --stats-json "$tmp/stats.json" --screenshot docs/statistics.png
fi
# docs/architecture.md: a producer that takes 2 s per frame beside one at 60 Hz.
if wanted architecture; then
    rtviewer --headless --frames 300 --size 1100x700 --producer blobs \
        --producer waves:latency=2 --screenshot docs/architecture.png
fi
# docs/benchmarks.md: the end-to-end benchmark's workload and window size.
if wanted benchmarks; then
    rtviewer --headless --no-vsync --size 960x620 --frames 300 \
        --producer sweep:interval=auto,iterations=0 --screenshot docs/benchmarks.png
fi
# docs/install.md: the installed viewer's headless demo (what the install test runs).
if wanted install; then
    rtviewer --headless --frames 60 --size 960x600 --screenshot docs/install.png
fi
# docs/building-and-testing.md: a producer made to fail, as the tests do.
if wanted building; then
    rtviewer --headless --frames 200 --size 1100x700 --producer camera:fail_after=100 \
        --producer waves --screenshot docs/building-and-testing.png
fi
# docs/plugins.md: the example plugins (build/lib/rtviewer/plugins) beside a built-in producer.
if wanted plugins; then
    rtviewer --headless --frames 90 --layout auto --producer testcard:pattern=bars \
        --producer misbehave --producer sweep --screenshot docs/plugins.png
fi
ls -l docs/*.png

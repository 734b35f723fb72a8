#!/usr/bin/env bash
# The benchmarks: install what is missing (and python3-matplotlib for the plot), build (release),
# run every benchmark (about 4 minutes), write the JSON and plot the scaling results.
#   bash scripts/bench.sh [rtv_bench arguments, e.g. --quick or --only e2e]
# Output: bench/results/latest.json, a table on stdout, docs/bench-scaling.png.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/deps.sh" python3-matplotlib
cmake --preset release -S "$root" >/dev/null
cmake --build "$root/build" --target rtv_bench rtviewer
mkdir -p "$root/bench/results"
json="$root/bench/results/latest.json"
status=0
SDL_VIDEODRIVER=offscreen "$root/build/bin/rtv_bench" --json "$json" "$@" || status=$?
# Debian's interpreter, which has the Debian packages (a pyenv python3 may shadow it on PATH)
/usr/bin/python3 "$root/scripts/plot_bench.py" "$json" "$root/docs/bench-scaling.png"
exit $status

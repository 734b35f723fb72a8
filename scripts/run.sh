#!/usr/bin/env bash
# README command 1: install what is missing, build (release), run the viewer.
# With a display it opens a window; without one it runs a short headless demo that writes
# rtviewer-demo.png and rtviewer-demo.json and prints the stats. Extra arguments go to rtviewer.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/deps.sh"
cmake --preset release -S "$root" >/dev/null
cmake --build "$root/build" --target rtviewer
viewer="$root/build/bin/rtviewer"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    exec "$viewer" "$@"
fi
echo "rtviewer: no display found, running the headless demo"
"$viewer" --headless --frames 120 --screenshot rtviewer-demo.png --stats-json rtviewer-demo.json "$@"
echo "rtviewer: wrote $(pwd)/rtviewer-demo.png and $(pwd)/rtviewer-demo.json"

#!/usr/bin/env bash
# The README's test command N times in a row (default 5) while stress-ng loads every core: no
# gating test may depend on how fast a busy machine is. Prints one line per run and exits 1 if
# any failed; each run's output is in ${TMPDIR:-/tmp}/rtviewer-test-under-load-K.log.
#     bash scripts/test-under-load.sh [N]
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-5}
"$root/scripts/deps.sh" || exit 1
stress-ng --cpu "$(nproc)" --timeout 0 >/dev/null 2>&1 &
stress=$!
trap 'kill "$stress" 2>/dev/null; wait "$stress" 2>/dev/null' EXIT
failed=0
for ((k = 1; k <= runs; ++k)); do
    log="${TMPDIR:-/tmp}/rtviewer-test-under-load-$k.log"
    start=$(date +%s)
    if bash "$root/scripts/test.sh" >"$log" 2>&1; then result=passed; else result=FAILED; failed=1; fi
    echo "test-under-load: run $k of $runs $result in $(($(date +%s) - start)) s ($log)"
done
exit "$failed"

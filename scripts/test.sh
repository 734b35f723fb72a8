#!/usr/bin/env bash
# README command 2: install what is missing, then build and run every test:
#   1. release build, whole suite (ctest);
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build, whole suite (LeakSanitizer with the
#      options and the few suppressions tests/lsan.supp explains);
#   3. ThreadSanitizer build, every test that runs threads (labels core, producers, app, alloc,
#      plugins: the pipeline, the producers, the end-to-end runs of the viewer with ZeroMQ,
#      replay and the recorder, producer plugins), with the few suppressions tests/tsan.supp
#      explains (Mesa's and libzmq's own threads);
#   4. libFuzzer (clang, ASan + UBSan) on the .npy parser and zmq decoder for 20 seconds.
# RTV_TEST_ONLY=release|asan|tsan|fuzz runs one of them. Warnings are errors.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/deps.sh"
jobs=$(nproc)

run_preset() { # preset, ctest jobs, ctest arguments...
    local preset=$1 test_jobs=$2 dir
    shift 2
    dir="$root/build-$preset"
    [ "$preset" = release ] && dir="$root/build"
    echo "=== rtviewer tests: $preset"
    cmake --preset "$preset" -S "$root" -DRTV_WERROR=ON >/dev/null
    cmake --build "$dir" -j "$jobs"
    ctest --test-dir "$dir" --output-on-failure -j "$test_jobs" "$@"
}

only=${RTV_TEST_ONLY:-all}
# ctest -j: one test more than cores in the release and TSan runs, whose end-to-end tests spend
# part of their time waiting on the processes they start (one a core left a quarter of the CPU
# idle; one more: release tests 165 -> 142 s, TSan 301 -> 277 and 262 s). ASan's tests are
# slowed by it (289 -> 304 and 328 s): they are bound by page faults and memory, so one a core.
[[ $only == all || $only == release ]] && run_preset release "$((jobs + 1))"
[[ $only == all || $only == asan ]] &&
    LSAN_OPTIONS="use_tls=0 print_suppressions=0 suppressions=$root/tests/lsan.supp" run_preset asan "$jobs"
[[ $only == all || $only == tsan ]] &&
    TSAN_OPTIONS="suppressions=$root/tests/tsan.supp ignore_noninstrumented_modules=1" run_preset tsan "$((jobs + 1))" -L 'core|producers|app|alloc|plugins'

if [[ $only == all || $only == fuzz ]]; then
    echo "=== rtviewer tests: fuzz"
    bash "$root/scripts/fuzz.sh" 20
fi
echo "=== rtviewer tests: all passed"

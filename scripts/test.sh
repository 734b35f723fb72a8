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

run_preset() { # preset, ctest arguments...
    local preset=$1 dir
    shift
    dir="$root/build-$preset"
    [ "$preset" = release ] && dir="$root/build"
    echo "=== rtviewer tests: $preset"
    cmake --preset "$preset" -S "$root" -DRTV_WERROR=ON >/dev/null
    cmake --build "$dir" -j "$jobs"
    # One test more than cores: the end-to-end tests spend part of their time waiting on the
    # processes they start (the release phase left a quarter of the CPU idle at one a core).
    ctest --test-dir "$dir" --output-on-failure -j "$((jobs + 1))" "$@"
}

only=${RTV_TEST_ONLY:-all}
[[ $only == all || $only == release ]] && run_preset release
[[ $only == all || $only == asan ]] &&
    LSAN_OPTIONS="use_tls=0 print_suppressions=0 suppressions=$root/tests/lsan.supp" run_preset asan
[[ $only == all || $only == tsan ]] &&
    TSAN_OPTIONS="suppressions=$root/tests/tsan.supp ignore_noninstrumented_modules=1" run_preset tsan -L 'core|producers|app|alloc|plugins'

if [[ $only == all || $only == fuzz ]]; then
    echo "=== rtviewer tests: fuzz"
    bash "$root/scripts/fuzz.sh" 20
fi
echo "=== rtviewer tests: all passed"

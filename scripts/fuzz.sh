#!/usr/bin/env bash
# Fuzzes the .npy parser and the zmq message decoder with libFuzzer (clang, ASan + UBSan).
#   bash scripts/fuzz.sh [SECONDS]      (default 60; .ci/run uses a short run)
# Starts from tests/fuzz/corpus; new inputs that reach new code go to build-fuzz/corpus (copy
# the interesting ones into tests/fuzz/corpus so that ctest replays them). A crash leaves its
# input in build-fuzz/ and fails the script.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-60}
"$root/scripts/deps.sh"
CC=clang CXX=clang++ cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DRTV_BUILD_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build-fuzz" --target rtv_npy_fuzz
mkdir -p "$root/build-fuzz/corpus"
cd "$root/build-fuzz"
./bin/rtv_npy_fuzz -max_total_time="$seconds" -max_len=4096 -timeout=5 \
    -print_final_stats=1 corpus "$root/tests/fuzz/corpus"

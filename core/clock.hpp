#pragma once
// The one clock of the pipeline: steady, in nanoseconds (submit stamps, latencies, rates). It is
// also the wire header's send time: libstdc++'s steady_clock on Linux is CLOCK_MONOTONIC, the
// clock the format names (Python's time.monotonic_ns()), shared by processes of one boot.

#include <chrono>
#include <cstdint>

namespace rtv {

using Clock = std::chrono::steady_clock;

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

} // namespace rtv

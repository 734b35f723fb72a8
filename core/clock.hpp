#pragma once
// The one clock of the pipeline: steady, in nanoseconds (submit stamps, latencies, rates).

#include <chrono>
#include <cstdint>

namespace rtv {

using Clock = std::chrono::steady_clock;

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

} // namespace rtv

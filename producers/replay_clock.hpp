#pragma once
// When each frame of a recording is due as it plays again (the replay and hdf5 producers): at
// its recorded time after the first frame's, counted from the start of the pass; or, while the
// panel's interval is set (> 0), that interval after the previous frame was due; or, for a
// stream recorded without times and no interval set, as soon as the display took the last
// frame. A change of the interval wakes the wait, and the frame's due time is counted again.
// Thread: the producer's own. Allocates: never.

#include <chrono>
#include <cstdint>

#include "core/clock.hpp"
#include "core/frame_sink.hpp"

namespace rtv::producers {

class ReplayClock {
public:
    // A pass begins now; `first_ns` is the recorded time of its first frame.
    void restart(std::int64_t first_ns) {
        m_start = Clock::now();
        m_previous = m_start;
        m_first_ns = first_ns;
        m_first = true;
    }

    // Waits until the frame recorded at `t_ns` is due: false when the producer was stopped.
    bool wait(FrameSink& sink, std::int64_t t_ns, bool timed = true) {
        using Seconds = std::chrono::duration<double>;
        for (;;) {
            // Read before the interval: a live change made from here on ends the wait below.
            const std::uint64_t seen = sink.wake_generation();
            const double interval = sink.control().interval_s.load(std::memory_order_relaxed);
            if (interval <= 0.0 && !timed) { // auto: when the display took the last
                if (!sink.wait_until_taken()) return false;
                m_previous = Clock::now();
                break;
            }
            const Clock::time_point due =
                interval > 0.0
                    ? (m_first ? m_start
                               : m_previous +
                                     std::chrono::duration_cast<Clock::duration>(Seconds(interval)))
                    : m_start + std::chrono::duration_cast<Clock::duration>(
                                    Seconds(double(t_ns - m_first_ns) * 1e-9));
            if (Clock::now() >= due) {
                m_previous = due;
                break;
            }
            if (!sink.wait_until(due, seen)) return false;
        }
        m_first = false;
        return true;
    }

private:
    Clock::time_point m_start{}, m_previous{};
    std::int64_t m_first_ns = 0;
    bool m_first = true;
};

} // namespace rtv::producers

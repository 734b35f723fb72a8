#include "core/producer.hpp"

#include <stdexcept>
#include <string>

#include "core/clock.hpp"
#include "core/frame_pool.hpp"
#include "core/frame_sink.hpp"
#include "core/pixel_format.hpp"
#include "core/random.hpp"

namespace rtv {

namespace {

constexpr std::uint32_t kMaxImageSide = 16384;
constexpr std::uint32_t kMaxLines = 4096;
constexpr std::uint32_t kMaxPointsPerLine = 16'000'000;
constexpr std::size_t kMaxPointsPerFrame = 16'000'000;
constexpr std::size_t kMaxPoolBytes = std::size_t{2} << 30; // 2 GiB per stream

std::string range_error(const StreamRequest& r, const char* what, std::uint64_t got,
                        std::uint64_t lo, std::uint64_t hi) {
    return r.name + ": " + what + " is out of range, got " + std::to_string(got) + ", expected " +
           std::to_string(lo) + ".." + std::to_string(hi);
}

} // namespace

Status validate(const StreamRequest& r) {
    if (r.name.empty()) return Status::error("stream: name is empty, expected a name");
    if (r.slots < 1 || r.slots > FramePool::kMaxSlots)
        return Status::error(range_error(r, "slots", r.slots, 1, FramePool::kMaxSlots));
    std::size_t slot_bytes = 0;
    if (r.kind == FrameKind::Image) {
        if (r.mode != StreamMode::Replace)
            return Status::error(r.name +
                                 ": append mode needs a lines stream, got an image stream");
        if (r.image.width < 1 || r.image.width > kMaxImageSide)
            return Status::error(range_error(r, "width", r.image.width, 1, kMaxImageSide));
        if (r.image.height < 1 || r.image.height > kMaxImageSide)
            return Status::error(range_error(r, "height", r.image.height, 1, kMaxImageSide));
        if (!format_supported(r.image.format))
            return Status::error(r.name + ": pixel format of " +
                                 std::to_string(r.image.format.channels) + " channel(s) of " +
                                 std::string(sample_name(r.image.format.sample)) +
                                 " is not supported, expected one of " + format_list());
        slot_bytes = r.image.byte_size();
    } else {
        if (r.lines.max_lines < 1 || r.lines.max_lines > kMaxLines)
            return Status::error(range_error(r, "lines", r.lines.max_lines, 1, kMaxLines));
        if (r.lines.max_points < 1 || r.lines.max_points > kMaxPointsPerLine)
            return Status::error(
                range_error(r, "points", r.lines.max_points, 1, kMaxPointsPerLine));
        if (r.lines.point_capacity() > kMaxPointsPerFrame)
            return Status::error(
                range_error(r, "lines x points", r.lines.point_capacity(), 1, kMaxPointsPerFrame));
        if (r.mode == StreamMode::Append && (r.history < 1 || r.history > kMaxPointsPerLine))
            return Status::error(range_error(r, "history", r.history, 1, kMaxPointsPerLine));
        slot_bytes = r.lines.point_capacity() * sizeof(LinePoint);
    }
    const std::size_t bytes = slot_bytes * r.slots;
    if (bytes > kMaxPoolBytes)
        return Status::error(r.name + ": pool is too large, got " + std::to_string(bytes >> 20) +
                             " MiB, expected at most " + std::to_string(kMaxPoolBytes >> 20) +
                             " MiB (fewer slots or a smaller frame)");
    return Status::ok();
}

// The default schedule: per tick, simulated work (latency + jitter), then tick(), then wait for
// the next interval. With interval 0 ("auto") the pool paces the producer: after a tick that
// found a pool empty it waits for a slot instead of spinning. Every wait is stop-aware.
void Producer::run(std::stop_token stop, FrameSink& sink) {
    const Schedule& schedule = sink.schedule();
    const ScheduleControl& control = sink.control();
    SplitMix64 jitter_rng(schedule.seed ^ 0x6A09E667F3BCC909ull);
    auto base = Clock::now(); // when the current interval started
    for (std::uint64_t n = 0; !stop.stop_requested(); ++n) {
        if (schedule.iterations != 0 && n >= schedule.iterations) return;
        if (schedule.fail_after != 0 && n >= schedule.fail_after)
            throw std::runtime_error("simulated failure after " + std::to_string(n) +
                                     " frames (fail_after)");
        std::uint64_t seen = sink.wake_generation(); // before the controls: see wait_until
        const double work = control.latency_s.load(std::memory_order_relaxed) +
                            control.jitter_s.load(std::memory_order_relaxed) * jitter_rng.uniform();
        if (work > 0.0 && !sink.sleep_for(work, seen)) return;

        sink.clear_starved();
        sink.set_busy_since(now_ns()); // a tick that never returns shows (busy_since_ns)
        tick(sink, n);
        sink.set_busy_since(0);

        // Wait out the interval. A live control change wakes the wait, and the deadline is
        // computed again from the new interval (so 600 s -> 1 ms takes effect at once).
        for (;;) {
            seen = sink.wake_generation(); // a change from here on ends the wait below
            const double interval = control.interval_s.load(std::memory_order_relaxed);
            if (interval <= 0.0) {
                // auto: the next frame once the display has taken this one (paced by the
                // display, as VisPy's timer on the GUI thread is); and a slot to make it in.
                if (!sink.wait_until_taken()) return;
                if (sink.starved() && !sink.wait_for_slot()) return;
                base = Clock::now();
                break;
            }
            const auto period = std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(interval));
            const auto deadline = base + period;
            const auto now = Clock::now();
            if (now >= deadline) {
                base = now - deadline < period ? deadline : now; // far behind: no burst to catch up
                break;
            }
            if (!sink.wait_until(deadline, seen)) return;
        }
    }
}

} // namespace rtv

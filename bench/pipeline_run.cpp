#include "bench/pipeline_run.hpp"

#include <algorithm>
#include <cstring>
#include <thread>

#include <malloc.h>

#include "bench/harness.hpp"
#include "core/frame_router.hpp"
#include "core/frame_sink.hpp"
#include "core/producer_host.hpp"
#include "producers/registry.hpp"

namespace rtv::bench {

namespace {

class CopyProducer final : public Producer {
public:
    CopyProducer(std::uint32_t width, std::uint32_t height, PixelFormat format)
        : m_width(width)
        , m_height(height)
        , m_format(format)
        , m_source(height == 0 ? std::size_t{width} * sizeof(LinePoint)
                               : ImageDesc{width, height, format}.byte_size()) {
        // A ramp of sample values (whatever the type: the bytes are copied, never converted).
        if (format.sample == SampleType::F32 || height == 0) {
            std::vector<float> v(m_source.size() / 4);
            for (std::size_t i = 0; i < v.size(); ++i)
                v[i] = float(i % 1000) * 0.001f;
            std::memcpy(m_source.data(), v.data(), m_source.size());
        } else {
            for (std::size_t i = 0; i < m_source.size(); ++i)
                m_source[i] = std::byte(i * 7 % 251);
        }
    }
    ProducerInfo info() const override { return {"copy", "copies a prepared frame"}; }
    Status configure(const ProducerConfig&) override { return Status::ok(); }
    std::vector<StreamRequest> streams() const override {
        StreamRequest r;
        if (m_height == 0) {
            r.name = "copy/line";
            r.kind = FrameKind::Lines;
            r.lines = {1, m_width};
        } else {
            r.name = "copy/image";
            r.image = {m_width, m_height, m_format};
        }
        return {r};
    }
    void tick(FrameSink& sink, std::uint64_t) override {
        FrameLease lease = sink.acquire(0);
        if (!lease) return;
        void* dst = m_height == 0 ? static_cast<void*>(lease.points().data())
                                  : static_cast<void*>(lease.bytes().data());
        std::memcpy(dst, m_source.data(), m_source.size());
        sink.submit(std::move(lease));
    }

private:
    std::uint32_t m_width, m_height;
    PixelFormat m_format;
    std::vector<std::byte> m_source;
};

} // namespace

std::unique_ptr<Producer> make_copy_producer(std::uint32_t width, std::uint32_t height,
                                             PixelFormat format) {
    return std::make_unique<CopyProducer>(width, height, format);
}

PipelineStats run_pipeline(const std::vector<std::string>& specs, double seconds,
                           double consumer_period_s, std::size_t streams) {
    std::vector<Started> started;
    for (const std::string& spec : specs) {
        producers::CreatedProducer made;
        if (Status s = producers::create(spec, made); !s) {
            PipelineStats out;
            out.error = s.message();
            return out;
        }
        started.push_back({std::move(made.producer), made.schedule});
    }
    return run_pipeline(std::move(started), seconds, consumer_period_s, streams);
}

PipelineStats run_pipeline(std::vector<Started> producers, double seconds, double consumer_period_s,
                           std::size_t streams) {
    PipelineStats out;
    FrameQueue queue = make_frame_queue();
    ProducerHost host(queue);
    FrameRouter router(queue, host);
    for (std::size_t i = 0; i < producers.size(); ++i) {
        const std::string name =
            std::string(producers[i].producer->info().name) + "#" + std::to_string(i + 1);
        if (Status s = host.start(name, std::move(producers[i].producer), producers[i].schedule);
            !s) {
            out.error = s.message();
            return out;
        }
    }
    double bytes = 0.0;
    std::uint64_t consumed = 0;
    const auto noop_upload = [&](const FrameView& f) {
        ++consumed;
        bytes += f.kind == FrameKind::Image ? double(f.pixels.size_bytes())
                                            : double(f.line_points.size_bytes());
        return Status::ok();
    };
    auto next = Clock::now();
    // `waiting`: before the window, nothing is measured; an idle consumer sleeps instead of
    // spinning on a core that a producer (or another process) still starting needs.
    const auto consume = [&](bool waiting) {
        const std::size_t n = router.drain();
        router.deliver(noop_upload);
        if (consumer_period_s > 0.0) {
            next += std::chrono::duration_cast<Clock::duration>(
                std::chrono::duration<double>(consumer_period_s));
            std::this_thread::sleep_until(next); // a slow consumer (a benchmark may sleep)
        } else if (n == 0 && waiting) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        } else if (n == 0) {
            std::this_thread::yield();
        }
    };
    // Network producers open their streams when the first message arrives: `streams` says how
    // many carry frames; 0: those the producers declared.
    const std::size_t expected = streams > 0 ? streams : host.stream_count();
    // `expected` streams have shown a frame since `before` (their counts then; empty: since the
    // start). Reads atomics only: allocates nothing.
    const auto streams_shown = [&](const std::vector<StatsSnapshot>& before) {
        std::size_t shown = 0;
        for (std::size_t id = 0; id < host.stream_count(); ++id) {
            const std::uint64_t then = id < before.size() ? before[id].displayed : 0;
            shown += host.stream(std::uint16_t(id)).stats().read_counts().displayed > then;
        }
        return shown >= std::max<std::size_t>(expected, 1);
    };
    // A failed producer: its message (waiting longer would not help). Empty: none. Allocates:
    // on failure only.
    const auto failure = [&]() -> std::string {
        std::string why;
        for (std::size_t p = 0; p < host.producer_count(); ++p)
            if (host.producer_status(p).state() == ProducerState::Failed) {
                host.producer_status(p).message(why);
                return "producer " + std::to_string(p + 1) + " failed: " + why;
            }
        return {};
    };
    // What the streams got so far, for a hang's message.
    const auto so_far = [&] {
        std::string text = std::to_string(host.stream_count()) + " streams open";
        for (std::size_t id = 0; id < host.stream_count(); ++id) {
            const StreamStats& st = host.stream(std::uint16_t(id)).stats();
            const StatsSnapshot n = st.read_counts();
            text += "; stream " + std::to_string(id) + ": " + std::to_string(n.produced) +
                    " produced, " + std::to_string(n.displayed) + " shown";
            if (std::string why; st.last_error(why)) text += ", last error: " + why;
        }
        return text;
    };
    // Freed heap memory of earlier benchmarks in this process (glibc keeps it resident) would
    // count in this run's peak wherever its pools land: give it back first.
    ::malloc_trim(0);
    reset_peak_rss();
    // Readiness: the window opens on the first frame of every stream, not at a fixed time, so
    // that a producer slow to start (another process, on a busy machine) still gets measured.
    const std::vector<StatsSnapshot> none;
    const auto ready0 = Clock::now();
    while (!streams_shown(none)) {
        if (out.error = failure(); !out.error.empty()) break;
        if (seconds_since(ready0) > kHangGuardS) {
            out.error = "no frame reached the consumer within " + std::to_string(int(kHangGuardS)) +
                        " s of the producers' start (" + so_far() + ")";
            break;
        }
        consume(true);
    }
    std::vector<StatsSnapshot> at_start(host.stream_count());
    for (std::size_t id = 0; id < at_start.size(); ++id)
        at_start[id] = host.stream(std::uint16_t(id)).stats().read_counts();
    consumed = 0;
    bytes = 0.0;
    const auto t0 = Clock::now();
    next = t0;
    std::uint64_t allocations_at_half = allocations();
    bool half = false;
    while (out.error.empty()) {
        const double t = seconds_since(t0);
        // The window closes after `seconds` and a frame of every stream in it.
        if (t >= seconds && streams_shown(at_start)) break;
        if (t >= seconds && (out.error = failure(), !out.error.empty())) break;
        if (t >= seconds + kHangGuardS) {
            out.error = "no frame reached the consumer in " + std::to_string(int(kHangGuardS)) +
                        " s of the measured window (" + so_far() + ")";
            break;
        }
        if (!half && t >= seconds / 2) {
            half = true;
            allocations_at_half = allocations();
        }
        consume(false);
    }
    out.steady_allocations = allocations() - allocations_at_half;
    out.seconds = seconds_since(t0);
    out.peak_rss_kb = peak_rss_kb();
    host.stop_all();
    while (router.drain() != 0) {
    }
    router.deliver(noop_upload); // the window's last frames: counted, as its first were
    router.release_all();
    for (std::size_t id = 0; id < host.stream_count(); ++id) {
        const StatsSnapshot s = host.stream(std::uint16_t(id)).stats().read();
        const StatsSnapshot then = id < at_start.size() ? at_start[id] : StatsSnapshot{};
        out.produced += double(s.produced - then.produced);
        out.generated += double((s.produced - s.dropped()) - (then.produced - then.dropped()));
        if (s.displayed + s.superseded + s.dropped() + s.rejected != s.produced ||
            s.in_flight() != 0)
            out.error = "stream " + std::to_string(id) + ": frames unaccounted for";
        if (id == 0) {
            out.latency_p50_ms = double(s.latency_p50_ns) * 1e-6;
            out.latency_p99_ms = double(s.latency_p99_ns) * 1e-6;
        }
    }
    out.consumed = double(consumed);
    out.bytes_consumed = bytes;
    return out;
}

} // namespace rtv::bench

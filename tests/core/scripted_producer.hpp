#pragma once
// Test producers for the core suite: the streams they declare and what each tick does are given
// by the test, so that router and host behaviour can be checked frame by frame.

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "core/frame_router.hpp"
#include "core/frame_sink.hpp"
#include "core/producer.hpp"
#include "core/producer_host.hpp"

namespace rtv::test {

class ScriptedProducer : public Producer {
public:
    using Tick = std::function<void(FrameSink&, std::uint64_t)>;
    ScriptedProducer(std::vector<StreamRequest> streams, Tick tick)
        : m_streams(std::move(streams))
        , m_tick(std::move(tick)) {}
    ProducerInfo info() const override { return {"scripted", "a producer scripted by a test"}; }
    Status configure(const ProducerConfig&) override { return Status::ok(); }
    std::vector<StreamRequest> streams() const override { return m_streams; }
    void tick(FrameSink& sink, std::uint64_t n) override { m_tick(sink, n); }

private:
    std::vector<StreamRequest> m_streams;
    Tick m_tick;
};

// Runs a script once on its thread, ignoring stop, then returns (state Finished or Stopped):
// tests that join it see every frame of the script, deterministically.
class ScriptRun : public ScriptedProducer {
public:
    using Script = std::function<void(FrameSink&)>;
    ScriptRun(std::vector<StreamRequest> streams, Script script)
        : ScriptedProducer(std::move(streams), nullptr)
        , m_script(std::move(script)) {}
    void run(std::stop_token, FrameSink& sink) override { m_script(sink); }

private:
    Script m_script;
};

// The main thread's loop in miniature: drain and deliver (no-op upload) until every producer has
// ended, then stop, drain and deliver once more so that every frame is accounted for.
template <class Host, class Router> void pump_until_finished(Host& host, Router& router) {
    auto ended = [&] {
        for (std::size_t i = 0; i < host.producer_count(); ++i) {
            const auto s = host.producer_status(i).state();
            if (s == ProducerState::Starting || s == ProducerState::Running) return false;
        }
        return true;
    };
    auto noop = [](const FrameView&) { return Status::ok(); };
    while (!ended()) {
        router.drain();
        router.deliver(noop);
    }
    host.stop_all();
    while (router.drain() != 0) {
    }
    router.deliver(noop);
}

inline StreamRequest image_stream(const char* name, std::uint32_t w, std::uint32_t h,
                                  unsigned slots = 3) {
    StreamRequest r;
    r.name = name;
    r.kind = FrameKind::Image;
    r.image = {w, h};
    r.slots = slots;
    return r;
}

inline StreamRequest lines_stream(const char* name, std::uint32_t lines, std::uint32_t points,
                                  unsigned slots = 3, StreamMode mode = StreamMode::Replace,
                                  std::uint32_t history = 0) {
    StreamRequest r;
    r.name = name;
    r.kind = FrameKind::Lines;
    r.mode = mode;
    r.lines = {lines, points};
    r.history = history;
    r.slots = slots;
    return r;
}

// Fills an image lease with value v everywhere and submits it.
inline void submit_image(FrameSink& sink, std::size_t stream, float v) {
    if (FrameLease lease = sink.acquire(stream)) {
        for (float& p : lease.pixels())
            p = v;
        sink.submit(std::move(lease));
    }
}

// Submits one line of `points` points with y = base + i.
inline void submit_line(FrameSink& sink, std::size_t stream, std::uint32_t points, float base) {
    if (FrameLease lease = sink.acquire(stream)) {
        auto pts = lease.points();
        for (std::uint32_t i = 0; i < points; ++i)
            pts[i] = {float(i), base + float(i)};
        lease.set_shape(1, points);
        sink.submit(std::move(lease));
    }
}

inline Schedule once(std::uint64_t iterations = 1) {
    Schedule s;
    s.iterations = iterations;
    return s;
}

} // namespace rtv::test

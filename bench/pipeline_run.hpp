#pragma once
// Runs producers (by spec) through the real host, queue and router with a no-op upload on this
// thread, the consumer draining every `consumer_period_s` (0: as fast as it can). The measured
// window opens once every stream that carries frames has shown one (its producer is running: a
// thread or another process started, pools touched), not at a fixed time, and closes after
// `seconds` and at least one more frame of each: a slow machine measures fewer frames, never
// none. kHangGuardS bounds both waits (past it, or when a producer fails: an error). Then stops,
// drains and checks that every frame is accounted for. Shared by the pipeline, scaling, formats
// and feed benchmarks.

#include <memory>
#include <string>
#include <vector>

#include "core/producer.hpp"

namespace rtv::bench {

struct PipelineStats { // counts are the measured window's
    double seconds = 0.0;
    double produced = 0.0;  // frames made or dropped, all streams
    double generated = 0.0; // produced - dropped: frames actually filled
    double consumed = 0.0;  // frames that reached the (no-op) upload
    double bytes_consumed = 0.0;
    double latency_p50_ms = 0.0, latency_p99_ms = 0.0; // the first stream, whole run
    std::int64_t peak_rss_kb = 0;
    std::uint64_t steady_allocations = 0; // operator new calls in the second half of the window
    std::string error; // a hang (kHangGuardS), a failed producer, or frames unaccounted for
};

struct Started {
    std::unique_ptr<Producer> producer;
    Schedule schedule;
};

// `streams`: how many streams carry frames (every one must show a frame before the window opens
// and in it); 0: those the producers declare at start. A network producer (zmq) declares none
// that carries frames and opens one per name as its messages arrive: its callers say 1.
PipelineStats run_pipeline(std::vector<Started> producers, double seconds, double consumer_period_s,
                           std::size_t streams = 0);
// The same with built-in producers given as specs ("sweep:interval=auto").
PipelineStats run_pipeline(const std::vector<std::string>& specs, double seconds,
                           double consumer_period_s, std::size_t streams = 0);

// A producer that copies one prepared frame into each slot (as from a camera's DMA buffer): the
// least work a producer can do, so the pipeline's own cost shows. An image of width x height, or
// (height == 0) one line of `width` points; images in `format` (float32 mono by default).
std::unique_ptr<Producer> make_copy_producer(std::uint32_t width, std::uint32_t height,
                                             PixelFormat format = {});

} // namespace rtv::bench

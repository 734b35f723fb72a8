#pragma once
// Runs a producer from its spec to its natural end (iterations) and collects every frame it
// submitted, in order, straight from the queue while it runs: no router, so nothing is
// superseded. Use policy=wait so that nothing is dropped either. As the router does, each frame
// taken off the queue is counted (Stream::count_taken), which paces interval=auto producers.

#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/producer_host.hpp"
#include "producers/registry.hpp"

namespace rtv::test {

struct Captured {
    std::uint16_t stream = 0;
    std::uint32_t sequence = 0;
    std::uint32_t lines = 0, points = 0;
    std::vector<float> pixels;    // float32 mono images
    std::vector<std::byte> bytes; // every image, as the pool held it
    std::vector<LinePoint> line_points;
};

struct Capture {
    FrameQueue queue = make_frame_queue();
    ProducerHost host{queue};
    std::vector<Captured> frames;

    // Returns false (with a doctest message) if the spec does not parse.
    bool run(const std::string& spec) {
        producers::CreatedProducer made;
        const Status s = producers::create(spec, made);
        if (!s) {
            FAIL_CHECK(s.message());
            return false;
        }
        return run(std::move(made));
    }
    // Runs a producer already made (the caller may have changed it first) until it ends.
    bool run(producers::CreatedProducer made) {
        REQUIRE(host.start(made.type, std::move(made.producer), made.schedule).is_ok());
        moodycamel::ConsumerToken token(queue);
        auto running = [&] {
            const ProducerState state = host.producer_status(0).state();
            return state == ProducerState::Starting || state == ProducerState::Running;
        };
        for (;;) {
            const bool ended = !running(); // read before the queue: then it holds everything
            FrameMsg msg;
            bool any = false;
            while (queue.try_dequeue(token, msg)) {
                any = true;
                take(msg);
            }
            if (ended && !any) break;
        }
        host.join_all();
        return true;
    }

    void take(const FrameMsg& msg) {
        Stream& stream = host.stream(msg.stream);
        stream.count_taken();
        Captured c;
        c.stream = msg.stream;
        c.sequence = msg.sequence;
        if (msg.kind == FrameKind::Image) {
            const ImageDesc& desc = stream.request().image;
            const auto raw = stream.pool().data(msg.slot).first(desc.byte_size());
            c.bytes.assign(raw.begin(), raw.end());
            if (desc.format == PixelFormat{}) {
                const auto px = stream.pool().typed<float>(msg.slot);
                c.pixels.assign(px.begin(), px.begin() + std::ptrdiff_t(desc.pixel_count()));
            }
        } else {
            c.lines = msg.lines;
            c.points = msg.points;
            const auto pts = stream.pool().typed<LinePoint>(msg.slot);
            c.line_points.assign(pts.begin(),
                                 pts.begin() + std::ptrdiff_t(std::size_t{msg.lines} * msg.points));
        }
        stream.pool().release(msg.slot);
        frames.push_back(std::move(c));
    }

    std::vector<const Captured*> of_stream(std::uint16_t id) const {
        std::vector<const Captured*> out;
        for (const Captured& c : frames)
            if (c.stream == id) out.push_back(&c);
        return out;
    }
};

} // namespace rtv::test

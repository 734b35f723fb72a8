#include <memory>
#include <vector>

#include <doctest/doctest.h>

#include "core/frame_router.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;
using rtv::test::ScriptRun;

namespace {
struct Pipeline {
    FrameQueue queue = make_frame_queue();
    ProducerHost host{queue};
    FrameRouter router{queue, host};

    void run(std::vector<StreamRequest> streams, ScriptRun::Script script) {
        REQUIRE(
            host.start("p", std::make_unique<ScriptRun>(std::move(streams), std::move(script)), {})
                .is_ok());
        host.stop_all();
        while (router.drain() != 0) {
        }
    }
};
} // namespace

TEST_SUITE("core") {

    TEST_CASE("FrameRouter: keeps only the newest frame of a replace stream and frees the others "
              "at once") {
        Pipeline p;
        p.run({test::image_stream("img", 2, 2, 4)}, [](FrameSink& sink) {
            for (float v : {1.0f, 2.0f, 3.0f})
                test::submit_image(sink, 0, v);
        });
        Stream& stream = p.host.stream(0);
        CHECK(stream.pool().in_use() == 1); // only the pending newest frame holds a slot
        std::vector<float> seen;
        std::uint32_t sequence = 0;
        p.router.deliver([&](const FrameView& v) {
            seen.push_back(v.samples<float>()[0]);
            sequence = v.sequence;
            return Status::ok();
        });
        CHECK(seen == std::vector<float>{3.0f});
        CHECK(sequence == 2);
        const StatsSnapshot s = stream.stats().read();
        CHECK(s.produced == 3);
        CHECK(s.superseded == 2);
        CHECK(s.displayed == 1);
        CHECK(s.in_flight() == 0);
        CHECK(stream.pool().in_use() == 0);
        CHECK(p.router.deliver([](const FrameView&) { return Status::ok(); }) == 0);
    }

    TEST_CASE("FrameRouter: append frames extend the history in order and are never superseded") {
        Pipeline p;
        p.run({test::lines_stream("ap", 1, 2, 4, StreamMode::Append, 10)}, [](FrameSink& sink) {
            for (int f = 0; f < 3; ++f) {
                FrameLease lease = sink.acquire(0);
                lease.points()[0] = {float(2 * f), float(2 * f)};
                lease.points()[1] = {float(2 * f + 1), float(2 * f + 1)};
                sink.submit(std::move(lease));
            }
        });
        const LineHistory* h = p.router.history(0);
        REQUIRE(h != nullptr);
        std::vector<float> ys;
        for (auto pt : h->runs(0).first)
            ys.push_back(pt.y);
        CHECK(ys == std::vector<float>{0, 1, 2, 3, 4, 5});
        const StatsSnapshot s = p.host.stream(0).stats().read();
        CHECK(s.displayed == 3);
        CHECK(s.superseded == 0);
        CHECK(p.host.stream(0).pool().in_use() == 0);
        CHECK(p.router.deliver([](const FrameView&) { return Status::ok(); }) == 0);
    }

    TEST_CASE("FrameRouter: mixed streams each deliver their own newest frame") {
        Pipeline p;
        p.run({test::image_stream("img", 2, 2, 4), test::lines_stream("ln", 1, 8, 4),
               test::lines_stream("ap", 1, 8, 4, StreamMode::Append, 32)},
              [](FrameSink& sink) {
                  for (int i = 0; i < 3; ++i) {
                      test::submit_image(sink, 0, float(i));
                      test::submit_line(sink, 1, 8, float(10 * i));
                      test::submit_line(sink, 2, 4, float(100 * i));
                  }
              });
        float image_value = -1, line_base = -1;
        std::uint32_t line_points = 0;
        const std::size_t n = p.router.deliver([&](const FrameView& v) {
            if (v.kind == FrameKind::Image)
                image_value = v.samples<float>()[3];
            else {
                line_base = v.line_points[0].y;
                line_points = v.points;
            }
            return Status::ok();
        });
        CHECK(n == 2);
        CHECK(image_value == 2.0f);
        CHECK(line_base == 20.0f);
        CHECK(line_points == 8);
        REQUIRE(p.router.history(2) != nullptr);
        CHECK(p.router.history(2)->written() == 12);
        for (std::uint16_t id = 0; id < 3; ++id)
            CHECK(p.host.stream(id).stats().read().in_flight() == 0);
    }

    TEST_CASE("FrameRouter: a failed upload counts the frame as rejected with the message") {
        Pipeline p;
        p.run({test::image_stream("img", 2, 2)},
              [](FrameSink& sink) { test::submit_image(sink, 0, 1.0f); });
        p.router.deliver([](const FrameView&) { return Status::error("img: upload failed"); });
        const StatsSnapshot s = p.host.stream(0).stats().read();
        CHECK(s.rejected == 1);
        CHECK(s.displayed == 0);
        CHECK(s.in_flight() == 0);
        std::string m;
        CHECK(p.host.stream(0).stats().last_error(m));
        CHECK(m == "img: upload failed");
    }

    TEST_CASE("FrameRouter: release_all gives back pending slots and accounts for them") {
        Pipeline p;
        p.run({test::image_stream("img", 2, 2)},
              [](FrameSink& sink) { test::submit_image(sink, 0, 1.0f); });
        CHECK(p.host.stream(0).pool().in_use() == 1);
        p.router.release_all();
        CHECK(p.host.stream(0).pool().in_use() == 0);
        const StatsSnapshot s = p.host.stream(0).stats().read();
        CHECK(s.superseded == 1);
        CHECK(s.in_flight() == 0);
    }

    TEST_CASE("FrameRouter: latency from submit to upload is recorded per displayed frame") {
        Pipeline p;
        p.run({test::image_stream("img", 2, 2)},
              [](FrameSink& sink) { test::submit_image(sink, 0, 1.0f); });
        p.router.deliver([](const FrameView&) { return Status::ok(); });
        const auto& h = p.host.stream(0).stats().latency();
        CHECK(h.count() == 1);
        CHECK(h.max_ns() > 0);
    }

} // TEST_SUITE

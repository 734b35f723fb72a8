#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include <doctest/doctest.h>

#include "core/clock.hpp"
#include "core/frame_router.hpp"
#include "core/frame_sink.hpp"
#include "core/producer_host.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;
using rtv::test::ScriptRun;

namespace {
struct SinkPipeline {
    FrameQueue queue = make_frame_queue();
    ProducerHost host{queue};
    FrameRouter router{queue, host};

    void run(std::vector<StreamRequest> streams, ScriptRun::Script script, Schedule schedule = {}) {
        Status s = host.start(
            "p", std::make_unique<ScriptRun>(std::move(streams), std::move(script)), schedule);
        REQUIRE(s.is_ok());
        host.stop_all(); // the script ignores stop: this joins after it ran to the end
        while (router.drain() != 0) {
        }
    }
    std::string last_error(std::uint16_t id) {
        std::string m;
        (void)host.stream(id).stats().last_error(m);
        return m;
    }
};
} // namespace

TEST_SUITE("core") {

    TEST_CASE("FrameSink: a lease dropped without submit gives its slot back and counts nothing") {
        SinkPipeline p;
        p.run({test::image_stream("img", 4, 4, 1)}, [](FrameSink& sink) {
            { FrameLease lease = sink.acquire(0); }
            FrameLease again = sink.acquire(0); // would be empty if the slot had leaked
            if (again) sink.submit(std::move(again));
        });
        const StatsSnapshot s = p.host.stream(0).stats().read();
        CHECK(s.produced == 1);
        CHECK(s.dropped() == 0);
        CHECK(p.router.has_pending(0));
    }

    TEST_CASE("FrameSink: a frame's origin time survives moving its lease and is its submit time") {
        SinkPipeline p;
        const std::int64_t origin = now_ns() - 10'000'000'000; // made 10 s ago
        p.run({test::image_stream("img", 4, 4, 1)}, [origin](FrameSink& sink) {
            FrameLease lease = sink.acquire(0);
            lease.set_origin_ns(origin);
            FrameLease moved = std::move(lease);
            FrameLease assigned;
            assigned = std::move(moved);
            sink.submit(std::move(assigned));
        });
        std::int64_t seen = 0;
        CHECK(p.router.deliver([&](const FrameView& v) {
            seen = v.submit_ns;
            return Status::ok();
        }) == 1);
        CHECK(seen == origin);
    }

    TEST_CASE(
        "FrameSink: an empty pool drops the frame and counts it as dropped and not as a gap") {
        SinkPipeline p;
        p.run({test::image_stream("img", 4, 4, 1)}, [](FrameSink& sink) {
            FrameLease held = sink.acquire(0);
            FrameLease none = sink.acquire(0); // pool of one: empty
            if (!none && held) sink.submit(std::move(held));
        });
        const StatsSnapshot s = p.host.stream(0).stats().read();
        CHECK(s.produced == 2);
        CHECK(s.dropped_pool == 1);
        CHECK(s.gaps == 0);        // gaps are frames lost before the viewer (a network sender's)
        CHECK(s.in_flight() == 1); // pending in the router
    }

    TEST_CASE("FrameSink: image statistics are computed at submit with NaN and Inf counted") {
        SinkPipeline p;
        p.run({test::image_stream("img", 4, 1)}, [](FrameSink& sink) {
            FrameLease lease = sink.acquire(0);
            auto px = lease.pixels();
            px[0] = -2.0f;
            px[1] = std::numeric_limits<float>::quiet_NaN();
            px[2] = 5.0f;
            px[3] = std::numeric_limits<float>::infinity();
            sink.submit(std::move(lease));
        });
        ImageStats stats{};
        std::size_t delivered = p.router.deliver([&](const FrameView& v) {
            stats = v.image_stats;
            return Status::ok();
        });
        CHECK(delivered == 1);
        CHECK(stats.min == -2.0f);
        CHECK(stats.max == 5.0f);
        CHECK(stats.nonfinite == 2);
        CHECK_FALSE(stats.has_quantiles); // nobody asked for percentiles
    }

    TEST_CASE("FrameSink: image frames carry a quantile sketch once their stream asks for it") {
        SinkPipeline p;
        p.run({test::image_stream("img", 100, 1)}, [&](FrameSink& sink) {
            p.host.stream(0).set_want_quantiles(true); // as the main thread does in percentile mode
            FrameLease lease = sink.acquire(0);
            auto px = lease.pixels();
            for (std::size_t i = 0; i < px.size(); ++i)
                px[i] = float(i);
            px[42] = 1.0e9f; // one hot pixel
            sink.submit(std::move(lease));
        });
        ImageStats stats{};
        REQUIRE(p.router.deliver([&](const FrameView& v) {
            stats = v.image_stats;
            return Status::ok();
        }) == 1);
        REQUIRE(stats.has_quantiles);
        CHECK(stats.max == 1.0e9f);
        CHECK(stats.percentile(90) < 100.0f);
    }

    TEST_CASE("FrameSink: a histogram is computed for at most one frame per histogram period") {
        SinkPipeline p;
        p.run({test::image_stream("img", 16, 4)}, [&](FrameSink& sink) {
            p.host.stream(0).set_want_histogram(true); // as a panel that shows it does
            FrameLease lease = sink.acquire(0);
            std::fill(lease.pixels().begin(), lease.pixels().end(), 1.0f);
            sink.submit(std::move(lease));
        });
        bool has_histogram = false;
        REQUIRE(p.router.deliver([&](const FrameView& v) {
            has_histogram = v.image_stats.has_histogram;
            return Status::ok();
        }) == 1);
        CHECK(has_histogram); // the first frame asked for carries one
        // The period is counted from the frame that computed it, in the submit clock.
        Stream& s = p.host.stream(0);
        const std::int64_t t = now_ns() + Stream::kHistogramPeriodNs;
        CHECK(s.histogram_due(t));
        CHECK_FALSE(s.histogram_due(t + 1));
        CHECK_FALSE(s.histogram_due(t + Stream::kHistogramPeriodNs - 1));
        CHECK(s.histogram_due(t + Stream::kHistogramPeriodNs));
        s.set_want_histogram(false);
        CHECK_FALSE(s.histogram_due(t + 10 * Stream::kHistogramPeriodNs));
    }

    TEST_CASE("FrameSink: invalid line frames are rejected with their exact message") {
        struct Case {
            const char* what;
            std::uint32_t lines, points;
            bool nan;
            const char* message;
        };
        const Case cases[] = {
            {"no points", 1, 0, false,
             "ln: frame has no points, got 1x0 (lines x points); frame rejected"},
            {"no lines", 0, 5, false,
             "ln: frame has no points, got 0x5 (lines x points); frame rejected"},
            {"too many lines", 3, 5, false,
             "ln: frame shape is out of range, got 3x5, expected at most 2x10 (lines x points); "
             "frame rejected"},
            {"too many points", 1, 11, false,
             "ln: frame shape is out of range, got 1x11, expected at most 2x10 (lines x points); "
             "frame rejected"},
            {"a NaN point", 2, 10, true,
             "ln: point 17 is not finite, got (17, nan); frame rejected"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.what);
            SinkPipeline p;
            p.run({test::lines_stream("ln", 2, 10)}, [&](FrameSink& sink) {
                FrameLease lease = sink.acquire(0);
                auto pts = lease.points();
                for (std::size_t i = 0; i < pts.size(); ++i)
                    pts[i] = {float(i), float(i)};
                if (c.nan) pts[17].y = std::numeric_limits<float>::quiet_NaN();
                lease.set_shape(c.lines, c.points);
                sink.submit(std::move(lease));
            });
            const StatsSnapshot s = p.host.stream(0).stats().read();
            CHECK(s.produced == 1);
            CHECK(s.rejected == 1);
            CHECK(s.in_flight() == 0);
            CHECK(p.host.stream(0).pool().in_use() == 0);
            CHECK(p.last_error(0) == c.message);
        }
    }

    TEST_CASE("FrameSink: an append frame must carry every line of its stream") {
        SinkPipeline p;
        p.run({test::lines_stream("ap", 2, 4, 3, StreamMode::Append, 16)}, [](FrameSink& sink) {
            FrameLease lease = sink.acquire(0);
            lease.set_shape(1, 4);
            sink.submit(std::move(lease));
        });
        CHECK(p.host.stream(0).stats().read().rejected == 1);
        CHECK(p.last_error(0) ==
              "ap: append frame has the wrong line count, got 1, expected 2; frame rejected");
    }

    TEST_CASE("FrameSink: a producer's own rejection is counted with its reason") {
        SinkPipeline p;
        p.run({test::image_stream("img", 2, 2)},
              [](FrameSink& sink) { sink.reject(0, "img: bad message"); });
        const StatsSnapshot s = p.host.stream(0).stats().read();
        CHECK(s.produced == 1);
        CHECK(s.rejected == 1);
        CHECK(p.last_error(0) == "img: bad message");
    }

    TEST_CASE("FrameSink: a stream opened at run time gets an id and a pool and delivers frames") {
        SinkPipeline p;
        p.run({}, [](FrameSink& sink) {
            std::size_t index = 99;
            if (!sink.open_stream(test::image_stream("late", 3, 2), index).is_ok()) return;
            if (index == 0) test::submit_image(sink, index, 4.0f);
            std::size_t bad = 0;
            (void)sink.open_stream(test::image_stream("bad", 0, 2), bad); // rejected: width 0
        });
        REQUIRE(p.host.stream_count() == 1);
        CHECK(p.host.stream(0).request().name == "late");
        CHECK(p.router.has_pending(0));
    }

} // TEST_SUITE

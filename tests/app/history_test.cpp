// History's copy thread, without a window: a producer submits frames whose pixels all hold the
// frame's number while the main thread's loop in miniature (begin_pass, drain through the tap,
// deliver) runs; each frame the history holds must be whole (every pixel its own number, none
// torn by the producer reusing a slot mid-copy), in order, and every frame the router took held
// or counted skipped; every pool slot goes home, with or without a flush before the history
// goes.

#include <cstring>
#include <memory>
#include <vector>

#include <doctest/doctest.h>

#include "app/history.hpp"
#include "core/memory_budget.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;

namespace {

constexpr std::uint32_t kW = 64, kH = 48, kFrames = 300;

// Runs a producer of kFrames image frames (pixels = the frame's number) and a line stream through
// a router whose tap is `history`, as the viewer's loop does, until the producer has ended.
void run(ProducerHost& host, FrameRouter& router, app::History& history) {
    REQUIRE(host.start("p",
                       std::make_unique<test::ScriptRun>(
                           std::vector<StreamRequest>{test::image_stream("img", kW, kH, 4),
                                                      test::lines_stream("line", 1, 16, 3)},
                           [](FrameSink& sink) {
                               for (std::uint32_t n = 0; n < kFrames; ++n) {
                                   test::submit_image(sink, 0, float(n));
                                   test::submit_line(sink, 1, 16, float(n));
                               }
                           }),
                       {})
                .is_ok());
    auto ended = [&] {
        const auto s = host.producer_status(0).state();
        return s != ProducerState::Starting && s != ProducerState::Running;
    };
    auto noop = [](const FrameView&) { return Status::ok(); };
    while (!ended()) {
        history.begin_pass();
        router.drain();
        router.deliver(noop);
    }
    host.stop_all();
    history.begin_pass();
    while (router.drain() != 0) {
    }
    router.deliver(noop);
}

} // namespace

TEST_SUITE("app") {

    TEST_CASE("History: the copy thread keeps whole frames in order and sends every slot home") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host{queue};
        FrameRouter router{queue, host};
        MemoryBudget budget(std::uint64_t{1} << 30);
        app::HistorySettings settings;
        settings.default_bytes = std::uint64_t{64} << 20; // every frame fits
        {
            app::History history(settings, &budget, settings.default_bytes * 2);
            router.set_tap(&history);
            run(host, router, history);
            history.flush();
            CHECK(history.in_flight() == 0);
            for (std::size_t id = 0; id < 2; ++id) {
                const app::History::Stream& s = history.stream(id);
                REQUIRE(s.ring != nullptr);
                const HistoryRing& ring = *s.ring;
                const StatsSnapshot st = host.stream(std::uint16_t(id)).stats().read();
                const std::uint64_t taken = st.produced - st.dropped(); // all drained
                INFO("stream " << id << ": held " << ring.size() << ", skipped " << s.skipped
                               << ", taken " << taken);
                CHECK(ring.size() + s.skipped == taken);
                CHECK(ring.size() > 0);
                float previous = -1.0f;
                for (std::size_t i = 0; i < ring.size(); ++i) {
                    const HistoryRing::Entry& e = ring.entry(i);
                    const std::span<const std::byte> b = ring.data(e);
                    if (id == 0) {
                        REQUIRE(b.size() == std::size_t{kW} * kH * sizeof(float));
                        std::vector<float> px(kW * kH);
                        std::memcpy(px.data(), b.data(), b.size());
                        CHECK(px.front() > previous);
                        previous = px.front();
                        std::size_t torn = 0;
                        for (float v : px)
                            torn += v != px.front();
                        CHECK(torn == 0);
                    } else {
                        REQUIRE(b.size() == 16 * sizeof(LinePoint));
                        std::vector<LinePoint> pts(16);
                        std::memcpy(pts.data(), b.data(), b.size());
                        CHECK(pts[0].y > previous);
                        previous = pts[0].y;
                        CHECK(pts[15].y == pts[0].y + 15.0f);
                    }
                }
            }
            router.set_tap(nullptr);
        }
        router.release_all();
        CHECK(host.stream(0).pool().in_use() == 0);
        CHECK(host.stream(1).pool().in_use() == 0);
    }

    TEST_CASE("History: going away with copies queued lets every slot go") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host{queue};
        FrameRouter router{queue, host};
        app::HistorySettings settings;
        settings.default_bytes = std::uint64_t{64} << 20;
        {
            app::History history(settings, nullptr, settings.default_bytes * 2);
            router.set_tap(&history);
            run(host, router, history); // no flush: the destructor finishes the copies
            router.set_tap(nullptr);
        }
        router.release_all();
        CHECK(host.stream(0).pool().in_use() == 0);
        CHECK(host.stream(1).pool().in_use() == 0);
    }

} // TEST_SUITE

// History's copy thread and its lending, without a window: a producer submits frames whose
// pixels all hold the frame's number while the main thread's loop in miniature (begin_pass,
// drain through the tap, deliver, settle) runs; each frame the history holds must be whole
// (every pixel its own number, none torn by the producer reusing a slot mid-copy or writing into
// a buffer the ring still holds), in order, and every frame the router took held or counted
// skipped; every pool slot goes home, with or without a flush before the history goes.

#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include <doctest/doctest.h>

#include "app/history.hpp"
#include "core/clock.hpp"
#include "core/memory_budget.hpp"
#include "core/scripted_producer.hpp"

using namespace rtv;

namespace {

constexpr std::uint32_t kW = 64, kH = 48, kFrames = 300;

// Runs a producer of kFrames image frames (pixels = the frame's number) and a line stream through
// a router whose tap is `history`, as the viewer's loop does, until the producer has ended.
// The producer waits for a free slot (PoolPolicy::Wait) instead of dropping the frame, so that
// every frame reaches the history and slots are reused many times over.
// With `flush_each_pass`, each pass waits for the copy thread to finish its copies (a loop that
// spins, as this one does, can otherwise starve it of CPU on a small machine: copies then fall
// behind and frames are skipped, counted).
void run(ProducerHost& host, FrameRouter& router, app::History& history, unsigned slots = 4,
         bool flush_each_pass = false) {
    Schedule schedule;
    schedule.policy = PoolPolicy::Wait;
    REQUIRE(host.start("p",
                       std::make_unique<test::ScriptRun>(
                           std::vector<StreamRequest>{test::image_stream("img", kW, kH, slots),
                                                      test::lines_stream("line", 1, 16, 3)},
                           [](FrameSink& sink) {
                               for (std::uint32_t n = 0; n < kFrames; ++n) {
                                   test::submit_image(sink, 0, float(n));
                                   test::submit_line(sink, 1, 16, float(n));
                               }
                           }),
                       schedule)
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
        if (flush_each_pass) history.flush();
        history.settle();
    }
    host.stop_all();
    history.begin_pass();
    while (router.drain() != 0) {
    }
    router.deliver(noop);
    history.settle();
}

} // namespace

TEST_SUITE("app") {

    // Runs the producer through a history that copies (lend false) or lends its image frames,
    // and checks every frame held.
    void check_history(bool lend, unsigned slots, bool copy_thread = true) {
        FrameQueue queue = make_frame_queue();
        ProducerHost host{queue};
        FrameRouter router{queue, host};
        MemoryBudget budget(std::uint64_t{1} << 30);
        app::HistorySettings settings;
        // Room for about 50 image frames of the 300: the ring evicts, and when lending hands
        // the evicted frames' buffers back to the producer, many times over.
        settings.default_bytes = 50 * std::uint64_t{kW} * kH * sizeof(float);
        settings.lend = lend;
        settings.copy_thread = copy_thread;
        {
            app::History history(settings, &budget, settings.default_bytes * 4);
            router.set_tap(&history);
            run(host, router, history, slots, lend);
            history.flush();
            CHECK(history.in_flight() == 0);
            // Image frames are lent where asked (their pool is on the heap), lines copied.
            CHECK((history.stream(0).pool != nullptr) == lend);
            CHECK(history.stream(1).pool == nullptr);
            CHECK(history.stream(0).ring->lent() == 0); // every slot lent is settled
            for (std::size_t id = 0; id < 2; ++id) {
                const app::History::Stream& s = history.stream(id);
                REQUIRE(s.ring != nullptr);
                const HistoryRing& ring = *s.ring;
                const StatsSnapshot st = host.stream(std::uint16_t(id)).stats().read();
                const std::uint64_t taken = st.produced - st.dropped(); // all drained
                INFO("stream " << id << ": held " << ring.size() << ", skipped " << s.skipped
                               << ", taken " << taken);
                CHECK(taken == kFrames); // none dropped: the producer waited for slots
                CHECK(ring.pushed() + s.skipped == taken);
                CHECK(ring.size() + ring.evicted() == ring.pushed());
                // Lending: the first ring's worth copied (the ring filling), the rest lent, none
                // skipped, the newest held.
                if (lend && id == 0) {
                    CHECK(ring.filled());
                    CHECK(s.lent_total > 0);
                    const std::size_t blocks =
                        ring.capacity_bytes() / (std::size_t{kW} * kH * sizeof(float));
                    CHECK(s.lent_total + blocks <= taken); // the first fill was copied
                    CHECK(s.skipped == 0);
                    CHECK(ring.evicted() > 0);
                    REQUIRE(ring.size() > 0);
                    CHECK(ring.entry(ring.size() - 1).sequence == kFrames - 1);
                }
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
                        CHECK(px.front() == float(e.sequence)); // its own frame, not a newer
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

    TEST_CASE("History: the copy thread keeps whole frames in order and sends every slot home") {
        check_history(false, 4);
    }

    TEST_CASE("History: frames lent to the ring stay whole and in order while their slots and the "
              "evicted frames' buffers are reused, none is skipped, and every slot goes home") {
        for (bool copy_thread : {false, true})
            for (unsigned slots : {3u, 4u, 8u}) {
                INFO(slots << " slots, copy thread " << copy_thread);
                check_history(true, slots, copy_thread);
            }
    }

    TEST_CASE("History: going away with copies queued lets every slot go") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host{queue};
        FrameRouter router{queue, host};
        app::HistorySettings settings;
        settings.default_bytes = std::uint64_t{64} << 20;
        settings.lend = false;
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

    TEST_CASE("History: going away with a frame lent and not settled lets its slot go") {
        FrameQueue queue = make_frame_queue();
        ProducerHost host{queue};
        FrameRouter router{queue, host};
        app::HistorySettings settings;
        settings.default_bytes = 50 * std::uint64_t{kW} * kH * sizeof(float); // fills, then lends
        rtv::Stream* image = nullptr;
        std::optional<std::uint8_t> slot;
        {
            app::History history(settings, nullptr, settings.default_bytes * 4);
            router.set_tap(&history);
            run(host, router, history, 4, true);
            router.set_tap(nullptr);
            history.flush();
            REQUIRE(history.stream(0).lent_total > 0);
            // One more frame, lent while its slot is still held (as the display would hold it):
            // not settled when the history goes.
            image = &host.stream(0);
            slot = image->pool().try_acquire();
            REQUIRE(slot.has_value());
            FrameView v;
            v.stream = image;
            v.kind = FrameKind::Image;
            v.sequence = kFrames;
            v.submit_ns = now_ns();
            v.slot = *slot;
            v.image = image->request().image;
            v.pixels = image->pool().data(*slot).first(v.image.byte_size());
            history.on_frame(v);
            CHECK(history.stream(0).ring->lent() == 1);
            image->pool().release(*slot); // the "display" lets go: the history holds it alone
            CHECK(image->pool().in_use() == 1);
        }
        CHECK(image->pool().in_use() == 0); // the history let it go as it went
        router.release_all();
        CHECK(host.stream(1).pool().in_use() == 0);
    }

} // TEST_SUITE

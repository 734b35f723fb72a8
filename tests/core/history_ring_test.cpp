// The history ring: frames copied in, the oldest evicted for room (never a newer one, across the
// buffer's wrap), bounded in bytes and entries, and the frame current at a time found exactly.

#include <cstring>
#include <vector>

#include <doctest/doctest.h>

#include "core/frame_router.hpp"
#include "core/history_ring.hpp"

using namespace rtv;

namespace {
// A frame view over `px` (an image of n floats, 1 row) with a sequence number and time.
FrameView image_frame(const std::vector<float>& px, std::uint32_t seq, std::int64_t t) {
    FrameView v;
    v.kind = FrameKind::Image;
    v.sequence = seq;
    v.submit_ns = t;
    v.image = {std::uint32_t(px.size()), 1};
    v.pixels = std::as_bytes(std::span<const float>(px));
    return v;
}
// The bytes of `px` as their holder may write them (what a lending ring is given).
std::byte* writable(std::vector<float>& px) {
    return reinterpret_cast<std::byte*>(px.data());
}
// A frame in pool slot `slot`.
FrameView in_slot(FrameView v, std::uint8_t slot) {
    v.slot = slot;
    return v;
}
} // namespace

TEST_SUITE("core") {

    TEST_CASE("HistoryRing: keeps the newest frames that fit and evicts the oldest first") {
        HistoryRing ring(1000, 100); // 960 usable bytes (64-byte multiples): 3 frames of 256
        for (std::uint32_t n = 0; n < 10; ++n) {
            const std::vector<float> px(64, float(n)); // 256 bytes
            REQUIRE(ring.push(image_frame(px, n, 1000 + n)));
            CHECK(ring.used_bytes() <= ring.capacity_bytes());
            // Whatever is held is a run of the newest frames, each with its own bytes intact.
            for (std::size_t i = 0; i < ring.size(); ++i) {
                const auto& e = ring.entry(i);
                CHECK(e.sequence == n - (ring.size() - 1 - i));
                float first = 0;
                std::memcpy(&first, ring.data(e).data(), sizeof first);
                CHECK(first == float(e.sequence));
                float last = 0;
                std::memcpy(&last, ring.data(e).data() + 252, sizeof last);
                CHECK(last == float(e.sequence));
            }
        }
        CHECK(ring.size() == 3);
        CHECK(ring.pushed() == 10);
        CHECK(ring.evicted() == 7);
    }

    TEST_CASE("HistoryRing: frames of different sizes wrap without overwriting a newer one") {
        HistoryRing ring(64 * 40, 1000);
        std::uint32_t seq = 0;
        for (int round = 0; round < 200; ++round) {
            const std::vector<float> px(std::size_t(16 * (1 + (round * 7) % 9)), float(seq));
            REQUIRE(ring.push(image_frame(px, seq, seq)));
            ++seq;
            for (std::size_t i = 0; i < ring.size(); ++i) {
                const auto& e = ring.entry(i);
                std::vector<float> back(e.bytes / 4);
                std::memcpy(back.data(), ring.data(e).data(), e.bytes);
                for (const float v : back)
                    REQUIRE(v == float(e.sequence));
                if (i > 0) CHECK(ring.entry(i - 1).sequence + 1 == e.sequence);
            }
        }
    }

    TEST_CASE("HistoryRing: the frame current at a time is the newest submitted at or before it") {
        HistoryRing ring(1 << 16, 16);
        const std::vector<float> px(4, 1.0f);
        for (std::uint32_t n = 0; n < 5; ++n)
            REQUIRE(ring.push(image_frame(px, n, 100 * (n + 1)))); // t = 100, 200, ..., 500
        CHECK(ring.at_or_before(99) == HistoryRing::npos);
        CHECK(ring.at_or_before(100) == 0);
        CHECK(ring.at_or_before(250) == 1);
        CHECK(ring.at_or_before(500) == 4);
        CHECK(ring.at_or_before(1'000'000) == 4);
        // More frames than entries: the oldest go, and a time before the oldest held finds none.
        for (std::uint32_t n = 5; n < 20; ++n)
            REQUIRE(ring.push(image_frame(px, n, 100 * (n + 1))));
        CHECK(ring.size() == 16);
        CHECK(ring.entry(0).sequence == 4);
        CHECK(ring.at_or_before(450) == HistoryRing::npos);
        CHECK(ring.entry(ring.at_or_before(1234)).sequence == 11);
    }

    TEST_CASE("HistoryRing: a frame larger than the whole ring is not kept") {
        HistoryRing ring(256, 4);
        const std::vector<float> big(100, 1.0f); // 400 bytes
        CHECK_FALSE(ring.push(image_frame(big, 0, 1)));
        CHECK(ring.size() == 0);
    }

    TEST_CASE(
        "HistoryRing: frames kept for a moment survive the ring wrapping twice, bytes intact") {
        // 3 frames of 256 bytes in the ring, 3 more in the keep store.
        HistoryRing ring(1000, 100, 3 * 256, 3);
        const auto push = [&](std::uint32_t n) {
            const std::vector<float> px(64, float(n));
            REQUIRE(ring.push(image_frame(px, n, 1000 + n)));
        };
        for (std::uint32_t n = 0; n < 6; ++n)
            push(n);
        // The moment: frame 4 (t = 1004), with its neighbours 3 and 5.
        ring.keep(1003, 1005);
        for (std::uint32_t n = 6; n < 6 + 2 * 3 + 1; ++n) // more than twice the ring's frames
            push(n);
        REQUIRE(ring.kept_frames() == 3);
        const std::size_t at = ring.at_or_before(1004);
        REQUIRE(at != HistoryRing::npos);
        for (std::uint32_t k = 0; k < 3; ++k) {
            const auto& e = ring.entry(at - 1 + k);
            CHECK(e.sequence == 3 + k);
            CHECK(e.kept);
            float first = 0, last = 0;
            std::memcpy(&first, ring.data(e).data(), sizeof first);
            std::memcpy(&last, ring.data(e).data() + 252, sizeof last);
            CHECK(first == float(3 + k));
            CHECK(last == float(3 + k));
        }
        // Frames 0..2 were lost before the kept ones, 6..9 between them and the ring's.
        CHECK(ring.lost_before_first());
        CHECK_FALSE(ring.entry(at - 1).lost_after);
        CHECK_FALSE(ring.entry(at).lost_after);
        CHECK(ring.entry(at + 1).lost_after);
        CHECK(ring.entry(at + 2).sequence == 10); // the ring's oldest follows in age order
        CHECK(ring.size() == 6);
    }

    TEST_CASE("HistoryRing: kept frames outside a new range are let go and marked as lost") {
        HistoryRing ring(1000, 100, 3 * 256, 3);
        const std::vector<float> px(64, 1.0f);
        for (std::uint32_t n = 0; n < 3; ++n)
            REQUIRE(ring.push(image_frame(px, n, 1000 + n)));
        ring.keep(1000, 1002);
        for (std::uint32_t n = 3; n < 6; ++n)
            REQUIRE(ring.push(image_frame(px, n, 1000 + n)));
        REQUIRE(ring.kept_frames() == 3);
        CHECK_FALSE(ring.lost_before_first());
        ring.keep(1001, 1001); // only frame 1 stays
        REQUIRE(ring.kept_frames() == 1);
        CHECK(ring.entry(0).sequence == 1);
        CHECK(ring.lost_before_first()); // frame 0
        CHECK(ring.entry(0).lost_after); // frame 2
        CHECK(ring.kept_bytes() == 256);
        ring.keep_none();
        CHECK(ring.kept_frames() == 0);
        CHECK(ring.size() == 3);
        CHECK(ring.entry(0).sequence == 3);
    }

    TEST_CASE(
        "HistoryRing: a full keep store loses the newer frames of the range and marks the gap") {
        HistoryRing ring(1000, 100, 256, 1); // room for one kept frame
        const std::vector<float> px(64, 1.0f);
        for (std::uint32_t n = 0; n < 3; ++n)
            REQUIRE(ring.push(image_frame(px, n, 1000 + n)));
        ring.keep(1000, 1002);
        for (std::uint32_t n = 3; n < 6; ++n)
            REQUIRE(ring.push(image_frame(px, n, 1000 + n)));
        REQUIRE(ring.kept_frames() == 1);
        CHECK(ring.entry(0).sequence == 0);
        CHECK(ring.entry(0).lost_after);
        CHECK(ring.entry(1).sequence == 3);
    }

    TEST_CASE("HistoryRing: a reserved frame is held only once committed and its room is never "
              "evicted") {
        HistoryRing ring(64 * 4, 100); // room for 4 frames of 64 bytes
        const std::vector<float> a(16, 1.0f), b(16, 2.0f), c(16, 3.0f);
        REQUIRE(ring.push(image_frame(a, 0, 10)));
        std::span<std::byte> dest;
        REQUIRE(ring.reserve(image_frame(b, 1, 20), dest));
        CHECK(dest.size() == 64);
        CHECK(ring.reserved() == 1);
        CHECK(ring.size() == 1); // not held yet: lookups do not see it
        CHECK(ring.at_or_before(25) == 0);
        std::memcpy(dest.data(), b.data(), dest.size());
        ring.commit();
        CHECK(ring.size() == 2);
        CHECK(ring.reserved() == 0);
        CHECK(ring.pushed() == 2);
        CHECK(ring.at_or_before(25) == 1);
        float first = 0;
        std::memcpy(&first, ring.data(ring.entry(1)).data(), sizeof first);
        CHECK(first == 2.0f);
        // Four reserved frames fill the ring: the held ones are evicted, the reserved never; a
        // fifth is refused (its room is still being written) until the oldest is committed.
        std::vector<std::span<std::byte>> rooms(4);
        for (std::uint32_t n = 0; n < 4; ++n)
            REQUIRE(ring.reserve(image_frame(c, 2 + n, 30 + n), rooms[n]));
        CHECK(ring.size() == 0);
        CHECK(ring.evicted() == 2);
        for (std::size_t i = 0; i < 4; ++i)
            for (std::size_t j = i + 1; j < 4; ++j)
                CHECK((rooms[i].data() + rooms[i].size() <= rooms[j].data() ||
                       rooms[j].data() + rooms[j].size() <= rooms[i].data()));
        CHECK_FALSE(ring.reserve(image_frame(c, 6, 40), dest));
        CHECK(ring.reserved() == 4);
        for (std::uint32_t n = 0; n < 4; ++n) {
            const std::vector<float> v(16, float(10 + n));
            std::memcpy(rooms[n].data(), v.data(), rooms[n].size());
        }
        ring.commit();
        CHECK(ring.size() == 1);
        CHECK(ring.entry(0).sequence == 2);
        REQUIRE(ring.reserve(image_frame(c, 6, 40), dest)); // evicts the committed one only
        CHECK(ring.size() == 0);
        CHECK(dest.data() == rooms[0].data());
        for (int n = 0; n < 4; ++n)
            ring.commit();
        REQUIRE(ring.size() == 4);
        for (std::size_t i = 0; i < 3; ++i) { // reserve order, each with the bytes written
            CHECK(ring.entry(i).sequence == 3 + i);
            std::memcpy(&first, ring.data(ring.entry(i)).data(), sizeof first);
            CHECK(first == float(11 + i));
        }
    }

    TEST_CASE("HistoryRing: a lent frame is seen at once where it is, and settling it hands back "
              "a free block, then the oldest frame's, the ring filled once both were") {
        alignas(64) std::byte blocks[2 * 256];
        HistoryRing ring(HistoryRing::Blocks{blocks, 256, 2}, 100);
        REQUIRE(ring.lends());
        CHECK_FALSE(ring.filled());
        // Frames in "slots" of their own, as a producer's pool would hold them.
        std::vector<std::vector<float>> slots(5);
        std::byte* block = nullptr;
        std::vector<std::byte*> given;
        for (std::uint32_t n = 0; n < 5; ++n) {
            slots[n].assign(64, float(n)); // 256 bytes: one block
            REQUIRE(ring.lend(in_slot(image_frame(slots[n], n, 1000 + n), std::uint8_t(n)),
                              writable(slots[n])));
            CHECK(ring.lent() == 1);
            CHECK(ring.oldest_lent().slot == n);
            // Held at once, in the slot's own bytes (no copy).
            const HistoryRing::Entry& e = ring.entry(ring.size() - 1);
            CHECK(e.lent);
            CHECK(ring.data(e).data() == reinterpret_cast<const std::byte*>(slots[n].data()));
            CHECK(ring.at_or_before(1000 + n) == ring.size() - 1);
            block = ring.settle();
            CHECK(ring.lent() == 0);
            given.push_back(block);
        }
        CHECK(ring.filled()); // both blocks handed out
        // The two free blocks first (the ring's own memory), then the oldest frames' buffers.
        CHECK(given[0] == blocks);
        CHECK(given[1] == blocks + 256);
        CHECK(given[2] == reinterpret_cast<std::byte*>(slots[0].data()));
        CHECK(given[3] == reinterpret_cast<std::byte*>(slots[1].data()));
        CHECK(given[4] == reinterpret_cast<std::byte*>(slots[2].data()));
        // The newest two held, each in the buffer it was lent in.
        REQUIRE(ring.size() == 2);
        CHECK(ring.evicted() == 3);
        CHECK(ring.used_bytes() == 512);
        for (std::size_t i = 0; i < 2; ++i) {
            const HistoryRing::Entry& e = ring.entry(i);
            CHECK(e.sequence == 3 + i);
            CHECK_FALSE(e.lent);
            float v = 0;
            std::memcpy(&v, ring.data(e).data() + 252, sizeof v);
            CHECK(v == float(3 + i));
        }
        // Larger than a block: not lent.
        std::vector<float> big(65, 1.0f);
        CHECK_FALSE(ring.lend(image_frame(big, 9, 2000), writable(big)));
    }

    TEST_CASE("HistoryRing: with a frame lent a copy is refused (it would go after it), and "
              "settling evicts only frames older than the lent ones") {
        alignas(64) std::byte blocks[2 * 64];
        HistoryRing ring(HistoryRing::Blocks{blocks, 64, 2}, 100);
        const std::vector<float> a(16, 1.0f), b(16, 2.0f);
        std::vector<float> c(16, 3.0f), d(16, 4.0f);
        REQUIRE(ring.push(image_frame(a, 0, 10))); // copied into a block
        REQUIRE(ring.push(image_frame(b, 1, 20)));
        CHECK(ring.used_bytes() == 128);
        REQUIRE(ring.lend(in_slot(image_frame(c, 2, 30), 7), writable(c)));
        REQUIRE(ring.lend(in_slot(image_frame(d, 3, 40), 5), writable(d)));
        CHECK(ring.size() == 4); // two copied, two lent: all seen
        CHECK(ring.lent() == 2);
        CHECK(ring.oldest_lent().sequence == 2);
        CHECK(ring.oldest_lent().slot == 7);
        std::span<std::byte> dest;
        CHECK_FALSE(ring.push(image_frame(a, 4, 50)));
        CHECK_FALSE(ring.reserve(image_frame(a, 4, 50), dest));
        // No block free: each settle evicts the oldest copied frame, never a lent one.
        std::byte* first = ring.settle();
        CHECK(ring.entry(0).sequence == 1);
        CHECK(ring.oldest_lent().slot == 5); // d's, next
        std::byte* second = ring.settle();
        CHECK(ring.entry(0).sequence == 2);
        CHECK(((first == blocks && second == blocks + 64) ||
               (first == blocks + 64 && second == blocks)));
        REQUIRE(ring.size() == 2);
        // Settled: a copy goes in again, into the oldest frame's buffer (c's, now the ring's).
        REQUIRE(ring.push(image_frame(a, 4, 50)));
        CHECK(ring.data(ring.entry(1)).data() == reinterpret_cast<const std::byte*>(c.data()));
        CHECK(c[0] == 1.0f);
    }

    TEST_CASE("HistoryRing: a lending ring keeps the moment's frames in its keep store") {
        alignas(64) std::byte blocks[2 * 64];
        HistoryRing ring(HistoryRing::Blocks{blocks, 64, 2}, 100, 64, 1);
        std::vector<std::vector<float>> slots(4);
        for (std::uint32_t n = 0; n < 4; ++n) {
            if (n == 1) ring.keep(1000, 1000); // the first frame is the moment shown
            slots[n].assign(16, float(n));
            REQUIRE(ring.lend(image_frame(slots[n], n, 1000 + n), writable(slots[n])));
            std::byte* given = ring.settle();
            std::memset(given, 0xFF, 64); // the next frame's producer writes into it at once
        }
        REQUIRE(ring.kept_frames() == 1);
        const HistoryRing::Entry& kept = ring.entry(0);
        CHECK(kept.kept);
        CHECK(kept.sequence == 0);
        CHECK(kept.lost_after); // frame 1 was evicted and lost
        float v = 0;
        std::memcpy(&v, ring.data(kept).data() + 60, sizeof v);
        CHECK(v == 0.0f); // copied before its buffer was handed out
        CHECK(ring.entry(1).sequence == 2);
        CHECK(ring.entry(2).sequence == 3);
    }
} // TEST_SUITE

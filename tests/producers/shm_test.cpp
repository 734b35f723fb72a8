// The shared-memory ring between a publisher (ShmRingWriter, the C++ client's) and the viewer
// (ShmReader): frames copy through exactly, the viewer hands slots back, and a slot reused
// before it was read, a truncated or missing segment, or a descriptor pointing elsewhere costs
// that frame with a reason, never a crash.

#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "client/shm_ring.hpp"
#include "producers/shm_reader.hpp"

using namespace rtv;

namespace {
std::vector<std::byte> pattern(std::size_t n, int seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = std::byte((i * 7 + std::size_t(seed)) & 0xFF);
    return v;
}
} // namespace

TEST_SUITE("producers") {

    TEST_CASE("shm: frames written to the ring are read back exactly and their slots handed back") {
        client::ShmRingWriter ring(3);
        producers::ShmReader reader;
        for (int frame = 0; frame < 7; ++frame) {
            CAPTURE(frame);
            const auto data = pattern(10000, frame);
            wire::ShmDescriptor d;
            REQUIRE(ring.write(data, d).is_ok());
            CHECK(d.slot == std::uint32_t(frame % 3)); // the oldest slot, in turn
            ring.mark_sent(d);
            std::vector<std::byte> out(data.size());
            const Status s = reader.read(d, out);
            REQUIRE_MESSAGE(s.is_ok(), s.message());
            CHECK(out == data);
        }
        CHECK(ring.reused_unread() == 0); // the reader handed every slot back
        CHECK(ring.wait_released(0.0));
        CHECK(reader.open_segments() == 1);
    }

    TEST_CASE(
        "shm: a slot the publisher reused before it was read is rejected, and counted there") {
        client::ShmRingWriter ring(2);
        producers::ShmReader reader;
        wire::ShmDescriptor first, second, third;
        const auto a = pattern(4096, 1), b = pattern(4096, 2), c = pattern(4096, 3);
        REQUIRE(ring.write(a, first).is_ok());
        REQUIRE(ring.write(b, second).is_ok());
        REQUIRE(ring.write(c, third).is_ok()); // reuses first's slot: the publisher never waits
        CHECK(ring.reused_unread() == 1);
        std::vector<std::byte> out(4096);
        const Status stale = reader.read(first, out);
        CHECK(stale.message().find("was reused before it was read") != std::string::npos);
        REQUIRE(reader.read(second, out).is_ok());
        CHECK(out == b);
        REQUIRE(reader.read(third, out).is_ok());
        CHECK(out == c);
    }

    TEST_CASE("shm: with every slot's sent frame unread the ring is not ready until one is read") {
        client::ShmRingWriter ring(2);
        producers::ShmReader reader;
        const auto data = pattern(4096, 6);
        wire::ShmDescriptor first, second;
        CHECK(ring.ready());
        REQUIRE(ring.write(data, first).is_ok());
        ring.mark_sent(first);
        CHECK(ring.ready()); // slot 1 is free
        REQUIRE(ring.write(data, second).is_ok());
        ring.mark_sent(second);
        CHECK_FALSE(ring.ready()); // slot 0 holds a frame in flight: the publisher drops instead
        CHECK_FALSE(ring.wait_released(0.0));
        std::vector<std::byte> out(4096);
        REQUIRE(reader.read(first, out).is_ok()); // the viewer hands slot 0 back
        CHECK(ring.ready());
        REQUIRE(reader.read(second, out).is_ok());
        CHECK(ring.wait_released(0.0));
        CHECK(ring.reused_unread() == 0);
    }

    TEST_CASE("shm: a larger frame moves the ring to a new segment and both read correctly") {
        client::ShmRingWriter ring(2);
        producers::ShmReader reader;
        wire::ShmDescriptor small, big;
        const auto a = pattern(100, 1), b = pattern(100000, 2);
        REQUIRE(ring.write(a, small).is_ok());
        const std::string first_segment(small.segment);
        std::vector<std::byte> out_a(100), out_b(100000);
        REQUIRE(reader.read(small, out_a).is_ok());
        REQUIRE(ring.write(b, big).is_ok());
        CHECK(std::string(big.segment) != first_segment);
        REQUIRE(reader.read(big, out_b).is_ok());
        CHECK(out_a == a);
        CHECK(out_b == b);
    }

    TEST_CASE("shm: a truncated segment costs the frame with a reason and no crash") {
        client::ShmRingWriter ring(2);
        producers::ShmReader reader;
        wire::ShmDescriptor d;
        const auto data = pattern(50000, 4);
        REQUIRE(ring.write(data, d).is_ok());
        std::vector<std::byte> out(data.size());
        REQUIRE(reader.read(d, out).is_ok()); // the reader has the segment open now
        REQUIRE(ring.write(data, d).is_ok());
        // The publisher (or anyone) shrinks the segment under the viewer.
        const int fd = shm_open(("/" + ring.segment()).c_str(), O_RDWR, 0);
        REQUIRE(fd >= 0);
        REQUIRE(ftruncate(fd, off_t(d.offset + 100)) == 0);
        close(fd);
        const Status s = reader.read(d, out);
        CHECK(s.message().find("truncated") != std::string::npos);
    }

    TEST_CASE("shm: descriptors naming a missing segment or another slot's range are rejected") {
        client::ShmRingWriter ring(2);
        producers::ShmReader reader;
        wire::ShmDescriptor d;
        const auto data = pattern(8192, 5);
        REQUIRE(ring.write(data, d).is_ok());
        std::vector<std::byte> out(data.size());

        wire::ShmDescriptor missing = d;
        missing.segment = "rtv-no-such-segment";
        CHECK(reader.read(missing, out).message().find("cannot open segment") != std::string::npos);
        wire::ShmDescriptor elsewhere = d;
        elsewhere.offset += 8; // not where slot 0's data start
        CHECK(reader.read(elsewhere, out).message().find("is not slot 0's") != std::string::npos);
        wire::ShmDescriptor other_slot = d;
        other_slot.slot = 5; // the ring has 2
        CHECK(reader.read(other_slot, out).message().find("not one of the ring's 2") !=
              std::string::npos);
        std::vector<std::byte> wrong(100);
        CHECK(reader.read(d, wrong).message().find("the array's shape needs 100") !=
              std::string::npos);
        REQUIRE(reader.read(d, out).is_ok()); // the good descriptor still reads
        CHECK(out == data);
    }

    TEST_CASE("shm: a segment that is not a ring is refused") {
        const std::string name = "rtv-test-not-a-ring-" + std::to_string(getpid());
        const int fd = shm_open(("/" + name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(ftruncate(fd, 1 << 16) == 0);
        close(fd);
        producers::ShmReader reader;
        wire::ShmDescriptor d;
        d.segment = name;
        d.offset = wire::ShmRing::data_offset(1);
        d.bytes = 16;
        d.generation = 2;
        std::vector<std::byte> out(16);
        CHECK(reader.read(d, out).message().find("is not an rtviewer ring") != std::string::npos);
        shm_unlink(("/" + name).c_str());
    }
}

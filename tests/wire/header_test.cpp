// The wire header part: what encode_header writes decode_header reads back, and every malformed
// header is refused with its reason (the fuzz target covers the rest).

#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "wire/message.hpp"

using namespace rtv;
using namespace rtv::wire;

namespace {
WireHeader shm_header(std::string_view segment) {
    WireHeader h;
    h.publisher = 0x0102030405060708ull;
    h.sequence = 41;
    h.send_ns = 123456789;
    h.boot_id = boot_id();
    h.shm = true;
    h.descriptor.slot = 2;
    h.descriptor.offset = ShmRing::data_offset(4) + 2 * 8192;
    h.descriptor.bytes = 8000;
    h.descriptor.generation = 6;
    h.descriptor.segment = segment;
    return h;
}

std::string refusal(const std::vector<std::byte>& part) {
    WireHeader h;
    const Status s = decode_header(part, h);
    return s ? std::string("accepted") : s.message();
}
} // namespace

TEST_SUITE("producers") {

    TEST_CASE("wire header: a plain header round-trips its publisher sequence time and boot id") {
        WireHeader h;
        h.publisher = 77;
        h.sequence = 1ull << 40;
        h.send_ns = -5; // any value: the viewer decides whether to trust it
        h.boot_id = boot_id();
        std::vector<std::byte> part;
        encode_header(h, part);
        CHECK(part.size() == WireHeader::kSize);
        WireHeader back;
        REQUIRE(decode_header(part, back).is_ok());
        CHECK(back.publisher == 77);
        CHECK(back.sequence == (1ull << 40));
        CHECK(back.send_ns == -5);
        CHECK(back.boot_id == h.boot_id);
        CHECK_FALSE(back.shm);
    }

    TEST_CASE("wire header: a shm header round-trips its descriptor") {
        std::vector<std::byte> part;
        encode_header(shm_header("rtv-123-abc"), part);
        CHECK(part.size() == WireHeader::kShmSize + 11);
        WireHeader back;
        REQUIRE(decode_header(part, back).is_ok());
        CHECK(back.shm);
        CHECK(back.sequence == 41);
        CHECK(back.descriptor.segment == "rtv-123-abc");
        CHECK(back.descriptor.slot == 2);
        CHECK(back.descriptor.bytes == 8000);
        CHECK(back.descriptor.generation == 6);
        CHECK(back.descriptor.offset == ShmRing::data_offset(4) + 2 * 8192);
    }

    TEST_CASE("wire header: bad magic size version flags and lengths are refused with reasons") {
        std::vector<std::byte> good;
        encode_header(WireHeader{}, good);
        CHECK(refusal(good) == "accepted");
        CHECK(refusal({good.begin(), good.begin() + 20}) ==
              "zmq: header part is 20 bytes, expected at least 48");
        auto bad = good;
        bad[0] = std::byte{'X'};
        CHECK(refusal(bad).find("does not start with RTVH") != std::string::npos);
        bad = good;
        bad[4] = std::byte{2};
        CHECK(refusal(bad) == "zmq: header version 2 is not supported, expected 1");
        bad = good;
        bad[5] = std::byte{4};
        CHECK(refusal(bad) ==
              "zmq: header flags 4 has unknown bits, expected 0, 1 (shm) or 2 (mark)");
        bad = good;
        bad.push_back(std::byte{0});
        CHECK(refusal(bad) == "zmq: header says 48 bytes, part is 49");
    }

    TEST_CASE("wire header: a sequence mark round-trips and is 48 bytes and never shm") {
        WireHeader h;
        h.publisher = 0xFEDCBA9876543210ull;
        h.sequence = 99;
        h.send_ns = 42;
        h.mark = true;
        std::vector<std::byte> part;
        encode_header(h, part);
        CHECK(part.size() == WireHeader::kSize);
        CHECK(std::to_integer<int>(part[5]) == 2);
        WireHeader back;
        REQUIRE(decode_header(part, back).is_ok());
        CHECK(back.mark);
        CHECK_FALSE(back.shm);
        CHECK(back.publisher == 0xFEDCBA9876543210ull);
        CHECK(back.sequence == 99);
        CHECK(back.send_ns == 42);
        // A frame's header is no mark.
        encode_header(WireHeader{}, part);
        REQUIRE(decode_header(part, back).is_ok());
        CHECK_FALSE(back.mark);
        encode_header(shm_header("rtv-ok"), part);
        REQUIRE(decode_header(part, back).is_ok());
        CHECK_FALSE(back.mark);
    }

    TEST_CASE("wire header: a mark with shm or with a descriptor's bytes is refused") {
        WireHeader h;
        h.mark = true;
        std::vector<std::byte> part;
        encode_header(h, part);
        auto bad = part;
        bad[5] = std::byte{3};
        CHECK(refusal(bad) ==
              "zmq: header flags 3 say shm and mark, expected one (a mark carries no data)");
        bad = part;
        bad.resize(WireHeader::kShmSize + 6);
        bad[6] = std::byte(bad.size()); // the size field agrees: only the flags tell
        CHECK(refusal(bad) == "zmq: header is 83 bytes without shm, expected 48");
    }

    TEST_CASE("wire header: shm descriptors with a bad name slot generation or range are refused") {
        const auto refused = [](WireHeader h) {
            std::vector<std::byte> part;
            encode_header(h, part);
            return refusal(part);
        };
        CHECK(refused(shm_header("rtv-ok")) == "accepted");
        CHECK(refused(shm_header("dev-shm-other")).find("segment name") != std::string::npos);
        CHECK(refused(shm_header("rtv/../etc")).find("segment name") != std::string::npos);
        WireHeader h = shm_header("rtv-ok");
        h.descriptor.slot = ShmRing::kMaxSlots;
        CHECK(refused(h).find("slot 256 is over the limit") != std::string::npos);
        h = shm_header("rtv-ok");
        h.descriptor.generation = 7;
        CHECK(refused(h).find("not a finished write") != std::string::npos);
        h = shm_header("rtv-ok");
        h.descriptor.offset = 0; // inside the control block
        CHECK(refused(h).find("outside any ring") != std::string::npos);
        h = shm_header("rtv-ok");
        h.descriptor.bytes = ~0ull;
        CHECK(refused(h).find("outside any ring") != std::string::npos);
        std::vector<std::byte> part;
        encode_header(shm_header("rtv-ok"), part);
        part[76] = std::byte{40}; // names more bytes than the part has
        CHECK(refusal(part).find("names a segment of 40 bytes") != std::string::npos);
    }

    TEST_CASE("wire header: this machine's boot id is read and is not all zeros") {
        CHECK_FALSE(boot_id() == BootId{});
        CHECK(boot_id() == boot_id());
    }
}

// ProducerBoard: the rows a producer shows and the live changes queued for it.
#include <array>
#include <cstdio>
#include <span>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "core/producer_board.hpp"

using namespace rtv;

namespace {
std::string value(const ProducerBoard& b, const char* key) {
    std::array<char, ProducerBoard::kValueBytes> v{};
    return b.value_of(key, v) ? std::string(v.data()) : std::string("(none)");
}
} // namespace

TEST_SUITE("core") {

    TEST_CASE("ProducerBoard: rows keep their first order and change in place") {
        ProducerBoard b;
        const std::uint64_t v0 = b.version();
        CHECK(b.set("model", "A") == ProducerBoard::SetResult::Set);
        CHECK(b.set("serial", "1") == ProducerBoard::SetResult::Set);
        CHECK(b.set("model", "B") == ProducerBoard::SetResult::Set);
        CHECK(b.version() == v0 + 3);
        std::array<ProducerBoard::Row, 4> rows{};
        REQUIRE(b.copy(rows) == 2);
        CHECK(rows[0].key_view() == "model");
        CHECK(rows[0].value_view() == "B");
        CHECK(rows[1].key_view() == "serial");
        b.set("model", nullptr); // removed
        REQUIRE(b.copy(rows) == 1);
        CHECK(rows[0].key_view() == "serial");
        CHECK(b.set("", "x") == ProducerBoard::SetResult::EmptyKey);
    }

    TEST_CASE("ProducerBoard: text is cut to fit and a key past the 24th is refused once said") {
        ProducerBoard b;
        const std::string long_key(40, 'k'), long_value(300, 'v');
        b.set(long_key, long_value);
        CHECK(value(b, long_key.c_str()) == std::string(ProducerBoard::kValueBytes - 1, 'v'));
        for (std::size_t i = 1; i < ProducerBoard::kMaxRows; ++i)
            CHECK(b.set("row" + std::to_string(i), "x") == ProducerBoard::SetResult::Set);
        CHECK(b.set("one-too-many", "x") == ProducerBoard::SetResult::Full);
        CHECK(b.set("two-too-many", "x") == ProducerBoard::SetResult::FullAgain);
        CHECK(b.set("row1", "changed") == ProducerBoard::SetResult::Set); // known keys still do
        CHECK(value(b, "row1") == "changed");
        CHECK(value(b, "one-too-many") == "(none)");
    }

    TEST_CASE("ProducerBoard: changes come oldest first with the newest value of each key") {
        ProducerBoard b;
        REQUIRE(b.push_change("exposure_us", "1000"));
        REQUIRE(b.push_change("gain", "2"));
        REQUIRE(b.push_change("exposure_us", "3000")); // replaces the waiting value
        CHECK(b.changes_waiting() == 2);
        std::array<char, 32> key{};
        std::array<char, 8> val{};
        REQUIRE(b.next_change(key, val));
        CHECK(std::string(key.data()) == "exposure_us");
        CHECK(std::string(val.data()) == "3000");
        REQUIRE(b.next_change(key, val));
        CHECK(std::string(key.data()) == "gain");
        CHECK_FALSE(b.next_change(key, val));
        // Bounded: kMaxChanges distinct keys, then refused; a small buffer gets the text cut.
        for (std::size_t i = 0; i < ProducerBoard::kMaxChanges; ++i)
            CHECK(b.push_change("k" + std::to_string(i), "123456789"));
        CHECK_FALSE(b.push_change("one-more", "1"));
        REQUIRE(b.next_change(key, val));
        CHECK(std::string(val.data()) == "1234567");
    }

    TEST_CASE("ProducerBoard: assign replaces every row and moves the version only on a change") {
        ProducerBoard b;
        b.set("old", "1");
        std::array<ProducerBoard::Row, 3> given{};
        const auto row = [&](std::size_t i, const char* k, const char* v) {
            std::snprintf(given[i].key.data(), given[i].key.size(), "%s", k);
            std::snprintf(given[i].value.data(), given[i].value.size(), "%s", v);
        };
        row(0, "model", "M");
        row(1, "serial", "S");
        const std::uint64_t v0 = b.version();
        b.assign(std::span(given).first(2));
        CHECK(b.version() == v0 + 1);
        std::array<ProducerBoard::Row, 4> rows{};
        REQUIRE(b.copy(rows) == 2);
        CHECK(rows[0].key_view() == "model");
        CHECK(rows[1].value_view() == "S");
        CHECK(value(b, "old") == "(none)");
        b.assign(std::span(given).first(2)); // the same rows: nothing moved
        CHECK(b.version() == v0 + 1);
        row(1, "serial", "T");
        b.assign(std::span(given).first(2));
        CHECK(b.version() == v0 + 2);
        CHECK(value(b, "serial") == "T");
        b.assign({}); // none
        CHECK(b.copy(rows) == 0);
        CHECK(b.version() == v0 + 3);
    }

    TEST_CASE("ProducerBoard: the change hook is called for each change queued and not for a "
              "refused one") {
        ProducerBoard b;
        int calls = 0;
        b.on_change([](void* user) { ++*static_cast<int*>(user); }, &calls);
        REQUIRE(b.push_change("gain", "1"));
        REQUIRE(b.push_change("gain", "2")); // replaces the waiting value: still news
        CHECK(calls == 2);
        CHECK_FALSE(b.push_change("", "1"));
        for (std::size_t i = 1; i < ProducerBoard::kMaxChanges; ++i)
            REQUIRE(b.push_change("k" + std::to_string(i), "x"));
        CHECK_FALSE(b.push_change("one-more", "1"));
        CHECK(calls == 1 + int(ProducerBoard::kMaxChanges));
    }

    TEST_CASE("ProducerBoard: rows set on one thread are read whole on another") {
        ProducerBoard b;
        std::jthread writer([&b] {
            for (int i = 0; i < 2000; ++i)
                b.set("value", i % 2 ? "odd-odd-odd" : "even");
        });
        std::array<ProducerBoard::Row, 1> rows{};
        for (int i = 0; i < 2000; ++i)
            if (b.copy(rows) == 1) {
                const std::string_view v = rows[0].value_view();
                CHECK((v == "odd-odd-odd" || v == "even"));
            }
    }
}

#include <cstdint>
#include <utility>

#include <doctest/doctest.h>

#include "core/page_buffer.hpp"

using rtv::PageBuffer;

TEST_SUITE_BEGIN("core");

TEST_CASE("PageBuffer: is aligned to 2 MiB and rounded up to whole huge pages and zero-filled") {
    PageBuffer b(PageBuffer::kHugePage + 1);
    REQUIRE(b);
    CHECK(reinterpret_cast<std::uintptr_t>(b.get()) % PageBuffer::kHugePage == 0);
    CHECK(b.size() == 2 * PageBuffer::kHugePage);
    // Fresh anonymous pages read as zero, and every byte is writable, the last included.
    CHECK(b.get()[0] == std::byte{0});
    CHECK(b.get()[b.size() - 1] == std::byte{0});
    b.get()[0] = std::byte{1};
    b.get()[b.size() - 1] = std::byte{2};
    CHECK(b.get()[b.size() - 1] == std::byte{2});
}

TEST_CASE("PageBuffer: of 0 bytes is empty and a move hands the mapping over") {
    PageBuffer none(0);
    CHECK(!none);
    CHECK(none.size() == 0);

    PageBuffer a(100);
    std::byte* const p = a.get();
    p[99] = std::byte{7};
    PageBuffer b(std::move(a));
    CHECK(!a); // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    CHECK(b.get() == p);
    CHECK(b.get()[99] == std::byte{7});
    a = std::move(b);
    CHECK(a.get() == p);
    CHECK(!b); // NOLINT(bugprone-use-after-move)
}

TEST_SUITE_END();

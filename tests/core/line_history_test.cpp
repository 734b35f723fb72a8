#include <vector>

#include <doctest/doctest.h>

#include "core/line_history.hpp"

namespace {
std::vector<float> ys(const rtv::LineHistory& h, std::uint32_t line) {
    std::vector<float> out;
    auto [a, b] = h.runs(line);
    for (auto p : a)
        out.push_back(p.y);
    for (auto p : b)
        out.push_back(p.y);
    return out;
}
std::vector<rtv::LinePoint> make(std::initializer_list<float> y) {
    std::vector<rtv::LinePoint> v;
    for (float f : y)
        v.push_back({0.0f, f});
    return v;
}
} // namespace

TEST_SUITE("core") {

    TEST_CASE("LineHistory: appends in order and wraps its ring with the oldest sample first") {
        rtv::LineHistory h(1, 4);
        h.append(make({1, 2, 3}), 1, 3);
        CHECK(ys(h, 0) == std::vector<float>{1, 2, 3});
        h.append(make({4, 5}), 1, 2);
        CHECK(ys(h, 0) == std::vector<float>{2, 3, 4, 5});
        CHECK(h.head() == 1);
        CHECK(h.written() == 5);
        CHECK(h.size() == 4);
        auto [first, second] = h.runs(0);
        CHECK(first.size() == 3);  // ring[1..3]
        CHECK(second.size() == 1); // ring[0]
    }

    TEST_CASE("LineHistory: a frame longer than the capacity keeps its newest samples") {
        rtv::LineHistory h(1, 3);
        h.append(make({1}), 1, 1);
        h.append(make({10, 11, 12, 13, 14}), 1, 5);
        CHECK(ys(h, 0) == std::vector<float>{12, 13, 14});
        CHECK(h.written() == 6);
    }

    TEST_CASE("LineHistory: several lines advance together") {
        rtv::LineHistory h(2, 3);
        h.append(make({1, 2, /* line 1 */ 101, 102}), 2, 2);
        h.append(make({3, 4, /* line 1 */ 103, 104}), 2, 2);
        CHECK(ys(h, 0) == std::vector<float>{2, 3, 4});
        CHECK(ys(h, 1) == std::vector<float>{102, 103, 104});
    }

} // TEST_SUITE

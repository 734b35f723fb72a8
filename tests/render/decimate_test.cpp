#include <algorithm>
#include <cmath>
#include <vector>

#include <doctest/doctest.h>

#include "render/decimate.hpp"

using namespace rtv;
using namespace rtv::render;

namespace {
// y of point i: a sine with a one-sample spike at i == spike.
float y_at(std::size_t i, std::size_t spike) {
    return i == spike ? 50.0f : std::sin(float(i) * 0.001f);
}
std::vector<LinePoint> line(std::size_t n, std::size_t spike) {
    std::vector<LinePoint> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = {float(i), y_at(i, spike)};
    return v;
}
} // namespace

TEST_SUITE("render") {

    TEST_CASE("Decimate: a million points keep each column's min and max and a one-sample spike") {
        const std::size_t n = 1'000'000, columns = 800, spike = 123'457;
        const auto in = line(n, spike);
        std::vector<LinePoint> out(decimated_capacity(columns));
        const double x0 = 0.0, x1 = double(n);
        const std::size_t m = decimate(in, x0, x1, columns, out);
        CHECK(m <= decimated_capacity(columns));
        CHECK(m >= columns); // every column has points
        out.resize(m);
        // Every output point is an input point, in the input's order.
        for (std::size_t i = 0; i < m; ++i) {
            CAPTURE(i);
            REQUIRE(out[i].y == y_at(std::size_t(out[i].x), spike));
            if (i > 0) REQUIRE(out[i].x > out[i - 1].x);
        }
        // Per column, the output's extent is the input's.
        std::vector<float> lo(columns, 1e9f), hi(columns, -1e9f), dlo = lo, dhi = hi;
        const double scale = double(columns) / (x1 - x0);
        auto col = [&](float x) {
            return std::min<std::size_t>(std::size_t((double(x) - x0) * scale), columns - 1);
        };
        for (const LinePoint& p : in) {
            lo[col(p.x)] = std::min(lo[col(p.x)], p.y);
            hi[col(p.x)] = std::max(hi[col(p.x)], p.y);
        }
        for (const LinePoint& p : out) {
            dlo[col(p.x)] = std::min(dlo[col(p.x)], p.y);
            dhi[col(p.x)] = std::max(dhi[col(p.x)], p.y);
        }
        CHECK(lo == dlo);
        CHECK(hi == dhi);
        CHECK(std::any_of(out.begin(), out.end(), [](const LinePoint& p) { return p.y == 50.0f; }));
    }

    TEST_CASE("Decimate: the points just outside the view are kept so the line reaches its edges") {
        const auto in = line(10'000, 0);
        std::vector<LinePoint> out(decimated_capacity(50));
        const std::size_t m = decimate(in, 1000.0, 2000.0, 50, out);
        REQUIRE(m >= 2);
        CHECK(out[0].x == 999.0f);
        CHECK(out[m - 1].x == 2001.0f);
        for (std::size_t i = 1; i + 1 < m; ++i) {
            CHECK(out[i].x >= 1000.0f);
            CHECK(out[i].x <= 2000.0f);
        }
    }

    TEST_CASE("Decimate: a line with fewer points than columns comes out whole") {
        const auto in = line(100, 40);
        std::vector<LinePoint> out(decimated_capacity(400));
        const std::size_t m = decimate(in, 0.0, 100.0, 400, out);
        REQUIRE(m == in.size());
        for (std::size_t i = 0; i < m; ++i) {
            CHECK(out[i].x == in[i].x);
            CHECK(out[i].y == in[i].y);
        }
    }

    TEST_CASE("Decimate: only lines whose x never decreases can be decimated by column") {
        CHECK(x_is_sorted(line(1000, 3)));
        const std::vector<LinePoint> back{{0, 0}, {1, 1}, {0.5f, 2}};
        CHECK_FALSE(x_is_sorted(back));
        const std::vector<LinePoint> flat{{1, 0}, {1, 1}, {1, 2}}; // vertical runs are sorted
        CHECK(x_is_sorted(flat));
    }
}

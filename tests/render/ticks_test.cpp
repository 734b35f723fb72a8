// Axis ticks: always nice steps, evenly spaced, inside the range, 3..12 of them, with labels that
// tell neighbours apart, over ranges from 1e-9 to 1e9 wide, negative, inverted and offset.

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "render/ticks.hpp"

using rtv::render::nice_ticks;
using rtv::render::Ticks;

namespace {

// Whether step is 1, 2, 2.5 or 5 times a power of ten.
bool nice(double step) {
    const double e = std::floor(std::log10(step) + 1e-9);
    const double m = step / std::pow(10.0, e);
    for (double n : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (std::abs(m - n) < 1e-9) return true;
    return false;
}

void check_ticks(double lo, double hi, int wanted) {
    CAPTURE(lo);
    CAPTURE(hi);
    CAPTURE(wanted);
    const Ticks t = nice_ticks(lo, hi, wanted);
    CAPTURE(t.first);
    CAPTURE(t.step);
    CAPTURE(t.count);
    CHECK(t.count >= Ticks::kMin);
    CHECK(t.count <= Ticks::kMax);
    CHECK(nice(t.step));
    const double a = std::min(lo, hi), b = std::max(lo, hi);
    const double tol = t.step * 1e-6;
    CHECK(t.value(0) >= a - tol);
    CHECK(t.value(t.count - 1) <= b + tol);
    // Evenly spaced, and each a whole multiple of the step.
    for (int i = 1; i < t.count; ++i)
        CHECK(t.value(i) - t.value(i - 1) == doctest::Approx(t.step).epsilon(1e-6));
    CHECK(std::abs(t.first / t.step - std::round(t.first / t.step)) < 1e-6);
    // Labels: all different, each reads back as its value, never "-0" or "nan".
    std::set<std::string> labels;
    std::array<char, 32> buf{};
    for (int i = 0; i < t.count; ++i) {
        const std::string label(rtv::render::tick_label(t, t.value(i), buf));
        CAPTURE(label);
        CHECK(label.find("nan") == std::string::npos);
        const double read = std::stod(label); // the label says the tick's value...
        CHECK(std::abs(read - t.value(i)) <= t.step * 0.01);
        if (read == 0.0) CHECK(label[0] != '-'); // ...and zero is never "-0"
        labels.insert(label);
    }
    CHECK(labels.size() == std::size_t(t.count));
}

} // namespace

TEST_SUITE("render") {

    TEST_CASE("ticks: ranges from 1e-9 to 1e9 wide are nice evenly spaced and inside") {
        for (double width = 1e-9; width <= 1.01e9; width *= 3.7)
            for (int wanted : {3, 5, 8, 12}) {
                check_ticks(0.0, width, wanted);
                check_ticks(-width, 0.0, wanted);
                check_ticks(-width / 3, width, wanted);
            }
    }

    TEST_CASE("ticks: inverted ranges give the same ticks as upright ones") {
        const Ticks up = nice_ticks(-3.2, 17.9, 6), down = nice_ticks(17.9, -3.2, 6);
        CHECK(up.first == down.first);
        CHECK(up.step == down.step);
        CHECK(up.count == down.count);
        check_ticks(600.0, 0.0, 8); // an image's rows, y down
    }

    TEST_CASE("ticks: tiny ranges around large offsets keep their labels apart") {
        check_ticks(1e6, 1e6 + 1e-3, 6);
        check_ticks(-1e6 - 1e-3, -1e6, 6);
        check_ticks(123456.789, 123456.7891, 5);
        const Ticks t = nice_ticks(1e6, 1e6 + 1e-3, 6);
        std::array<char, 32> buf{};
        CHECK(std::string(rtv::render::tick_label(t, t.value(1), buf)).find("1000000.000") == 0);
    }

    TEST_CASE("ticks: steps and labels read as people write them") {
        const Ticks t = nice_ticks(0.0, 1.0, 5);
        CHECK(t.step == 0.2);
        CHECK(t.count == 6);
        std::array<char, 32> buf{};
        CHECK(rtv::render::tick_label(t, 0.2, buf) == "0.2");
        CHECK(rtv::render::tick_label(t, 0.0, buf) == "0");
        const Ticks quarter = nice_ticks(0.0, 1.0, 4);
        CHECK(quarter.step == 0.25);
        CHECK(rtv::render::tick_label(quarter, 0.75, buf) == "0.75");
        const Ticks halves = nice_ticks(0.0, 10.0, 4);
        CHECK(halves.step == 2.5);
        CHECK(rtv::render::tick_label(halves, 7.5, buf) == "7.5");
        CHECK(rtv::render::tick_label(halves, 5.0, buf) == "5.0");
        const Ticks pixels = nice_ticks(0.0, 800.0, 8);
        CHECK(pixels.step == 100.0);
        CHECK(rtv::render::tick_label(pixels, 300.0, buf) == "300");
        const Ticks big = nice_ticks(0.0, 3e9, 4);
        CHECK(rtv::render::tick_label(big, 1e9, buf) == "1e+09");
        const Ticks small = nice_ticks(-2e-9, 2e-9, 5);
        CHECK(rtv::render::tick_label(small, 1e-9, buf) == "1e-09");
        CHECK(rtv::render::tick_label(small, -1e-24, buf) == "0");
    }

    TEST_CASE("ticks: empty and non-finite ranges still give a defined axis") {
        for (const double v : {5.0, 0.0, -1e6, 1e-20}) { // e.g. an image whose pixels are all equal
            CAPTURE(v);
            const Ticks t = nice_ticks(v, v, 6); // widened about the value
            check_ticks(t.value(0), t.value(t.count - 1), 6);
            CHECK(t.value(0) <= v);
            CHECK(t.value(t.count - 1) >= v);
        }
        const Ticks nan = nice_ticks(std::nan(""), std::nan(""), 6); // all-NaN image
        CHECK(nan.count >= Ticks::kMin);
        CHECK(std::isfinite(nan.first));
        const Ticks inf = nice_ticks(-INFINITY, INFINITY, 6);
        CHECK(inf.count >= Ticks::kMin);
        CHECK(std::isfinite(inf.step));
    }

} // TEST_SUITE

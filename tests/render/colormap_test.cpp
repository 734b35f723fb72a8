#include <doctest/doctest.h>

#include "render/colormap.hpp"

using namespace rtv::render;

namespace {
void check_rgb(Rgb c, float r, float g, float b) {
    CHECK(c.r == doctest::Approx(r).epsilon(1e-5));
    CHECK(c.g == doctest::Approx(g).epsilon(1e-5));
    CHECK(c.b == doctest::Approx(b).epsilon(1e-5));
}
} // namespace

TEST_SUITE("render") {

    TEST_CASE("Colormap: viridis matches matplotlib's published table at its ends and inside") {
        check_rgb(colormap_entry(Colormap::Viridis, 0), 0.267004f, 0.004874f, 0.329415f);
        check_rgb(colormap_entry(Colormap::Viridis, 128), 0.127568f, 0.566949f, 0.550556f);
        check_rgb(colormap_entry(Colormap::Viridis, 255), 0.993248f, 0.906157f, 0.143936f);
    }

    TEST_CASE("Colormap: reds and blues run linearly from white as VisPy defines them") {
        check_rgb(colormap_entry(Colormap::Reds, 0), 1, 1, 1);
        check_rgb(colormap_entry(Colormap::Reds, 255), 1, 0, 0);
        check_rgb(colormap_lookup(Colormap::Reds, 0.5f), 1, 1 - 128 / 255.0f, 1 - 128 / 255.0f);
        check_rgb(colormap_entry(Colormap::Blues, 0), 1, 1, 1);
        check_rgb(colormap_entry(Colormap::Blues, 255), 0, 0, 1);
        check_rgb(colormap_lookup(Colormap::Blues, 0.25f), 1 - 64 / 255.0f, 1 - 64 / 255.0f, 1);
    }

    TEST_CASE("Colormap: the other published tables start and end where matplotlib's do") {
        check_rgb(colormap_entry(Colormap::Magma, 0), 0.001462f, 0.000466f, 0.013866f);
        check_rgb(colormap_entry(Colormap::Inferno, 255), 0.988362f, 0.998364f, 0.644924f);
        check_rgb(colormap_entry(Colormap::Plasma, 0), 0.050383f, 0.029803f, 0.527975f);
        check_rgb(colormap_entry(Colormap::Turbo, 0), 0.18995f, 0.07176f, 0.23217f);
        check_rgb(colormap_entry(Colormap::Grays, 255), 1, 1, 1);
    }

    TEST_CASE("Colormap: names are one table for the CLI and the GUI") {
        CHECK(colormap_list() == "viridis, reds, blues, grays, magma, inferno, plasma, turbo");
        for (std::string_view name : colormap_names()) {
            const auto map = find_colormap(name);
            REQUIRE(map);
            CHECK(name_of(*map) == name);
        }
        CHECK_FALSE(find_colormap("jet"));
        CHECK(colormap_lookup(Colormap::Viridis, -3.0f).r ==
              colormap_entry(Colormap::Viridis, 0).r);
        CHECK(colormap_lookup(Colormap::Viridis, 7.0f).r ==
              colormap_entry(Colormap::Viridis, 255).r);
    }

    TEST_CASE("Colormap: line colours by name or #rrggbb") {
        check_rgb(*find_color("black"), 0, 0, 0);
        check_rgb(*find_color("red"), 1, 0, 0);
        check_rgb(*find_color("blue"), 0, 0, 1);
        check_rgb(*find_color("#ff8000"), 1, 128 / 255.0f, 0);
        CHECK_FALSE(find_color("pink"));
        CHECK_FALSE(find_color("#ff80"));
        CHECK_FALSE(find_color("#gg0000"));
    }

} // TEST_SUITE

// The aravis plugin's pixel work (plugins/aravis/unpack.hpp) against the formats' definitions:
// the packed formats of the GenICam Pixel Format Naming Convention (PFNC) and GigE Vision,
// written out here bit by bit, and Bayer mosaics, on odd widths.
#include <cstdint>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include "unpack.hpp"

using namespace rtv::aravis;

namespace {

// PFNC Mono10p / Mono12p: pixel i's bit k is bit (i * bits + k) of the image, bit n of the image
// being bit (n mod 8) of byte n / 8.
std::vector<std::uint8_t> pack_lsb_stream(const std::vector<std::uint16_t>& px, unsigned bits) {
    std::vector<std::uint8_t> out((px.size() * bits + 7) / 8, 0);
    for (std::size_t i = 0; i < px.size(); ++i)
        for (unsigned k = 0; k < bits; ++k)
            if ((px[i] >> k) & 1u) {
                const std::size_t n = i * bits + k;
                out[n / 8] = std::uint8_t(out[n / 8] | (1u << (n % 8)));
            }
    return out;
}

// GigE Vision Mono10Packed / Mono12Packed: pixels 2j and 2j+1 in bytes 3j..3j+2: byte 0 holds the
// first pixel's 8 most significant bits, byte 2 the second's, byte 1 the first's remaining low
// bits from bit 0 and the second's from bit 4. A lone last pixel fills bytes 0 and 1.
std::vector<std::uint8_t> pack_gev(const std::vector<std::uint16_t>& px, unsigned bits) {
    const unsigned low = bits - 8;
    std::vector<std::uint8_t> out((px.size() * 3 + 1) / 2, 0);
    for (std::size_t i = 0; i < px.size(); ++i) {
        const std::size_t at = (i / 2) * 3;
        const std::uint8_t high = std::uint8_t(px[i] >> low);
        const std::uint8_t rest = std::uint8_t(px[i] & ((1u << low) - 1));
        if (i % 2 == 0) {
            out[at] = high;
            out[at + 1] = std::uint8_t(out[at + 1] | rest);
        } else {
            out[at + 2] = high;
            out[at + 1] = std::uint8_t(out[at + 1] | (rest << 4));
        }
    }
    return out;
}

std::vector<std::uint16_t> random_pixels(std::size_t n, unsigned bits, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint16_t> px(n);
    for (std::uint16_t& p : px)
        p = std::uint16_t(rng() & ((1u << bits) - 1));
    return px;
}

// 0 = R, 1 = G, 2 = B at (x, y) of a mosaic whose top-left square reads `name` row by row.
int colour(const char* name, std::uint32_t x, std::uint32_t y) {
    const char c = name[(y % 2) * 2 + (x % 2)];
    return c == 'R' ? 0 : c == 'G' ? 1 : 2;
}

} // namespace

TEST_SUITE("plugins") {

    TEST_CASE("aravis unpack: Mono12p and Mono12Packed give the PFNC bytes' pixels") {
        // 0xABC and 0x123 by hand: Mono12p BC 3A 12, Mono12Packed AB 3C 12.
        const std::uint8_t p[] = {0xBC, 0x3A, 0x12}, gev[] = {0xAB, 0x3C, 0x12};
        std::uint16_t out[2] = {};
        unpack_mono12p(p, out, 2);
        CHECK(out[0] == 0xABC);
        CHECK(out[1] == 0x123);
        unpack_mono12_packed(gev, out, 2);
        CHECK(out[0] == 0xABC);
        CHECK(out[1] == 0x123);
    }

    TEST_CASE("aravis unpack: Mono10p and Mono10Packed give the PFNC bytes' pixels") {
        // 0x3FF 0x001 0x2AA 0x155 by hand: Mono10p FF 07 A0 6A 55; Mono10Packed of the first
        // and last: FF 13 55.
        const std::uint8_t p[] = {0xFF, 0x07, 0xA0, 0x6A, 0x55}, gev[] = {0xFF, 0x13, 0x55};
        std::uint16_t out[4] = {};
        unpack_mono10p(p, out, 4);
        CHECK(out[0] == 0x3FF);
        CHECK(out[1] == 0x001);
        CHECK(out[2] == 0x2AA);
        CHECK(out[3] == 0x155);
        unpack_mono10_packed(gev, out, 2);
        CHECK(out[0] == 0x3FF);
        CHECK(out[1] == 0x155);
    }

    TEST_CASE("aravis unpack: packed images of odd widths unpack to the pixels packed") {
        struct Case {
            const char* name;
            unsigned bits;
            bool gev;
            void (*unpack)(const std::uint8_t*, std::uint16_t*, std::size_t);
        };
        const Case cases[] = {{"Mono12p", 12, false, unpack_mono12p},
                              {"Mono12Packed", 12, true, unpack_mono12_packed},
                              {"Mono10p", 10, false, unpack_mono10p},
                              {"Mono10Packed", 10, true, unpack_mono10_packed}};
        const std::uint32_t sizes[][2] = {{1, 1}, {7, 5}, {13, 3}, {641, 3}, {3, 7}};
        for (const Case& c : cases) {
            for (const auto& size : sizes) {
                CAPTURE(c.name);
                CAPTURE(size[0]);
                CAPTURE(size[1]);
                const std::size_t n = std::size_t{size[0]} * size[1];
                const std::vector<std::uint16_t> px = random_pixels(n, c.bits, size[0] + c.bits);
                const std::vector<std::uint8_t> packed =
                    c.gev ? pack_gev(px, c.bits) : pack_lsb_stream(px, c.bits);
                const Format* f = find_format(c.name);
                REQUIRE(f != nullptr);
                CHECK(wire_bytes(f->layout, n) == packed.size());
                CHECK_FALSE(is_direct(f->layout, false));
                CHECK(sample_bytes(f->layout) == 2);
                std::vector<std::uint16_t> out(n + 1, 0xDEAD); // one past: must stay untouched
                c.unpack(packed.data(), out.data(), n);
                CHECK(out[n] == 0xDEAD);
                out.pop_back();
                CHECK(out == px);
            }
        }
    }

    TEST_CASE("aravis unpack: every pixel format the plugin takes maps to its viewer format") {
        CHECK(format_count() == 13);
        const auto* mono8 = find_format("Mono8");
        REQUIRE(mono8);
        CHECK(is_direct(mono8->layout, false));
        CHECK(sample_bytes(mono8->layout) == 1);
        for (const char* name : {"Mono10", "Mono12", "Mono16"}) {
            const Format* f = find_format(name);
            REQUIRE(f);
            CHECK(f->layout == Layout::Mono16);
            CHECK(is_direct(f->layout, false));
            CHECK(wire_bytes(f->layout, 5) == 10);
        }
        const Format* rgb = find_format("RGB8");
        REQUIRE(rgb);
        CHECK(channels(rgb->layout, false) == 3);
        CHECK(wire_bytes(rgb->layout, 5) == 15);
        const Format* bayer = find_format("BayerGB8");
        REQUIRE(bayer);
        CHECK(bayer->bayer == Bayer::GB);
        CHECK(channels(bayer->layout, false) == 1);
        CHECK(is_direct(bayer->layout, false));
        CHECK(channels(bayer->layout, true) == 3);
        CHECK_FALSE(is_direct(bayer->layout, true));
        CHECK(find_format("Mono14") == nullptr);
        CHECK(find_format("mono8") == nullptr); // GenICam's spelling only
    }

    TEST_CASE("aravis unpack: debayering a one-colour mosaic gives that colour in each pattern") {
        const std::uint8_t rgb[3] = {200, 100, 50};
        for (const char* name : {"RGGB", "GRBG", "GBRG", "BGGR"}) {
            CAPTURE(name);
            const std::string format = std::string("Bayer") + name[0] + name[1] + "8";
            const Format* f = find_format(format);
            REQUIRE(f != nullptr);
            const std::uint32_t w = 7, h = 5;
            std::vector<std::uint8_t> mosaic(w * h), out(w * h * 3, 0);
            for (std::uint32_t y = 0; y < h; ++y)
                for (std::uint32_t x = 0; x < w; ++x)
                    mosaic[y * w + x] = rgb[colour(name, x, y)];
            debayer_bilinear(mosaic.data(), w, h, f->bayer, out.data());
            int wrong = 0;
            for (std::size_t i = 0; i < w * h; ++i)
                wrong += out[3 * i] != 200 || out[3 * i + 1] != 100 || out[3 * i + 2] != 50;
            CHECK(wrong == 0);
        }
    }

    TEST_CASE("aravis unpack: debayering keeps each pixel's own colour and averages neighbours") {
        const std::uint32_t w = 9, h = 7;
        std::mt19937 rng(7);
        std::vector<std::uint8_t> mosaic(w * h), out(w * h * 3);
        for (std::uint8_t& v : mosaic)
            v = std::uint8_t(rng());
        debayer_bilinear(mosaic.data(), w, h, Bayer::RG, out.data());
        int wrong = 0;
        for (std::uint32_t y = 0; y < h; ++y)
            for (std::uint32_t x = 0; x < w; ++x)
                wrong +=
                    out[(y * w + x) * 3 + std::size_t(colour("RGGB", x, y))] != mosaic[y * w + x];
        CHECK(wrong == 0);
        // A red pixel inside: green is the mean of its 4 side neighbours, blue of its 4
        // corners (rounded half up).
        const std::uint32_t x = 2, y = 2;
        const auto at = [&](std::uint32_t ax, std::uint32_t ay) {
            return unsigned(mosaic[ay * w + ax]);
        };
        const unsigned g = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1);
        const unsigned b =
            at(x - 1, y - 1) + at(x + 1, y - 1) + at(x - 1, y + 1) + at(x + 1, y + 1);
        CHECK(unsigned(out[(y * w + x) * 3 + 1]) == (g + 2) / 4);
        CHECK(unsigned(out[(y * w + x) * 3 + 2]) == (b + 2) / 4);
    }
}

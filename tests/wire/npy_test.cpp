#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "core/pixel_format.hpp"
#include "wire/npy.hpp"

using namespace rtv;
using namespace rtv::wire;

namespace {

template <class T> std::vector<std::byte> raw(const std::vector<T>& values) {
    std::vector<std::byte> out(values.size() * sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
    return out;
}

// A .npy with a hand-written header (as numpy, or a broken writer, would produce it).
std::vector<std::byte> file(const std::string& header, std::size_t data_bytes,
                            unsigned char major = 1) {
    std::vector<std::byte> out;
    for (char c : std::string("\x93NUMPY", 6))
        out.push_back(std::byte(c));
    out.push_back(std::byte(major));
    out.push_back(std::byte{0});
    const std::size_t len = header.size();
    out.push_back(std::byte(len & 0xFF));
    out.push_back(std::byte(len >> 8));
    if (major == 2) {
        out.push_back(std::byte{0});
        out.push_back(std::byte{0});
    }
    for (char c : header)
        out.push_back(std::byte(c));
    out.resize(out.size() + data_bytes, std::byte{0});
    return out;
}

std::string parse_error(const std::vector<std::byte>& bytes) {
    NpyArray a;
    const Status s = parse_npy(bytes, a);
    return s ? "ok" : s.message();
}

template <class T>
void round_trip(NpyType type, const std::vector<T>& values, unsigned dims,
                std::vector<std::uint64_t> shape, unsigned version) {
    CAPTURE(npy_descr(type));
    CAPTURE(version);
    std::vector<std::byte> bytes;
    write_npy_raw(bytes, type, raw(values), dims, shape.data(), version);
    CHECK((bytes.size() - values.size() * sizeof(T)) % 64 == 0); // header padded as numpy does
    NpyArray a;
    REQUIRE(parse_npy(bytes, a).is_ok());
    CHECK(a.type == type);
    CHECK(a.dims == dims);
    CHECK(a.shape[0] == shape[0]);
    if (dims == 2) CHECK(a.shape[1] == shape[1]);
    REQUIRE(a.count() == values.size());
    std::vector<float> floats(values.size());
    npy_to_float(a, floats);
    for (std::size_t i = 0; i < values.size(); ++i)
        CHECK(floats[i] == static_cast<float>(values[i]));
}

} // namespace

TEST_SUITE("producers") {

    TEST_CASE("npy: every supported dtype and shape round-trips through both versions") {
        for (unsigned version : {1u, 2u}) {
            round_trip<float>(NpyType::F4, {1.5f, -2.0f, 3.25f, 1e-3f, 7.0f, 0.0f}, 2, {2, 3},
                              version);
            round_trip<double>(NpyType::F8, {0.5, -1e6, 3.0}, 1, {3}, version);
            round_trip<std::uint8_t>(NpyType::U1, {0, 1, 254, 255}, 2, {4, 1}, version);
            round_trip<std::uint16_t>(NpyType::U2, {0, 65535, 1234}, 1, {3}, version);
            round_trip<std::int16_t>(NpyType::I2, {-32768, 32767, -1, 0}, 2, {2, 2}, version);
            round_trip<std::int32_t>(NpyType::I4, {-100000, 100000, 42}, 2, {1, 3}, version);
            round_trip<float>(NpyType::F4, {}, 1, {0}, version); // empty is valid
        }
    }

    TEST_CASE("npy: the float32 writer's output reads back as the same array") {
        const std::vector<float> image{1, 2, 3, 4, 5, 6};
        std::vector<std::byte> bytes;
        write_npy(bytes, image, 2, 3);
        NpyArray a;
        REQUIRE(parse_npy(bytes, a).is_ok());
        CHECK(a.dims == 2);
        CHECK(a.shape[0] == 2);
        CHECK(a.shape[1] == 3);
        std::vector<float> back(6);
        npy_to_float(a, back);
        CHECK(back == image);
        write_npy(bytes, image, 0, 6); // 1-D
        REQUIRE(parse_npy(bytes, a).is_ok());
        CHECK(a.dims == 1);
        CHECK(a.shape[0] == 6);
    }

    TEST_CASE("npy: image arrays map to their pixel format and native ones copy byte for byte") {
        const auto format_of = [](NpyType type, std::vector<std::uint64_t> shape, PixelFormat& f) {
            std::vector<std::byte> bytes;
            std::uint64_t n = 1;
            for (auto d : shape)
                n *= d;
            write_npy_raw(bytes, type, std::vector<std::byte>(n * npy_item_size(type)),
                          unsigned(shape.size()), shape.data());
            NpyArray a;
            REQUIRE(parse_npy(bytes, a).is_ok());
            const Status s = npy_image_format(a, f);
            return s ? std::string("ok") : s.message();
        };
        PixelFormat f;
        const struct {
            NpyType type;
            std::vector<std::uint64_t> shape;
            const char* format;
        } good[] = {{NpyType::U1, {4, 5}, "u8"},        {NpyType::U2, {4, 5}, "u16"},
                    {NpyType::I2, {4, 5}, "i16"},       {NpyType::F4, {4, 5}, "f32"},
                    {NpyType::F8, {4, 5}, "f32"},       {NpyType::I4, {4, 5}, "f32"},
                    {NpyType::U1, {4, 5, 3}, "rgb8"},   {NpyType::U1, {4, 5, 4}, "rgba8"},
                    {NpyType::U2, {4, 5, 4}, "rgba16"}, {NpyType::F4, {4, 5, 3}, "rgb32f"},
                    {NpyType::F8, {4, 5, 4}, "rgba32f"}};
        for (const auto& g : good) {
            CAPTURE(g.format);
            CHECK(format_of(g.type, g.shape, f) == "ok");
            CHECK(format_name(f) == g.format);
        }
        CHECK(format_of(NpyType::U1, {4, 5, 2}, f) ==
              "image (4, 5, 2) has 2 channels, expected (H, W, 3) for RGB or (H, W, 4) for RGBA");
        CHECK(format_of(NpyType::U1, {4, 5, 5}, f) ==
              "image (4, 5, 5) has 5 channels, expected (H, W, 3) for RGB or (H, W, 4) for RGBA");
        CHECK(format_of(NpyType::I2, {4, 5, 3}, f) ==
              "RGB/RGBA image (4, 5, 3) of <i2 is not supported, expected uint8, uint16 or "
              "float32 samples");
        CHECK(format_of(NpyType::F4, {20}, f) ==
              "image (20,) has 1 dimension(s), expected (H, W), (H, W, 3) or (H, W, 4)");

        // uint16 is copied as it is (no float32 on the way); float64 is converted.
        const std::vector<std::uint16_t> u16{0, 4095, 65535, 7};
        std::vector<std::byte> bytes;
        const std::uint64_t shape[2] = {2, 2};
        write_npy_raw(bytes, NpyType::U2, raw(u16), 2, shape);
        NpyArray a;
        REQUIRE(parse_npy(bytes, a).is_ok());
        REQUIRE(npy_image_format(a, f).is_ok());
        std::vector<std::uint16_t> out(4);
        npy_copy_image(a, f, std::as_writable_bytes(std::span(out)));
        CHECK(out == u16);
        const std::vector<double> f64{0.5, -2.0, 1e3, 7.25};
        write_npy_raw(bytes, NpyType::F8, raw(f64), 2, shape);
        REQUIRE(parse_npy(bytes, a).is_ok());
        REQUIRE(npy_image_format(a, f).is_ok());
        std::vector<float> floats(4);
        npy_copy_image(a, f, std::as_writable_bytes(std::span(floats)));
        CHECK(floats == std::vector<float>{0.5f, -2.0f, 1000.0f, 7.25f});
    }

    TEST_CASE("npy: a 3-D header written reads back with its three dimensions") {
        const std::vector<std::uint8_t> rgb(2 * 3 * 3, 9);
        std::vector<std::byte> bytes;
        const std::uint64_t shape[3] = {2, 3, 3};
        write_npy_raw(bytes, NpyType::U1, raw(rgb), 3, shape);
        NpyArray a;
        REQUIRE(parse_npy(bytes, a).is_ok());
        CHECK(a.dims == 3);
        CHECK(a.shape[2] == 3);
        CHECK(a.count() == 18);
    }

    TEST_CASE("npy: headers written by other tools are read whatever their quotes and key order") {
        const auto a =
            file("{\"shape\": (2,3), \"fortran_order\": False, \"descr\": \"<f4\"}\n", 24);
        CHECK(parse_error(a) == "ok");
        const auto b = file("{'descr': '<u1', 'fortran_order': False, 'shape': (5,), }      \n", 5);
        CHECK(parse_error(b) == "ok");
    }

    TEST_CASE("npy: malformed input is rejected with its exact reason before any data is read") {
        const std::string ok_header =
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n";
        struct Case {
            const char* what;
            std::vector<std::byte> bytes;
            const char* message;
        };
        auto bad_magic = file(ok_header, 24);
        bad_magic[0] = std::byte{'N'};
        auto truncated = file(ok_header, 0);
        truncated.resize(50);
        auto short_file = file(ok_header, 0);
        short_file.resize(8);
        auto version3 = file(ok_header, 24);
        version3[6] = std::byte{3};
        const std::vector<Case> cases{
            {"bad magic", bad_magic, "npy: bad magic, expected \\x93NUMPY at the start"},
            {"too short for a header", short_file,
             "npy: truncated header, got 8 bytes, expected at least 10"},
            {"truncated header", truncated,
             "npy: truncated header, got 50 bytes, expected at least 70"},
            {"version 3", version3, "npy: version 3.0 is not supported, expected 1.0 or 2.0"},
            {"wrong byte count", file(ok_header, 20),
             "npy: data is 20 bytes, expected 24 for shape (2, 3) of <f4"},
            {"Fortran order",
             file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", 24),
             "npy: Fortran order is not supported, expected C order (np.ascontiguousarray)"},
            {"unsupported dtype",
             file("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }\n", 48),
             "npy: dtype '<c8' (complex) is not supported, expected one of: <f4, <f8, |u1, <u2, "
             "<i2, <i4 (little-endian; arr.astype('<f4') converts)"},
            {"big-endian",
             file("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }\n", 24),
             "npy: dtype '>f4' (big-endian) is not supported, expected one of: <f4, <f8, |u1, "
             "<u2, <i2, <i4 (little-endian; arr.astype('<f4') converts)"},
            {"float16", file("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }\n", 12),
             "npy: dtype '<f2' (float16) is not supported, expected one of: <f4, <f8, |u1, <u2, "
             "<i2, <i4 (little-endian; arr.astype('<f4') converts)"},
            {"bool", file("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }\n", 6),
             "npy: dtype '|b1' (bool) is not supported, expected one of: <f4, <f8, |u1, <u2, "
             "<i2, <i4 (little-endian; arr.astype('<f4') converts)"},
            {"absurd shape",
             file("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }\n", 0),
             "npy: shape (100000, 100000) is over the limit of 268435456 elements"},
            {"4-D", file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4, 1), }\n", 96),
             "npy: shape (2, 3, 4, 1) has 4 dimensions, expected 1 to 3"},
            {"scalar", file("{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", 4),
             "npy: shape () has 0 dimensions, expected 1 to 3"},
            {"header over the limit", file(ok_header + std::string(5000, ' '), 24),
             "npy: header is 5060 bytes, over the limit of 4096"},
            {"missing key", file("{'descr': '<f4', 'shape': (2, 3)}\n", 24),
             "npy: header lacks 'fortran_order'"},
            {"unknown key",
             file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}\n", 24),
             "npy: header has an unknown key 'x', expected descr, fortran_order and shape"},
            {"syntax", file("{'descr' '<f4'}\n", 0),
             "npy: header syntax: expected ':' after 'descr' at offset 9"},
            {"negative dimension",
             file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }\n", 24),
             "npy: header syntax: expected a dimension (a whole number >= 0) at offset 51"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.what);
            CHECK(parse_error(c.bytes) == c.message);
        }
    }
}

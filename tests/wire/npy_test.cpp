// The .npy reader and writer: round trips, the headers numpy itself reads (in the tables below,
// which tests/wire/numpy_headers_test.py checks against numpy) and the refusals with their reasons.

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "core/pixel_format.hpp"
#include "wire/npy.hpp"

using namespace rtv;
using namespace rtv::wire;
using namespace std::string_view_literals;

namespace {

template <class T> std::vector<std::byte> raw(const std::vector<T>& values) {
    std::vector<std::byte> out(values.size() * sizeof(T));
    if (!out.empty()) std::memcpy(out.data(), values.data(), out.size());
    return out;
}

// A .npy with a hand-written header (as numpy, or a broken writer, would produce it). Version
// 1.0 has a 2-byte header length, the others 4 bytes.
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
    if (major != 1) {
        out.push_back(std::byte{0});
        out.push_back(std::byte{0});
    }
    for (char c : header)
        out.push_back(std::byte(c));
    out.resize(out.size() + data_bytes, std::byte{0});
    return out;
}

// What the reader makes of `bytes`: "ok", then the dtype (numpy's dtype.str) and the shape, or
// the reason it refuses them.
std::string read_as(const std::vector<std::byte>& bytes) {
    NpyArray a;
    if (const Status s = parse_npy(bytes, a); !s) return s.message();
    std::string out = "ok ";
    out += a.big_endian ? ">" + std::string(npy_descr(a.type).substr(1)) : npy_descr(a.type);
    out += " (";
    for (unsigned i = 0; i < a.dims; ++i)
        out += std::to_string(a.shape[i]) + (a.dims == 1 ? "," : i + 1 < a.dims ? ", " : "");
    return out + ")";
}

std::vector<std::byte> from_hex(std::string_view hex) {
    std::vector<std::byte> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(std::byte(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

// A header and what the reader makes of it (see read_as), data_bytes of zeros after it.
struct HeaderCase {
    unsigned char major;
    std::string_view header; // "..."sv where it holds a NUL
    std::size_t data_bytes;
    const char* expected;
};

// A file as numpy 1.24 writes it (numpy.lib.format.write_array, or numpy's own test data):
// the magic and version, the header length, the dict, `pad` spaces and '\n', then the data.
struct NumpyFile {
    const char* name; // numpy_headers_test.py rebuilds it under this name
    unsigned char major;
    const char* dict;
    std::size_t pad;
    const char* data_hex;
    const char* expected;       // read_as
    std::vector<double> values; // npy_to_float, in C order
};

std::vector<std::byte> numpy_file(const NumpyFile& f) {
    const std::string header = f.dict + std::string(f.pad, ' ') + "\n";
    std::vector<std::byte> out = file(header, 0, f.major);
    const std::vector<std::byte> data = from_hex(f.data_hex);
    out.insert(out.end(), data.begin(), data.end());
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

    TEST_CASE("npy: every supported dtype and shape round-trips through versions 1.0 2.0 and 3.0") {
        for (unsigned version : {1u, 2u, 3u}) {
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
        auto version4 = file(ok_header, 24, 4);
        auto version1_1 = file(ok_header, 24);
        version1_1[7] = std::byte{1};
        const std::vector<Case> cases{
            {"bad magic", bad_magic, "npy: bad magic, expected \\x93NUMPY at the start"},
            {"too short for a header", short_file,
             "npy: truncated header, got 8 bytes, expected at least 10"},
            {"truncated header", truncated,
             "npy: truncated header, got 50 bytes, expected at least 70"},
            {"version 4", version4, "npy: version 4.0 is not supported, expected 1.0, 2.0 or 3.0"},
            {"version 1.1", version1_1,
             "npy: version 1.1 is not supported, expected 1.0, 2.0 or 3.0"},
            {"wrong byte count", file(ok_header, 20),
             "npy: data is 20 bytes, expected 24 for shape (2, 3) of <f4"},
            {"Fortran order",
             file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", 24),
             "npy: Fortran order is not supported, expected C order (np.ascontiguousarray)"},
            {"unsupported dtype",
             file("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }\n", 48),
             "npy: dtype '<c8' (complex) is not supported, expected one of: <f4, <f8, |u1, <u2, "
             "<i2, <i4 (little-endian; arr.astype('<f4') converts)"},
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
             "npy: header does not contain the correct keys: 'fortran_order' is missing"},
            {"unknown key",
             file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}\n", 24),
             "npy: header does not contain the correct keys: 'x' is not one of 'descr', "
             "'fortran_order', 'shape'"},
            {"syntax", file("{'descr': '<f4', 'fortran_order' False}\n", 0),
             "npy: cannot parse header: expected ':' after a key at offset 33"},
            {"negative dimension",
             file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }\n", 24),
             "npy: shape is not valid: (-2, 3), negative dimensions are not allowed"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.what);
            CHECK(parse_error(c.bytes) == c.message);
        }
    }
}

// numpy_headers_test.py reads the tables between their BEGIN and END lines (and checks each row
// with numpy): keep their rows plain literals.
namespace {
const NumpyFile kNumpyFiles[] = {
    // BEGIN numpy files
    {"v1_f4",
     1,
     "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
     58,
     "000000000000003f0000803f0000c03f0000004000002040",
     "ok <f4 (2, 3)",
     {0, 0.5, 1, 1.5, 2, 2.5}},
    {"v2_u2",
     2,
     "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 2), }",
     56,
     "01000200ffff0010",
     "ok <u2 (2, 2)",
     {1, 2, 65535, 4096}},
    {"v3_i2",
     3,
     "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }",
     58,
     "ffff02000080",
     "ok <i2 (3,)",
     {-1, 2, -32768}},
    {"v1_be_f8",
     1,
     "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
     60,
     "3ff8000000000000c000000000000000",
     "ok >f8 (2,)",
     {1.5, -2}},
    {"v3_be_i4",
     3,
     "{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }",
     56,
     "0000000100000002000000030000000400000005fffffffa",
     "ok >i4 (2, 3)",
     {1, 2, 3, 4, 5, -6}},
    {"v1_u1_3d",
     1,
     "{'descr': '|u1', 'fortran_order': False, 'shape': (3, 1, 1), }",
     55,
     "070809",
     "ok |u1 (3, 1, 1)",
     {7, 8, 9}},
    {"python3.npy",
     1,
     "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }",
     12,
     "000000000000f03f000000000000f03f",
     "ok <f8 (2,)",
     {1, 1}},
    {"win64python2.npy",
     1,
     "{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }",
     11,
     "000000000000f03f000000000000f03f",
     "ok <f8 (2,)",
     {1, 1}},
    // END numpy files
};

// numpy.load(allow_pickle=False) reads every one of these; the reader reads them as the same
// dtype and shape, or refuses what the viewer does not take with its reason.
const HeaderCase kNumpyReads[] = {
    // BEGIN numpy reads
    // Python 2 wrote longs with an 'L', which numpy drops in versions 1.0 and 2.0.
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 24, "ok <f4 (2, 3)"},
    {2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6L,), }", 24, "ok <f4 (6,)"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2 L, 3), }", 24, "ok <f4 (2, 3)"},
    // Key order, quotes, spacing, trailing commas, comments, line breaks.
    {1, "{'shape': (6,), 'descr': '<f4', 'fortran_order': False}", 24, "ok <f4 (6,)"},
    {3, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (6,)}", 24, "ok <f4 (6,)"},
    {1, "{'descr':'<f4','fortran_order':False,'shape':(2,3)}", 24, "ok <f4 (2, 3)"},
    {1, "{ 'descr' : '<f4' , 'fortran_order' : False , 'shape' : ( 2 , 3 , ) , }", 24,
     "ok <f4 (2, 3)"},
    {2, "{'descr':\t'<f4',\r\n 'fortran_order':\fFalse,\r\n 'shape': (6,)}\r\n", 24, "ok <f4 (6,)"},
    {1, "{'descr': '<f4',  # float32\n 'fortran_order': False, 'shape': (6,)}  # padding\n", 24,
     "ok <f4 (6,)"},
    {1, "{'descr': '<f4', \\\n 'fortran_order': False, 'shape': (6,)}", 24, "ok <f4 (6,)"},
    {3, " \t\n# a comment line\n{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n\n  \n",
     24, "ok <f4 (6,)"},
    {1, "({'descr': '<f4', 'fortran_order': False, 'shape': (6,)})", 24, "ok <f4 (6,)"},
    // Strings as Python writes them: prefixes, escapes, triple quotes, concatenation.
    {1, "{u'descr': u'<f4', r'fortran_order': False, '''shape''': (6,)}", 24, "ok <f4 (6,)"},
    {3, "{'des' \"cr\": '\\x3cf' '4', 'fortran_\\157rder': False, 'shape': (6,)}", 24,
     "ok <f4 (6,)"},
    {1, "{'descr': '\\N{LESS-THAN SIGN}f4', 'fortran_order': False, 'shape': (6,)}", 24,
     "ok <f4 (6,)"},
    // Ints as Python writes them; a group in parentheses; -0.
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0x2, +0o3), }", 24, "ok <f4 (2, 3)"},
    {3, "{'descr': '<f4', 'fortran_order': False, 'shape': ((2), 1_0), }", 80, "ok <f4 (2, 10)"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-0, 3), }", 0, "ok <f4 (0, 3)"},
    // A repeated key: the last one counts, whatever the ones before were.
    {1, "{'descr': [1, {2: 3j}], 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", 24,
     "ok <f4 (6,)"},
    // Every spelling numpy reads as one of the six types, big-endian ones too.
    {1, "{'descr': 'f4', 'fortran_order': False, 'shape': (1,)}", 4, "ok <f4 (1,)"},
    {1, "{'descr': '=f4', 'fortran_order': False, 'shape': (1,)}", 4, "ok <f4 (1,)"},
    {1, "{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}", 4, "ok <f4 (1,)"},
    {1, "{'descr': 'float32', 'fortran_order': False, 'shape': (1,)}", 4, "ok <f4 (1,)"},
    {1, "{'descr': 'f', 'fortran_order': False, 'shape': (1,)}", 4, "ok <f4 (1,)"},
    {1, "{'descr': 'f 4', 'fortran_order': False, 'shape': (1,)}", 4, "ok <f4 (1,)"},
    {1, "{'descr': 'double', 'fortran_order': False, 'shape': (1,)}", 8, "ok <f8 (1,)"},
    {1, "{'descr': 'd', 'fortran_order': False, 'shape': (1,)}", 8, "ok <f8 (1,)"},
    {1, "{'descr': 'B', 'fortran_order': False, 'shape': (1,)}", 1, "ok |u1 (1,)"},
    {1, "{'descr': '<u1', 'fortran_order': False, 'shape': (1,)}", 1, "ok |u1 (1,)"},
    {1, "{'descr': '>u1', 'fortran_order': False, 'shape': (1,)}", 1, "ok |u1 (1,)"},
    {1, "{'descr': 'uint8', 'fortran_order': False, 'shape': (1,)}", 1, "ok |u1 (1,)"},
    {1, "{'descr': 'H', 'fortran_order': False, 'shape': (1,)}", 2, "ok <u2 (1,)"},
    {1, "{'descr': 'short', 'fortran_order': False, 'shape': (1,)}", 2, "ok <i2 (1,)"},
    {1, "{'descr': 'intc', 'fortran_order': False, 'shape': (1,)}", 4, "ok <i4 (1,)"},
    {1, "{'descr': 'i', 'fortran_order': False, 'shape': (1,)}", 4, "ok <i4 (1,)"},
    {1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", 4, "ok >f4 (1,)"},
    {1, "{'descr': '>u2', 'fortran_order': False, 'shape': (1,)}", 2, "ok >u2 (1,)"},
    {1, "{'descr': '>i2', 'fortran_order': False, 'shape': (1,)}", 2, "ok >i2 (1,)"},
    // Fortran order where its layout is C order's: one dimension over 1, or no elements.
    {1, "{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", 24, "ok <f4 (6,)"},
    {1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 6), }", 24, "ok <f4 (1, 6)"},
    {1, "{'descr': '<f4', 'fortran_order': True, 'shape': (0, 6), }", 0, "ok <f4 (0, 6)"},
    // Latin-1 in versions 1.0 and 2.0 (every byte is a character), UTF-8 in 3.0.
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}  # \351t\351\n", 24,
     "ok <f4 (6,)"},
    {3, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}  # \303\251t\303\251\n", 24,
     "ok <f4 (6,)"},
    // numpy reads these; the viewer does not take them.
    {1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24,
     "npy: Fortran order is not supported, expected C order (np.ascontiguousarray)"},
    {1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", 24,
     "npy: dtype [('a', '<f4')] (structured) is not supported, expected one of: <f4, <f8, |u1, "
     "<u2, <i2, <i4 (little-endian; arr.astype('<f4') converts)"},
    {1, "{'descr': 'f4,', 'fortran_order': False, 'shape': (6,), }", 24,
     "npy: dtype 'f4,' is not supported, expected one of: <f4, <f8, |u1, <u2, <i2, <i4 "
     "(little-endian; arr.astype('<f4') converts)"},
    {1, "{'descr': '|i1', 'fortran_order': False, 'shape': (6,), }", 6,
     "npy: dtype '|i1' is not supported, expected one of: <f4, <f8, |u1, <u2, <i2, <i4 "
     "(little-endian; arr.astype('<f4') converts)"},
    {3, "{'descr': '>c8', 'fortran_order': False, 'shape': (6,), }", 48,
     "npy: dtype '>c8' (complex) is not supported, expected one of: <f4, <f8, |u1, <u2, <i2, "
     "<i4 (little-endian; arr.astype('<f4') converts)"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4,
     "npy: shape () has 0 dimensions, expected 1 to 3"},
    // END numpy reads
};

// numpy.load(allow_pickle=False) refuses every one of these, and so does the reader, with
// numpy's reason.
const HeaderCase kNumpyRefuses[] = {
    // BEGIN numpy refuses
    {3, "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 24,
     "npy: cannot parse header: a number run into a name at offset 52"},
    {4, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 24,
     "npy: version 4.0 is not supported, expected 1.0, 2.0 or 3.0"},
    {3, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}  # \351t\351\n", 24,
     "npy: header is not UTF-8 (version 3.0) at offset 59"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }\0\0\0\n"sv, 24,
     "npy: cannot parse header: a NUL byte at offset 57"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", 24,
     "npy: cannot parse header: expected ',' or '}' at offset 54"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)};", 24,
     "npy: cannot parse header: text after the value at offset 55"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,),,}", 24,
     "npy: cannot parse header: no value where one was expected at offset 55"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (06,)}", 24,
     "npy: cannot parse header: leading zeros in an int at offset 51"},
    {1, "{'descr': '<f4', 'fortran_order': false, 'shape': (6,)}", 24,
     "npy: cannot parse header: a name other than True, False or None at offset 34"},
    {1, "\n  {'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", 24,
     "npy: cannot parse header: an indented value at offset 3"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\\\n", 24,
     "npy: cannot parse header: text after the value at offset 55"},
    {1, "{f'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", 24,
     "npy: cannot parse header: an f-string, which is not a literal at offset 1"},
    {1, "['descr', '<f4']", 24, "npy: header is not a dictionary"},
    {1, "{'descr' '<f4', 'fortran_order', 'shape'}", 24, "npy: header is not a dictionary"},
    {1, "{'descr': '<f4', 'fortran_order': False}", 24,
     "npy: header does not contain the correct keys: 'shape' is missing"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'Shape': (6,)}", 24,
     "npy: header does not contain the correct keys: 'Shape' is not one of 'descr', "
     "'fortran_order', 'shape'"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", 24,
     "npy: shape is not valid: [2, 3], expected a tuple of integers"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", 24,
     "npy: shape is not valid: (6), expected a tuple of integers"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6.0,)}", 24,
     "npy: shape is not valid: (6.0,), expected a tuple of integers"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (True, 6)}", 24,
     "npy: shape is not valid: (True, 6), expected a tuple of integers"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (- 2, 3)}", 24,
     "npy: shape is not valid: (- 2, 3), negative dimensions are not allowed"},
    {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'shape': [6]}", 24,
     "npy: shape is not valid: [6], expected a tuple of integers"},
    {1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)}", 24,
     "npy: fortran_order is not a valid bool: 0"},
    {1, "{'descr': '<f4', 'fortran_order': 'False', 'shape': (6,)}", 24,
     "npy: fortran_order is not a valid bool: 'False'"},
    {1, "{'descr': b'<f4', 'fortran_order': False, 'shape': (6,)}", 24,
     "npy: descr is not a valid dtype descriptor: b'<f4'"},
    {1, "{'descr': None, 'fortran_order': False, 'shape': (6,)}", 24,
     "npy: descr is not a valid dtype descriptor: None"},
    {1, "{'descr': '<f4 ', 'fortran_order': False, 'shape': (6,)}", 24,
     "npy: dtype '<f4 ' is not supported, expected one of: <f4, <f8, |u1, <u2, <i2, <i4 "
     "(little-endian; arr.astype('<f4') converts)"},
    {1, "{'descr': '!f4', 'fortran_order': False, 'shape': (6,)}", 24,
     "npy: dtype '!f4' is not supported, expected one of: <f4, <f8, |u1, <u2, <i2, <i4 "
     "(little-endian; arr.astype('<f4') converts)"},
    // END numpy refuses
};
} // namespace

TEST_SUITE("producers") {

    TEST_CASE("npy: files numpy writes in versions 1.0 2.0 and 3.0 read back with their values") {
        for (const NumpyFile& f : kNumpyFiles) {
            const std::string name = f.name;
            CAPTURE(name);
            const std::vector<std::byte> bytes = numpy_file(f);
            // numpy aligns the data to 64 bytes (to 16 before numpy 1.14)
            CHECK((bytes.size() - from_hex(f.data_hex).size()) % 16 == 0);
            REQUIRE(read_as(bytes) == f.expected);
            NpyArray a;
            REQUIRE(parse_npy(bytes, a).is_ok());
            std::vector<float> values(a.count());
            npy_to_float(a, values);
            CHECK(std::vector<double>(values.begin(), values.end()) == f.values);
        }
    }

    TEST_CASE("npy: headers numpy reads are read alike or refused with the viewer's reason") {
        for (const HeaderCase& c : kNumpyReads) {
            const std::string header(c.header);
            CAPTURE(header);
            CAPTURE(int(c.major));
            CHECK(read_as(file(header, c.data_bytes, c.major)) == c.expected);
        }
    }

    TEST_CASE("npy: every header numpy refuses is refused with numpy's reason") {
        for (const HeaderCase& c : kNumpyRefuses) {
            const std::string header(c.header);
            CAPTURE(header);
            CAPTURE(int(c.major));
            CHECK(read_as(file(header, c.data_bytes, c.major)) == c.expected);
        }
    }

    TEST_CASE("npy: big-endian data are swapped while converted or copied and refused elsewhere") {
        // numpy's bytes for np.array([[1, 2], [65535, 4096]], dtype='>u2') and its float32 twin.
        const std::string u2 = "{'descr': '>u2', 'fortran_order': False, 'shape': (2, 2), }\n";
        std::vector<std::byte> bytes = file(u2, 0);
        for (const auto& b : from_hex("00010002ffff1000"))
            bytes.push_back(b);
        NpyArray a;
        REQUIRE(parse_npy(bytes, a).is_ok());
        CHECK(a.big_endian);
        PixelFormat format;
        REQUIRE(npy_image_format(a, format).is_ok());
        CHECK(format_name(format) == "u16");
        std::vector<std::uint16_t> pixels(4);
        npy_copy_image(a, format, std::as_writable_bytes(std::span(pixels)));
        CHECK(pixels == std::vector<std::uint16_t>{1, 2, 65535, 4096});

        bytes = file("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2), }\n", 0);
        for (const auto& b : from_hex("3fc00000c0200000")) // 1.5, -2.5
            bytes.push_back(b);
        REQUIRE(parse_npy(bytes, a).is_ok());
        REQUIRE(npy_image_format(a, format).is_ok());
        std::vector<float> floats(2);
        npy_copy_image(a, format, std::as_writable_bytes(std::span(floats)));
        CHECK(floats == std::vector<float>{1.5f, -2.5f});

        // The data of a header alone are copied as they lie (shared memory): not swapped.
        NpyArray h;
        CHECK(parse_npy_header(file(u2, 0), h).message() ==
              "npy: dtype '>u2' is big-endian, expected little-endian when the data are "
              "elsewhere (shared memory)");
        CHECK(parse_npy_header(file("{'descr': '>u1', 'fortran_order': False, 'shape': (2, 2)}", 0),
                               h)
                  .is_ok());
    }
}

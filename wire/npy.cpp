#include "wire/npy.hpp"

#include <array>
#include <cstdio>
#include <cstring>

namespace rtv::wire {

namespace {

constexpr std::array<std::string_view, 6> kDescr{"<f4", "<f8", "|u1", "<u2", "<i2", "<i4"};
constexpr std::array<std::size_t, 6> kSize{4, 8, 1, 2, 2, 4};
constexpr std::string_view kMagic{"\x93NUMPY", 6};

std::string shape_text(unsigned dims, const std::uint64_t* shape) {
    std::string s = "(";
    for (unsigned i = 0; i < dims; ++i)
        s += std::to_string(shape[i]) + (dims == 1 ? "," : i + 1 < dims ? ", " : "");
    return s + ")";
}

// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (600, 800), }
// Only what numpy writes is accepted: string keys, a string, a bool and a tuple of integers.
class HeaderParser {
public:
    explicit HeaderParser(std::string_view text)
        : m_s(text) {}

    Status parse(std::string& descr, bool& fortran, unsigned& dims, std::uint64_t* shape) {
        bool have_descr = false, have_fortran = false, have_shape = false;
        if (!eat('{')) return expected("'{'");
        while (!peek('}')) {
            std::string key;
            if (!string(key)) return expected("a quoted key");
            if (!eat(':')) return expected("':' after '" + key + "'");
            if (key == "descr") {
                if (!string(descr)) return expected("a quoted dtype after 'descr'");
                have_descr = true;
            } else if (key == "fortran_order") {
                if (word("True"))
                    fortran = true;
                else if (word("False"))
                    fortran = false;
                else
                    return expected("True or False after 'fortran_order'");
                have_fortran = true;
            } else if (key == "shape") {
                if (Status s = tuple(dims, shape); !s) return s;
                have_shape = true;
            } else {
                return Status::error("npy: header has an unknown key '" + key +
                                     "', expected descr, fortran_order and shape");
            }
            if (!eat(',')) break;
        }
        if (!eat('}')) return expected("'}'");
        skip_space();
        if (m_i != m_s.size()) return expected("the end of the header");
        if (!have_descr || !have_fortran || !have_shape)
            return Status::error("npy: header lacks " + std::string(!have_descr ? "'descr'"
                                                                    : !have_fortran
                                                                        ? "'fortran_order'"
                                                                        : "'shape'"));
        return Status::ok();
    }

private:
    Status expected(const std::string& what) const {
        return Status::error("npy: header syntax: expected " + what + " at offset " +
                             std::to_string(m_i));
    }
    void skip_space() {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\n'))
            ++m_i;
    }
    bool peek(char c) {
        skip_space();
        return m_i < m_s.size() && m_s[m_i] == c;
    }
    bool eat(char c) {
        if (!peek(c)) return false;
        ++m_i;
        return true;
    }
    bool word(std::string_view w) {
        skip_space();
        if (m_s.substr(m_i, w.size()) != w) return false;
        m_i += w.size();
        return true;
    }
    bool string(std::string& out) {
        skip_space();
        if (m_i >= m_s.size() || (m_s[m_i] != '\'' && m_s[m_i] != '"')) return false;
        const char quote = m_s[m_i];
        const std::size_t end = m_s.find(quote, m_i + 1);
        if (end == std::string_view::npos || end - m_i - 1 > 64) return false;
        out.assign(m_s.substr(m_i + 1, end - m_i - 1));
        m_i = end + 1;
        return true;
    }
    Status tuple(unsigned& dims, std::uint64_t* shape) {
        if (!eat('(')) return expected("'(' after 'shape'");
        std::uint64_t values[8];
        unsigned n = 0;
        while (!peek(')')) {
            skip_space();
            std::uint64_t v = 0;
            std::size_t digits = 0;
            while (m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9') {
                if (++digits > 18) return Status::error("npy: shape has a dimension over 10^18");
                v = v * 10 + std::uint64_t(m_s[m_i++] - '0');
            }
            if (digits == 0) return expected("a dimension (a whole number >= 0)");
            if (n == 8) return Status::error("npy: shape has more than 8 dimensions");
            values[n++] = v;
            if (!eat(',')) break;
        }
        if (!eat(')')) return expected("')' closing the shape");
        if (n == 0 || n > 3)
            return Status::error("npy: shape " + shape_text(n, values) + " has " +
                                 std::to_string(n) + " dimensions, expected 1 to 3");
        dims = n;
        for (unsigned i = 0; i < n; ++i)
            shape[i] = values[i];
        return Status::ok();
    }

    std::string_view m_s;
    std::size_t m_i = 0;
};

std::uint32_t read_le(const std::byte* p, int bytes) {
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | std::uint32_t(p[i]);
    return v;
}

} // namespace

std::string_view npy_descr(NpyType type) {
    return kDescr[static_cast<std::size_t>(type)];
}
std::size_t npy_item_size(NpyType type) {
    return kSize[static_cast<std::size_t>(type)];
}

namespace {
Status parse(std::span<const std::byte> bytes, NpyArray& out, const NpyLimits& limits,
             bool header_only) {
    if (bytes.size() < kMagic.size() ||
        std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
        return Status::error("npy: bad magic, expected \\x93NUMPY at the start");
    if (bytes.size() < 10)
        return Status::error("npy: truncated header, got " + std::to_string(bytes.size()) +
                             " bytes, expected at least 10");
    const unsigned major = unsigned(bytes[6]), minor = unsigned(bytes[7]);
    if ((major != 1 && major != 2) || minor != 0)
        return Status::error("npy: version " + std::to_string(major) + "." + std::to_string(minor) +
                             " is not supported, expected 1.0 or 2.0");
    const std::size_t prefix = major == 1 ? 10 : 12;
    if (bytes.size() < prefix)
        return Status::error("npy: truncated header, got " + std::to_string(bytes.size()) +
                             " bytes, expected at least " + std::to_string(prefix));
    const std::size_t header_len = read_le(bytes.data() + 8, major == 1 ? 2 : 4);
    if (header_len > limits.max_header_bytes)
        return Status::error("npy: header is " + std::to_string(header_len) +
                             " bytes, over the limit of " +
                             std::to_string(limits.max_header_bytes));
    if (bytes.size() - prefix < header_len)
        return Status::error("npy: truncated header, got " + std::to_string(bytes.size()) +
                             " bytes, expected at least " + std::to_string(prefix + header_len));
    const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + prefix, header_len);
    std::string descr;
    bool fortran = false;
    unsigned dims = 0;
    std::uint64_t shape[3] = {0, 0, 0};
    if (Status s = HeaderParser(header).parse(descr, fortran, dims, shape); !s) return s;
    std::size_t type = kDescr.size();
    for (std::size_t i = 0; i < kDescr.size(); ++i)
        if (descr == kDescr[i] || (descr == "<u1" && i == 2)) type = i;
    if (type == kDescr.size()) {
        // Say what the dtype is when it is a common one, then what is taken.
        const std::string_view d = descr;
        const char* what = d.starts_with('>')                        ? " (big-endian)"
                           : d.ends_with("f2")                       ? " (float16)"
                           : d.ends_with("c8") || d.ends_with("c16") ? " (complex)"
                           : d == "|b1"                              ? " (bool)"
                                                                     : "";
        return Status::error("npy: dtype '" + descr + "'" + what +
                             " is not supported, expected one of: <f4, <f8, |u1, <u2, <i2, <i4 "
                             "(little-endian; arr.astype('<f4') converts)");
    }
    if (fortran)
        return Status::error(
            "npy: Fortran order is not supported, expected C order (np.ascontiguousarray)");
    // The element count, without overflow: each dimension is below 10^18.
    std::uint64_t count = shape[0];
    for (unsigned i = 1; i < dims; ++i) {
        if (shape[i] != 0 && count > limits.max_elements / shape[i])
            count = limits.max_elements + 1;
        else
            count *= shape[i];
    }
    if (count > limits.max_elements)
        return Status::error("npy: shape " + shape_text(dims, shape) + " is over the limit of " +
                             std::to_string(limits.max_elements) + " elements");
    const std::uint64_t want = count * kSize[type];
    const std::size_t have = bytes.size() - prefix - header_len;
    if (header_only && have != 0)
        return Status::error("npy: " + std::to_string(have) +
                             " bytes follow the header, expected none (the data are elsewhere)");
    if (!header_only && have != want)
        return Status::error("npy: data is " + std::to_string(have) + " bytes, expected " +
                             std::to_string(want) + " for shape " + shape_text(dims, shape) +
                             " of " + std::string(kDescr[type]));
    out.type = static_cast<NpyType>(type);
    out.dims = dims;
    for (unsigned i = 0; i < 3; ++i)
        out.shape[i] = i < dims ? shape[i] : 0;
    out.data = bytes.subspan(prefix + header_len);
    out.data_bytes = want;
    return Status::ok();
}
} // namespace

Status parse_npy(std::span<const std::byte> bytes, NpyArray& out, const NpyLimits& limits) {
    return parse(bytes, out, limits, false);
}

Status parse_npy_header(std::span<const std::byte> bytes, NpyArray& out, const NpyLimits& limits) {
    return parse(bytes, out, limits, true);
}

namespace {
template <class T> void convert(const std::byte* src, std::size_t n, float* dst) {
    for (std::size_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, src + i * sizeof(T), sizeof(T)); // unaligned-safe, little-endian host
        dst[i] = static_cast<float>(v);
    }
}
} // namespace

void npy_to_float(const NpyArray& a, std::span<float> out) {
    const std::size_t n = a.count();
    if (n == 0) return; // an empty array's spans may be null: memcpy must not see them
    const std::byte* src = a.data.data();
    switch (a.type) {
    case NpyType::F4:
        std::memcpy(out.data(), src, n * sizeof(float));
        break;
    case NpyType::F8:
        convert<double>(src, n, out.data());
        break;
    case NpyType::U1:
        convert<std::uint8_t>(src, n, out.data());
        break;
    case NpyType::U2:
        convert<std::uint16_t>(src, n, out.data());
        break;
    case NpyType::I2:
        convert<std::int16_t>(src, n, out.data());
        break;
    case NpyType::I4:
        convert<std::int32_t>(src, n, out.data());
        break;
    }
}

NpyType npy_type_of(SampleType type) {
    switch (type) {
    case SampleType::U8:
        return NpyType::U1;
    case SampleType::U16:
        return NpyType::U2;
    case SampleType::I16:
        return NpyType::I2;
    case SampleType::F32:
        break;
    }
    return NpyType::F4;
}

Status npy_image_format(const NpyArray& a, PixelFormat& format) {
    const auto shape = [&] { return shape_text(a.dims, a.shape); }; // error paths only
    if (a.dims == 2) {
        format.channels = 1;
        switch (a.type) {
        case NpyType::U1:
            format.sample = SampleType::U8;
            break;
        case NpyType::U2:
            format.sample = SampleType::U16;
            break;
        case NpyType::I2:
            format.sample = SampleType::I16;
            break;
        case NpyType::F4:
        case NpyType::F8: // converted
        case NpyType::I4: // converted
            format.sample = SampleType::F32;
            break;
        }
        return Status::ok();
    }
    if (a.dims != 3)
        return Status::error("image " + shape() + " has " + std::to_string(a.dims) +
                             " dimension(s), expected (H, W), (H, W, 3) or (H, W, 4)");
    if (a.shape[2] != 3 && a.shape[2] != 4)
        return Status::error("image " + shape() + " has " + std::to_string(a.shape[2]) +
                             " channels, expected (H, W, 3) for RGB or (H, W, 4) for RGBA");
    format.channels = static_cast<std::uint8_t>(a.shape[2]);
    switch (a.type) {
    case NpyType::U1:
        format.sample = SampleType::U8;
        return Status::ok();
    case NpyType::U2:
        format.sample = SampleType::U16;
        return Status::ok();
    case NpyType::F4:
    case NpyType::F8: // converted
        format.sample = SampleType::F32;
        return Status::ok();
    case NpyType::I2:
    case NpyType::I4:
        break;
    }
    return Status::error("RGB/RGBA image " + shape() + " of " + std::string(npy_descr(a.type)) +
                         " is not supported, expected uint8, uint16 or float32 samples");
}

void npy_copy_image(const NpyArray& a, PixelFormat format, std::span<std::byte> out) {
    const std::size_t n = a.count();
    if (n == 0) return;
    if (npy_type_of(format.sample) == a.type) {
        std::memcpy(out.data(), a.data.data(), n * npy_item_size(a.type));
        return;
    }
    npy_to_float(a, {reinterpret_cast<float*>(out.data()), n}); // the frame is float32
}

void write_npy_header(std::vector<std::byte>& out, NpyType type, unsigned dims,
                      const std::uint64_t* shape, unsigned version) {
    char text[192]; // formatted without allocating: the recorder writes a header per frame
    const auto d = [&](unsigned i) { return static_cast<unsigned long long>(shape[i]); };
    const char* descr = npy_descr(type).data();
    const int len =
        dims == 1 ? std::snprintf(text, sizeof text,
                                  "{'descr': '%s', 'fortran_order': False, 'shape': (%llu,), }",
                                  descr, d(0))
        : dims == 2
            ? std::snprintf(text, sizeof text,
                            "{'descr': '%s', 'fortran_order': False, 'shape': (%llu, %llu), }",
                            descr, d(0), d(1))
            : std::snprintf(text, sizeof text,
                            "{'descr': '%s', 'fortran_order': False, 'shape': (%llu, "
                            "%llu, %llu), }",
                            descr, d(0), d(1), d(2));
    const std::size_t prefix = version == 1 ? 10 : 12;
    const std::size_t header = std::size_t(len);
    const std::size_t total = (prefix + header + 1 + 63) / 64 * 64; // padded as numpy pads
    const std::size_t padded = total - prefix;
    out.resize(total);
    std::byte* p = out.data();
    std::memcpy(p, kMagic.data(), kMagic.size());
    p[6] = std::byte(version);
    p[7] = std::byte{0};
    for (std::size_t i = 0; i < prefix - 8; ++i)
        p[8 + i] = std::byte((padded >> (8 * i)) & 0xFF);
    std::memcpy(p + prefix, text, header);
    std::memset(p + prefix + header, ' ', padded - header - 1);
    p[total - 1] = std::byte{'\n'};
}

void write_npy_raw(std::vector<std::byte>& out, NpyType type, std::span<const std::byte> data,
                   unsigned dims, const std::uint64_t* shape, unsigned version) {
    write_npy_header(out, type, dims, shape, version);
    out.insert(out.end(), data.begin(), data.end());
}

void write_npy(std::vector<std::byte>& out, std::span<const float> data, std::uint64_t rows,
               std::uint64_t cols) {
    const std::uint64_t shape1[1] = {cols};
    const std::uint64_t shape2[2] = {rows, cols};
    write_npy_raw(out, NpyType::F4, std::as_bytes(data), rows == 0 ? 1 : 2,
                  rows == 0 ? shape1 : shape2);
}

} // namespace rtv::wire

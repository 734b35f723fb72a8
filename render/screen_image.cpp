#include "render/screen_image.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rtv::render {

PixelSpan pick_pixels(double a, double b, int lo, int hi, std::uint32_t size,
                      std::vector<std::uint32_t>& index) {
    if (size == 0 || !(a != b) || !std::isfinite(a) || !std::isfinite(b)) return {};
    // Pixel p is inside when min <= p + 0.5 < max: its centre on the near edge counts, on the
    // far edge not (the rasteriser's rule for a quad's edges).
    const double near = std::min(a, b), far = std::max(a, b);
    const double first = std::max(std::ceil(near - 0.5), double(lo));
    const double end = std::min(std::ceil(far - 0.5), double(hi));
    if (!(end > first)) return {};
    const int p0 = int(first), n = int(end - first);
    if (index.size() < std::size_t(n)) index.resize(std::size_t(n));
    const double scale = double(size) / (b - a);
    const auto last = std::int64_t(size) - 1;
    for (int i = 0; i < n; ++i) {
        const double u = (double(p0 + i) + 0.5 - a) * scale;
        index[std::size_t(i)] = std::uint32_t(std::clamp(std::int64_t(u), std::int64_t{0}, last));
    }
    return {p0, n};
}

namespace {

template <typename T>
void colormap_as(const ImageDesc& desc, const std::byte* pixels,
                 std::span<const std::uint32_t> cols, std::span<const std::uint32_t> rows,
                 std::span<const std::uint32_t> table, float lo, float hi, std::uint32_t bad,
                 std::uint32_t* out) {
    const float span = hi - lo;
    const float inv = span > 0.0f ? 1.0f / span : 0.0f;
    const std::size_t width = desc.width;
    for (const std::uint32_t r : rows) {
        const std::byte* row = pixels + std::size_t{r} * width * sizeof(T);
        for (const std::uint32_t c : cols) {
            T raw;
            std::memcpy(&raw, row + std::size_t{c} * sizeof(T), sizeof(T));
            const float v = static_cast<float>(raw);
            if (!std::isfinite(v)) {
                *out++ = bad;
                continue;
            }
            const float t = inv > 0.0f ? std::clamp((v - lo) * inv, 0.0f, 1.0f) : float(v > lo);
            *out++ = table[std::size_t(int(t * 255.0f + 0.5f))];
        }
    }
}

} // namespace

void colormap_pixels(const ImageDesc& desc, std::span<const std::byte> pixels,
                     std::span<const std::uint32_t> cols, std::span<const std::uint32_t> rows,
                     std::span<const std::uint32_t> table, float lo, float hi, std::uint32_t bad,
                     std::vector<std::uint32_t>& out) {
    const std::size_t n = cols.size() * rows.size();
    if (out.size() < n) out.resize(n);
    if (!desc.format.mono() || pixels.size() < desc.byte_size() || table.size() < 256) return;
    const std::byte* p = pixels.data();
    switch (desc.format.sample) {
    case SampleType::U8:
        return colormap_as<std::uint8_t>(desc, p, cols, rows, table, lo, hi, bad, out.data());
    case SampleType::U16:
        return colormap_as<std::uint16_t>(desc, p, cols, rows, table, lo, hi, bad, out.data());
    case SampleType::I16:
        return colormap_as<std::int16_t>(desc, p, cols, rows, table, lo, hi, bad, out.data());
    case SampleType::F32:
        return colormap_as<float>(desc, p, cols, rows, table, lo, hi, bad, out.data());
    }
}

std::uint32_t rgba8(float r, float g, float b) {
    const auto byte = [](float c) {
        return std::uint32_t(std::lround(std::clamp(c, 0.0f, 1.0f) * 255.0f));
    };
    return byte(r) | byte(g) << 8 | byte(b) << 16 | 0xff000000u;
}

} // namespace rtv::render

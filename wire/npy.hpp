#pragma once
// NumPy's .npy format (versions 1.0, 2.0 and 3.0): the payload of ZeroMQ messages and of
// recordings. The header is read as numpy.load(allow_pickle=False) reads it (a Python literal:
// any key order, quotes, spacing, comments, trailing commas, Python 2's 5L), and what numpy
// refuses is refused with numpy's reason. Reading validates everything before a byte of data is
// touched: magic, version, header, dtype, memory order, shape, size limits and byte count. Each
// failure is a Status with a one-line reason. Taken: float32, float64, uint8, uint16, int16 and
// int32 in either byte order, C order (or a Fortran-order array whose layout is the same), 1-D
// to 3-D. Images keep their own sample type where the pipeline has it (npy_image_format);
// float64 and int32 are converted to float32, big-endian data are swapped while copying.
// Thread: any. Allocates: the writer's result only; reading never allocates.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/frame.hpp"
#include "core/status.hpp"

namespace rtv::wire {

enum class NpyType : std::uint8_t { F4, F8, U1, U2, I2, I4 };

struct NpyLimits {
    std::size_t max_header_bytes = 4096;     // numpy writes about 128
    std::uint64_t max_elements = 1ull << 28; // 1 GiB of float32
};

struct NpyArray {
    NpyType type = NpyType::F4;
    unsigned dims = 0; // 1, 2 or 3
    std::uint64_t shape[3] = {0, 0, 0};
    std::span<const std::byte> data; // count() * item size bytes inside the input, as they lie
    std::uint64_t data_bytes = 0;    // count() * item size (also when the data are elsewhere)
    bool big_endian = false;         // data are big-endian: npy_to_float and npy_copy_image swap
    std::uint64_t count() const {
        std::uint64_t n = 1;
        for (unsigned i = 0; i < dims; ++i)
            n *= shape[i];
        return n;
    }
};

// The dtype strings written: "<f4", "<f8", "|u1", "<u2", "<i2", "<i4". Every spelling numpy
// reads as one of these types is read ("f4", "=f4", "float32", "f", ">f4", ...); structured,
// subarray and comma-list descriptors are not.
std::string_view npy_descr(NpyType type);
std::size_t npy_item_size(NpyType type);

// Parses a whole .npy file or message. `out.data` points into `bytes`: read it through
// npy_to_float or npy_copy_image, which swap big-endian data.
Status parse_npy(std::span<const std::byte> bytes, NpyArray& out, const NpyLimits& limits = {});

// Parses an .npy header with no data after it (count() * item size bytes lie elsewhere, e.g. in
// shared memory): `out.data` is empty, `out.data_bytes` says how many bytes to fetch. Those are
// copied as they are, so a big-endian dtype is refused here.
Status parse_npy_header(std::span<const std::byte> bytes, NpyArray& out,
                        const NpyLimits& limits = {});

// Converts the array's elements to float32 into `out` (at least count() floats), in C order,
// swapping big-endian ones.
void npy_to_float(const NpyArray& array, std::span<float> out);

// The pixel format an image array is shown in: (H, W) uint8, uint16, int16, float32 as mono of
// that type, float64 and int32 as float32 (converted); (H, W, 3) and (H, W, 4) uint8, uint16 or
// float32 as RGB or RGBA (float64 converted to float32). Anything else (a 1-D array, (H, W, 2),
// (H, W, 5), int16 colour) is an error saying what is taken.
Status npy_image_format(const NpyArray& array, PixelFormat& format);
// Copies an image array into a frame of `format` (from npy_image_format): bytes as they are
// when the types match (swapped if big-endian), converted to float32 otherwise. `out`: at least
// count() samples.
void npy_copy_image(const NpyArray& array, PixelFormat format, std::span<std::byte> out);
// The dtype of a sample type (U8 -> |u1, U16 -> <u2, I16 -> <i2, F32 -> <f4).
NpyType npy_type_of(SampleType type);
// The dtype of a C++ element type (float, double, uint8_t, uint16_t, int16_t, int32_t).
template <class T> constexpr NpyType npy_type() {
    if constexpr (std::is_same_v<T, float>)
        return NpyType::F4;
    else if constexpr (std::is_same_v<T, double>)
        return NpyType::F8;
    else if constexpr (std::is_same_v<T, std::uint8_t>)
        return NpyType::U1;
    else if constexpr (std::is_same_v<T, std::uint16_t>)
        return NpyType::U2;
    else if constexpr (std::is_same_v<T, std::int16_t>)
        return NpyType::I2;
    else {
        static_assert(std::is_same_v<T, std::int32_t>,
                      "element type: float, double, uint8_t, uint16_t, int16_t or int32_t");
        return NpyType::I4;
    }
}

// A float32 .npy (version 1.0, header padded to 64 bytes) of a 1-D (rows == 0) or 2-D array.
// Headers take 1 to 3 dimensions and version 1, 2 or 3 (3 is 2 with a UTF-8 header).
void write_npy(std::vector<std::byte>& out, std::span<const float> data, std::uint64_t rows,
               std::uint64_t cols);
// The header alone (the data follows it): for writers that write the data from elsewhere.
void write_npy_header(std::vector<std::byte>& out, NpyType type, unsigned dims,
                      const std::uint64_t* shape, unsigned version = 1);
// The same for any supported dtype, from raw little-endian element bytes (tests and examples).
void write_npy_raw(std::vector<std::byte>& out, NpyType type, std::span<const std::byte> data,
                   unsigned dims, const std::uint64_t* shape, unsigned version = 1);

} // namespace rtv::wire

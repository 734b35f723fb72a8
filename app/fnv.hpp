#pragma once
// FNV-1a over bytes, eight at a time: the signatures that tell whether a part of the frame would
// draw the same pixels as last time (a few microseconds for a panel's ~100 KB). Not for security.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace rtv::app {

struct Fnv {
    std::uint64_t h = 0xcbf29ce484222325ull;

    Fnv& bytes(const void* data, std::size_t n) {
        constexpr std::uint64_t kPrime = 0x100000001b3ull;
        const auto* p = static_cast<const unsigned char*>(data);
        std::size_t i = 0;
        for (; i + 8 <= n; i += 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, p + i, 8);
            h = (h ^ w) * kPrime;
        }
        for (; i < n; ++i)
            h = (h ^ p[i]) * kPrime;
        return *this;
    }
    // A value's object representation: only for types without padding (ints, doubles, arrays
    // of them, structs of one scalar type).
    template <class T> Fnv& add(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        return bytes(&v, sizeof v);
    }
    Fnv& text(std::string_view s) {
        add(s.size());
        return bytes(s.data(), s.size());
    }
};

} // namespace rtv::app

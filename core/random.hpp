#pragma once
// Small, fast, deterministic random numbers (no allocation, no global state).
// SplitMix64 (Steele, Lea, Flood 2014) for seeding and scalars; FastUniform for filling large
// float arrays: eight independent 32-bit xorshift lanes that the compiler can vectorise.

#include <array>
#include <cstdint>
#include <span>

namespace rtv {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed)
        : m_state(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t m_state;
};

class FastUniform {
public:
    // 16 independent xorshift32 lanes: the fill loop compiles to vector instructions and the
    // lanes give the CPU independent work (16 measured 1.7x faster than 8 on x86-64).
    static constexpr std::size_t kLanes = 16;
    explicit FastUniform(std::uint64_t seed) {
        SplitMix64 mix(seed);
        for (auto& s : m_state) {
            do
                s = static_cast<std::uint32_t>(mix.next());
            while (s == 0); // xorshift's one forbidden state
        }
    }
    // Fills `out` with uniform floats in [0, 1) (24-bit resolution). Allocates: never.
    void fill(std::span<float> out) {
        std::uint32_t s[kLanes]; // in registers: the loop must not store the state per sample
        for (std::size_t l = 0; l < kLanes; ++l)
            s[l] = m_state[l];
        float* o = out.data();
        const std::size_t n = out.size();
        std::size_t i = 0;
        for (; i + kLanes <= n; i += kLanes)
            for (std::size_t l = 0; l < kLanes; ++l)
                o[i + l] = step(s[l]);
        for (std::size_t l = 0; l < kLanes && i < n; ++i, ++l) // the tail: fewer than kLanes
            o[i] = step(s[l]);
        for (std::size_t l = 0; l < kLanes; ++l)
            m_state[l] = s[l];
    }

private:
    static float step(std::uint32_t& x) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        return static_cast<float>(x >> 8) * 0x1.0p-24f;
    }
    std::array<std::uint32_t, kLanes> m_state{};
};

} // namespace rtv

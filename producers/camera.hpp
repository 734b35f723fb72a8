#pragma once
// camera: what a scientific camera delivers, as uint16 frames of `bits` significant bits (12 by
// default: values 0..4095): a dark offset, a bright spot gliding on a Lissajous path, shot noise
// (variance = signal, 1 e-/DN) and read noise, and a few hot pixels stuck at the top value.
// The samples go into the pool as they are: uint16 all the way to the GPU.
// Thread: configure on main, tick on the producer's own.

#include <cstdint>
#include <span>
#include <vector>

#include "core/producer.hpp"
#include "core/random.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

class Camera final : public Producer {
public:
    static constexpr std::string_view kName = "camera";
    static constexpr std::string_view kDescription =
        "a uint16 camera of 12 bits (settable): dark offset, shot noise, a moving bright spot, "
        "hot pixels";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink& sink, std::uint64_t n) override;

    // The largest value of `bits` significant bits.
    static std::uint16_t top_value(std::uint32_t bits) {
        return static_cast<std::uint16_t>((1u << bits) - 1);
    }
    // Where the spot's centre is at frame n, as fractions of width and height.
    static void spot_centre(std::uint64_t n, double& cx, double& cy);

private:
    ImageDesc m_image{640, 480, {1, SampleType::U16}};
    std::uint32_t m_bits = 12;
    std::uint32_t m_dark = 100;
    std::uint32_t m_hot = 8;
    std::vector<float> m_gx, m_gy;       // the spot's separable profile this frame
    std::vector<float> m_noise;          // one row of uniform numbers, twice over
    std::vector<std::uint32_t> m_hot_at; // pixel indices of the hot pixels
    FastUniform m_rng{0};
    bool m_started = false;
};

} // namespace rtv::producers

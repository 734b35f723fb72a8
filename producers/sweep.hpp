#pragma once
// sweep: VisPy's "update data using timer-based events" example as a producer. Two streams:
//   sweep/image  height x width float32; at frame n, column c = n % width holds c / width, every
//                column to its left j / width (set by the frames before), every column to its
//                right fresh uniform random values in [0, 1);
//   sweep/line   `points` points, x = 0..points-1; y starts uniform random and shifts left by one
//                each frame, the new last value being |sin(n / iterations * 16 pi)|.
// Thread: configure on main, tick on the producer's own.

#include <span>
#include <vector>

#include "core/producer.hpp"
#include "core/random.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

class Sweep final : public Producer {
public:
    static constexpr std::string_view kName = "sweep";
    static constexpr std::string_view kDescription =
        "VisPy's timer example: a 600x800 image swept column by column over random values, "
        "and a rolling 200-point line";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink& sink, std::uint64_t n) override;

    // The new last value of the line at frame n: |sin(n / iterations * 16 pi)|.
    static float line_value(std::uint64_t n, std::uint64_t iterations);

private:
    ImageDesc m_image{800, 600};
    std::uint32_t m_points = 200;
    std::vector<float> m_ramp; // j / width, the swept part of every row
    std::vector<float> m_line; // the rolling y values
    FastUniform m_rng{0};
    bool m_started = false;
};

} // namespace rtv::producers

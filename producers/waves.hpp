#pragma once
// waves: `lines` phase-shifted sine lines of `points` points each, all in one line frame: the case
// the VisPy FAQ says to batch into one draw call. Line l oscillates around (l + 0.5) / lines, so
// the lines stack in a 0..1 view; x = 0..points-1. Thread: configure on main, tick on its own.

#include <span>
#include <vector>

#include "core/producer.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

class Waves final : public Producer {
public:
    static constexpr std::string_view kName = "waves";
    static constexpr std::string_view kDescription =
        "many phase-shifted sine lines in one frame (one batched draw)";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink& sink, std::uint64_t n) override;

    // y of point i of line l at frame n.
    float value(std::uint32_t line, std::uint32_t i, std::uint64_t n) const;

private:
    std::uint32_t m_lines = 10;
    std::uint32_t m_points = 1000;
    double m_cycles = 3.0; // sine periods across a line
    double m_speed = 0.5;  // periods per 60 frames
};

} // namespace rtv::producers

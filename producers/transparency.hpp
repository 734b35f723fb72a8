#pragma once
// transparency: the VisPy FAQ's 2D transparency scene, drawn back to front with
// (src_alpha, one_minus_src_alpha) blending. Two RGBA streams on one view:
//   transparency/back   float32 RGBA: a blue square at alpha 0.25 gliding left and right
//   transparency/front  uint8 RGBA: an orange disc at alpha 128 circling
// Outside its shape each image is transparent (alpha 0), so the overlap moves as they drift.
// Thread: configure on main, tick on the producer's own.

#include <cstdint>
#include <span>
#include <vector>

#include "core/producer.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

class Transparency final : public Producer {
public:
    static constexpr std::string_view kName = "transparency";
    static constexpr std::string_view kDescription =
        "the VisPy FAQ's transparency: a uint8 RGBA disc at alpha 128 over a float32 RGBA square "
        "at alpha 0.25, drifting";
    static std::span<const SettingInfo> settings();

    // The colours (RGB 0..1) and alphas of the two shapes.
    static constexpr float kBack[4] = {0.2f, 0.5f, 1.0f, 0.25f};
    static constexpr std::uint8_t kFront[4] = {255, 128, 0, 128};

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink& sink, std::uint64_t n) override;

    // The shapes at frame n, in pixels: the square's left edge and side, the disc's centre
    // and radius.
    struct Shapes {
        double square_x, square_y, square_side;
        double disc_x, disc_y, disc_r;
    };
    Shapes shapes(std::uint64_t n) const;

private:
    std::uint32_t m_width = 400, m_height = 300;
};

} // namespace rtv::producers

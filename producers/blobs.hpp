#pragma once
// blobs: Gaussian blobs gliding on Lissajous paths over a dark image; smooth and alive at 60 fps.
// Each blob is separable (g(x) * g(y)), so a frame costs width x height x blobs multiply-adds.
// Thread: configure on main, tick on the producer's own.

#include <span>
#include <vector>

#include "core/producer.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

class Blobs final : public Producer {
public:
    static constexpr std::string_view kName = "blobs";
    static constexpr std::string_view kDescription =
        "moving Gaussian blobs on an image, smooth at 60 fps";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink& sink, std::uint64_t n) override;

    // Centre of blob k at frame n, in 0..1 of width and height.
    void centre(std::uint32_t k, std::uint64_t n, double& cx, double& cy) const;

private:
    ImageDesc m_image{512, 512};
    std::uint32_t m_blobs = 5;
    double m_sigma = 0.08;        // fraction of the shorter side
    std::vector<double> m_params; // per blob: fx, fy, phase x, phase y
    std::vector<float> m_gx;      // blobs x width
    std::vector<float> m_gy;      // blobs x height
    bool m_started = false;
};

} // namespace rtv::producers

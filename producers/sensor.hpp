#pragma once
// sensor: a 1 kHz-style instrument on an `append` line stream. Samples are due at `rate` per
// second of real time; each tick sends the samples due since the last one (x = sample index /
// rate in seconds, y = a noisy sine), so a late or dropped tick loses nothing: its samples go out
// with the next. The viewer keeps the newest `history` samples. Thread: tick on its own.

#include <span>
#include <vector>

#include "core/producer.hpp"
#include "core/random.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

class Sensor final : public Producer {
public:
    static constexpr std::string_view kName = "sensor";
    static constexpr std::string_view kDescription =
        "an append line stream of `rate` samples per second in small batches (a 1 kHz sensor)";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink& sink, std::uint64_t n) override;

    std::uint32_t batch_capacity() const { return m_capacity; }

private:
    double m_rate = 1000.0;
    std::uint32_t m_history = 10000;
    double m_frequency = 1.0;
    double m_noise = 0.05;
    std::uint32_t m_capacity = 0; // samples per frame at most
    std::uint64_t m_sent = 0;     // samples sent so far
    std::int64_t m_start_ns = 0;
    FastUniform m_rng{0};
    std::vector<float> m_noise_buf;
};

} // namespace rtv::producers

#pragma once
// replay: plays back a directory written by `rtviewer --record DIR` (index.tsv and .npy files):
// each recorded stream is a stream again, with its recorded shape. Frames come at their
// recorded timing, or every `interval` seconds when that is set; loop=1 repeats forever;
// `iterations` stops after that many frames. The index is read and checked when the producer
// is configured, so a bad directory is a command-line error; a frame file that went missing or
// bad since is rejected on its stream and the replay goes on.
// Thread: configure on main, run on its own.

#include <span>
#include <string>
#include <vector>

#include "core/producer.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

class Replay final : public Producer {
public:
    static constexpr std::string_view kName = "replay";
    static constexpr std::string_view kDescription =
        "plays back a recording made with --record DIR, at its timing or at interval";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink&, std::uint64_t) override {} // run() does the work
    void run(std::stop_token stop, FrameSink& sink) override;

private:
    struct Entry {
        std::uint16_t stream = 0; // index into m_streams
        std::int64_t t_ns = 0;
        std::string file; // relative to the directory
    };
    void play(FrameSink& sink, const Entry& e);

    std::string m_path;
    bool m_loop = false;
    std::vector<StreamRequest> m_streams;
    std::vector<Entry> m_entries;
    std::vector<std::byte> m_buffer; // one frame file, sized once for the largest
};

} // namespace rtv::producers

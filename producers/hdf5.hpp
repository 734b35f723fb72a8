#pragma once
// hdf5: plays frames out of an HDF5 file (storage/hdf5_reader.hpp says which datasets): an
// rtviewer recording (every stream), or any (N, H, W), (N, H, W, C) or (H, W) dataset from any
// writer. Frames come at their recorded times where the file has them (t_ns), else every
// `interval` (auto: as fast as the display takes them); start, stop and step choose frames,
// loop=1 repeats. follow=1 reads a file another program is writing (SWMR): every `poll`
// seconds it shows the newest frame (the ones in between count as superseded; where the file
// has t_ns on this machine's clock, latency runs from the writer's frame time, so the stream's
// latency is the lag behind the writer); it finishes when the writer closes the file, or after
// `idle` seconds without a new frame. The file is opened and checked when the producer is
// configured, so a bad file or dataset is a command-line error (exit 2); a read that fails
// later marks the producer failed with HDF5's reason.
// Thread: configure on main, run on its own.

#include <span>
#include <string>
#include <vector>

#include "core/producer.hpp"
#include "producers/settings.hpp"
#include "storage/hdf5_reader.hpp"

namespace rtv::producers {

class Hdf5 final : public Producer {
public:
    static constexpr std::string_view kName = "hdf5";
    static constexpr std::string_view kDescription =
        "plays frames from an HDF5 file (a recording, or any dataset of images), or follows "
        "one being written";
    static std::span<const SettingInfo> settings();

    ProducerInfo info() const override { return {kName, kDescription}; }
    Status configure(const ProducerConfig& config) override;
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink&, std::uint64_t) override {} // run() does the work
    void run(std::stop_token stop, FrameSink& sink) override;

private:
    struct Entry {
        std::uint16_t stream = 0;
        std::uint64_t frame = 0;
        std::int64_t t_ns = 0; // recorded time, or 0
    };
    // Plays frame `frame` of stream `s`; false when the sink's pool had no slot. Throws on a read
    // error (the producer fails with HDF5's reason).
    bool play(FrameSink& sink, std::size_t s, std::uint64_t frame, std::int64_t origin_ns);
    void replay(std::stop_token stop, FrameSink& sink);
    void follow(std::stop_token stop, FrameSink& sink);

    std::string m_path, m_dataset;
    std::uint64_t m_start = 0, m_stop = 0, m_step = 1;
    bool m_loop = false, m_follow = false;
    double m_poll_s = 0.02, m_idle_s = 0.0;
    storage::Hdf5Reader m_reader;
    std::vector<StreamRequest> m_streams;
    std::vector<Entry> m_entries; // replay: the frames in the order they play
};

// Whether the HDF5 file at `path` is still open for writing by another program: its superblock
// (format version 2 or 3, as SWMR writers make it) says so in its consistency flags. False for a
// file closed properly and for older superblocks (which keep no such flag).
bool hdf5_writer_open(const std::string& path);

} // namespace rtv::producers

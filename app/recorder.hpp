#pragma once
// --record PATH: every frame of every stream, as the router takes it off the queue (before any
// is superseded), written by a storage::RecordWriter: an HDF5 file in the NeXus layout for
// PATH.h5 (storage/hdf5_writer.hpp), else a directory of .npy files (storage/npy_dir.hpp).
// The main thread only copies the frame into a ring buffer allocated once; a writer thread
// writes, so a slow disk never stalls the display, and flushes at least once a second. When the
// ring is full a frame is not recorded and counted; at the size limit recording stops, and says
// so. Thread: on_frame and the queries on the main thread; the writer is internal.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "core/frame_router.hpp"
#include "core/status.hpp"
#include "storage/record_writer.hpp"

namespace rtv::app {

class Recorder final : public FrameTap {
public:
    // Plain numbers: read every display frame for the panel, so nothing here allocates.
    struct Counts {
        std::uint64_t frames = 0;    // written
        std::uint64_t dropped = 0;   // not recorded: the writer was behind (ring full)
        std::uint64_t discarded = 0; // taken into the ring, then lost when a write error stopped it
        std::uint64_t bytes = 0;     // of frames (and .npy headers) written
        bool limit_reached = false;
        bool failed = false; // an I/O error stopped the recording: error() says which
        bool operator==(const Counts&) const = default;
    };

    // `path` is what the log and the panel call the recording.
    Recorder(std::unique_ptr<storage::RecordWriter> writer, std::string path,
             std::uint64_t limit_bytes, std::size_t ring_bytes = 64u << 20);
    ~Recorder() override; // close()
    // Creates the recording (refusing to overwrite one) and starts the writer.
    Status open();
    void on_frame(const FrameView& frame) override;
    // Writes what is in the ring and stops the writer. Thread: main.
    void close();
    Counts counts() const;
    // The write error that stopped the recording, or empty. Allocates: yes (a copy).
    std::string error() const;
    const std::string& dir() const { return m_dir; }

private:
    struct Pending {
        std::size_t offset = 0, bytes = 0; // in the ring
        const Stream* stream = nullptr;
        FrameKind kind = FrameKind::Image;
        ImageDesc image;                     // images
        std::uint32_t lines = 0, points = 0; // lines
        std::uint64_t sequence = 0, gaps = 0;
        std::int64_t t_ns = 0;
        bool ready = false;
    };
    bool reserve(std::size_t bytes, std::size_t& offset); // under m_mutex
    void write_loop(std::stop_token stop);
    Status write_one(const Pending& p);
    void fail(std::string message); // under m_mutex: the writer stops

    std::unique_ptr<storage::RecordWriter> m_writer_impl; // used by the writer thread alone
    std::string m_dir;
    std::uint64_t m_limit;
    std::vector<std::byte> m_ring;
    std::vector<Pending> m_pending; // a circular queue of records in the ring
    std::size_t m_head = 0, m_count = 0;
    std::uint64_t m_accepted_bytes = 0; // toward the limit
    // Each stream's last sequence number taken (main thread): the gaps before a frame.
    std::vector<std::pair<const Stream*, std::uint32_t>> m_last_sequence;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_ready;
    Counts m_counts;
    std::string m_error;
    bool m_closing = false, m_stopped = false;
    std::jthread m_writer;
};

} // namespace rtv::app

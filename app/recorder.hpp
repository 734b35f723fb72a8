#pragma once
// --record DIR: every frame of every stream, as the router takes it off the queue (before any
// is superseded), written as a sequence-numbered .npy file with one line per frame in
// DIR/index.tsv:
//   frame  stream  kind  rows  cols  format  t_ns  file
// (images: rows x cols = height x width in their own pixel format (f32, u16, rgba8, ...), a
// (rows, cols) array of that dtype, (rows, cols, 3|4) for RGB and RGBA; lines: rows lines of
// cols points, format xy32f, stored as a (rows * cols, 2) float32 array of x, y). t_ns is the
// frame's submit time on the steady clock. The main thread only copies the frame into a ring buffer
// allocated once; a writer thread writes the files, so a slow disk never stalls the display. When
// the ring is full a frame is not recorded and counted; at the size limit recording stops, and says
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

namespace rtv::app {

class Recorder final : public FrameTap {
public:
    // Plain numbers: read every display frame for the panel, so nothing here allocates.
    struct Counts {
        std::uint64_t frames = 0;    // written
        std::uint64_t dropped = 0;   // not recorded: the writer was behind (ring full)
        std::uint64_t discarded = 0; // taken into the ring, then lost when a write error stopped it
        std::uint64_t bytes = 0;     // of .npy files written
        bool limit_reached = false;
        bool failed = false; // an I/O error stopped the recording: error() says which
        bool operator==(const Counts&) const = default;
    };

    Recorder(std::string dir, std::uint64_t limit_bytes, std::size_t ring_bytes = 64u << 20);
    ~Recorder() override; // close()
    // Creates DIR (which must not hold a recording yet) and starts the writer.
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
        std::uint32_t rows = 0, cols = 0;
        PixelFormat format{}; // images
        std::int64_t t_ns = 0;
        bool ready = false;
    };
    bool reserve(std::size_t bytes, std::size_t& offset); // under m_mutex
    void write_loop(std::stop_token stop);
    // 0, or the errno of the call that failed.
    int write_one(const Pending& p, std::uint64_t number);

    std::string m_dir;
    std::uint64_t m_limit;
    std::vector<std::byte> m_ring;
    std::vector<Pending> m_pending; // a circular queue of records in the ring
    std::size_t m_head = 0, m_count = 0;
    std::uint64_t m_accepted_bytes = 0; // toward the limit
    std::vector<std::byte> m_header;    // the writer's .npy header buffer
    int m_index_fd = -1;
    mutable std::mutex m_mutex;
    std::condition_variable_any m_ready;
    Counts m_counts;
    std::string m_error;
    bool m_closing = false, m_stopped = false;
    std::jthread m_writer;
};

} // namespace rtv::app

#pragma once
// The main thread's end of the pipeline. drain() empties the queue in bounded bulk batches with
// one consumer token; for each `replace` stream it keeps only the newest pending frame and gives
// superseded slots back at once; `append` frames are applied to the stream's LineHistory in order
// and their slots given back at once. deliver() hands each pending frame to an upload function
// and gives its slot back right after. Upload cost per display frame is therefore bounded by the
// number of streams, whatever the producers' rates; memory by the pools.
//
// Thread: main only (asserted). Allocates: never, except a LineHistory the first time an append
// stream is seen.

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>

#include "core/clock.hpp"
#include "core/frame.hpp"
#include "core/frame_queue.hpp"
#include "core/line_history.hpp"
#include "core/producer_host.hpp"
#include "core/status.hpp"

namespace rtv {

// A frame ready for upload. The spans are valid only during the upload call.
struct FrameView {
    const Stream* stream = nullptr;
    FrameKind kind = FrameKind::Image;
    std::uint32_t sequence = 0;
    std::int64_t submit_ns = 0;
    ImageDesc image;                        // Image: size and pixel format
    std::span<const std::byte> pixels;      // Image: image.byte_size() bytes, row-major
    ImageStats image_stats;                 // Image: min, max, non-finite count
    std::uint32_t lines = 0;                // Lines
    std::uint32_t points = 0;               // Lines: points per line
    std::span<const LinePoint> line_points; // Lines: lines * points, line after line
    std::uint8_t slot = 0; // the pool slot the spans point into (FramePool::retain keeps it)
    // Image: the samples as T, which must be the format's sample type (float32 mono: floats).
    template <class T> std::span<const T> samples() const {
        return {reinterpret_cast<const T*>(pixels.data()), pixels.size() / sizeof(T)};
    }
};

// Sees every frame the router takes off the queue, before any is superseded (a recorder).
// Called on the main thread; the view is valid only during the call.
class FrameTap {
public:
    virtual ~FrameTap() = default;
    virtual void on_frame(const FrameView& frame) = 0;
};

class FrameRouter {
public:
    static constexpr std::size_t kBatch = 64;
    static constexpr std::size_t kMaxBatchesPerDrain = 16;

    // Both must outlive the router. Thread: main. Allocates: yes.
    FrameRouter(FrameQueue& queue, ProducerHost& host);
    FrameRouter(const FrameRouter&) = delete;
    FrameRouter& operator=(const FrameRouter&) = delete;
    ~FrameRouter(); // release_all()

    // Dequeues up to kBatch * kMaxBatchesPerDrain messages; returns how many.
    std::size_t drain();

    // Calls `upload(const FrameView&) -> Status` for every pending replace frame, then gives its
    // slot back and counts it displayed (latency = now - submit). A failed upload counts the
    // frame as rejected, with the message. Returns the number of frames delivered.
    template <class Upload> std::size_t deliver(Upload&& upload);

    bool has_pending(std::uint16_t stream) const { return m_state[stream].pending; }
    // The history of an append stream, or nullptr before its first frame.
    const LineHistory* history(std::uint16_t stream) const { return m_state[stream].history.get(); }
    // Gives back every pending slot (counted as superseded). Call after the host has stopped, and
    // after a final drain(), so that every frame is accounted for.
    void release_all();
    // Every frame drain() takes is shown to `tap` first (nullptr: none). Thread: main.
    void set_tap(FrameTap* tap) { m_tap = tap; }

private:
    struct StreamState {
        bool pending = false;
        FrameMsg msg{};
        std::unique_ptr<LineHistory> history;
    };
    void route(const FrameMsg& msg);
    FrameView view_of(const FrameMsg& msg);
    void finish(StreamState& s, const Status& status);
    void check_thread() const;

    FrameQueue& m_queue;
    ProducerHost& m_host;
    moodycamel::ConsumerToken m_token;
    std::thread::id m_owner;
    std::array<FrameMsg, kBatch> m_batch{};
    std::array<StreamState, kMaxStreams> m_state{};
    FrameTap* m_tap = nullptr;
};

template <class Upload> std::size_t FrameRouter::deliver(Upload&& upload) {
    check_thread();
    std::size_t delivered = 0;
    const std::size_t n = m_host.stream_count();
    for (std::size_t id = 0; id < n; ++id) {
        StreamState& s = m_state[id];
        if (!s.pending) continue;
        const Status status = upload(view_of(s.msg));
        finish(s, status);
        ++delivered;
    }
    return delivered;
}

} // namespace rtv

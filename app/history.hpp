#pragma once
// History: the recent past of every stream, so that the views can be shown as they were at an
// earlier moment while data keeps arriving. A FrameTap on the router: each frame the router
// takes (superseded ones too) is copied into its stream's HistoryRing, a byte-bounded ring made
// at the stream's first frame and reserved from the memory budget.
//
// The copies are made on a thread of its own (HistorySettings::copy_thread, the default): the
// main thread's tap only makes room in the ring (HistoryRing::reserve: bookkeeping, no copy),
// adds itself as a holder of the frame's pool slot (FramePool::retain, so the bytes stay while
// they are copied although the display is done with them) and queues the copy. The copy thread
// copies and lets the slot go; the main thread commits finished copies at the start of each
// pass (begin_pass), in the order taken, so everything that reads history (all on the main
// thread) sees only whole frames and never a ring being changed. A stream lends the copy thread
// at most its pool's slots less two (the producer and the display keep one each): a frame
// past that (the copy thread behind) is copied on the main thread as without a copy thread, at
// most kPassBytes per pass, and frames past that are not kept and counted as skipped (a flood
// the display could not show anyway).
//
// Most frames are not copied at all (HistorySettings::lend, the default): an image stream whose
// pool is on the heap (FramePool::lendable) and has more than two slots gets a ring of blocks
// the size of its slots (HistoryRing's block mode), and the pool adopts that memory. The tap
// lends the frame to the ring where it is (HistoryRing::lend: held, seen by lookups at once)
// and holds its slot; once every other holder has let the slot go (settle(): at the next frame
// of the stream, and after each ingest), the ring takes the slot's buffer for good and the slot
// gets a block in exchange (FramePool::exchange), the oldest frame's or a free one. The memory
// is the same; the copy is gone. Until every block has held a frame the ring's frames are copied
// as above: its pages are touched (and zeroed by the kernel) on the copy thread, not by a
// producer writing a frame into a fresh block. A stream lends at most its pool's slots less
// two; a frame past that is not kept (counted skipped). Thread: main, but for the copy thread's
// memcpy.

#include <array>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/frame_pool.hpp"
#include "core/frame_queue.hpp"
#include "core/frame_router.hpp"
#include "core/history_ring.hpp"
#include "core/line_history.hpp"
#include "core/memory_budget.hpp"

namespace rtv::app {

struct HistorySettings {
    std::uint64_t default_bytes = 0; // per stream; 0: no history
    // Streams with a size of their own (0: none for that stream), by exact name.
    std::vector<std::pair<std::string, std::uint64_t>>
        per_stream; // Copy frames into the rings on a thread of its own (false: on the main thread,
                    // in on_frame).
    bool copy_thread = true;
    // Lend image frames to the rings instead of copying them, where their pools allow it.
    bool lend = true;
};

class History final : public FrameTap {
public:
    static constexpr std::size_t kMaxEntries = 8192; // frames held per stream at most
    static constexpr std::size_t kPassBytes = std::size_t{64} << 20;
    static constexpr std::size_t kMaxJobs = 256; // frames queued for the copy thread at most

    // The rings together take at most `share_bytes` of `budget` (the rest stays for pools).
    History(HistorySettings settings, MemoryBudget* budget, std::uint64_t share_bytes);
    ~History() override;

    // Commits the copies the copy thread has finished, settles lent frames. Allocates: never.
    void begin_pass() {
        m_pass_left = kPassBytes;
        collect();
        settle();
    }
    // Settles every lent frame whose slot the history alone holds now, in order, and lets the
    // slot go: after the display is done with the frames (after ingest). Allocates: never.
    void settle();
    void on_frame(const FrameView& frame) override;
    // Waits for every queued copy and commits it (at the end of a run, before an export: the
    // history then holds every frame taken), and settles what it can. Bounded: at most kMaxJobs
    // copies. Allocates: never.
    void flush();
    // Frames queued for the copy thread and not yet committed.
    std::size_t in_flight() const { return std::size_t(m_enqueued - m_committed); }

    struct Stream {
        std::unique_ptr<HistoryRing> ring;
        bool decided = false;        // the first frame came: ring made or refused
        std::string note;            // why there is no history for it, or empty
        std::uint64_t skipped = 0;   // frames not kept (the copy budget, or lending's)
        std::uint32_t in_flight = 0; // frames whose slot the copy thread holds
        // Lending: the stream's pool (the frames lent and not settled are the ring's, lent()).
        FramePool* pool = nullptr;         // non-null: the stream's frames are lent, not copied
        std::uint64_t lent_total = 0;      // frames ever lent (the rest were copied)
        std::uint32_t append_lines = 0;    // append streams: the consumer history's shape,
        std::uint32_t append_capacity = 0; // to rebuild it as it was
    };
    const Stream& stream(std::size_t id) const { return m_streams[id]; }
    bool enabled() const { return m_settings.default_bytes > 0 || !m_settings.per_stream.empty(); }
    // The span that can be shown, over the first `count` streams: from the oldest submit time
    // held (but not before the oldest frame of a stream that has evicted frames) to the newest
    // (0, 0 when nothing is held).
    std::pair<std::int64_t, std::int64_t> span(std::size_t count) const;
    // The submit time of the frame next after (dir > 0) or before (dir < 0) `t`, over all
    // streams; `t` itself when there is none. For stepping frame by frame.
    std::int64_t step(std::int64_t t, int dir, std::size_t count) const;
    std::uint64_t bytes_reserved() const { return m_reserved; }

    // Looking at moment `t` (paused or scrubbed): each stream keeps the frame it shows at `t`
    // and the ones stepping would show next (for an append stream, every frame its rebuilt
    // history needs), however long the moment stays while frames keep arriving. Cheap when
    // `t` is unchanged. Allocates: never.
    void hold(std::int64_t t, std::size_t count);
    // Back to live: kept frames are let go.
    void release(std::size_t count);
    // `t`, or the nearest later time every stream can show as it was (a moment whose frame of
    // some stream was lost is moved to that stream's next frame held).
    std::int64_t showable(std::int64_t t, std::size_t count) const;
    // Frames and bytes kept for the moment, over the first `count` streams.
    std::pair<std::size_t, std::size_t> kept(std::size_t count) const;

    // An append stream's consumer history as it was at `t` (the samples of the frames
    // submitted at or before it that the ring holds, newest `capacity` kept), into `out`
    // (made on first use). False when the stream has no history. Allocates: `out` once.
    bool rebuild_append(std::size_t id, std::int64_t t, std::unique_ptr<LineHistory>& out) const;

private:
    struct Job {
        std::size_t stream = 0;
        FramePool* pool = nullptr; // the slot to let go once copied (nullptr: none)
        std::uint8_t slot = 0;
        const std::byte* src = nullptr;
        std::byte* dst = nullptr;
        std::size_t bytes = 0;
    };
    void collect();
    void queue_copy(Stream& s, const FrameView& f, std::size_t bytes);
    void lend(Stream& s, const FrameView& f);
    void settle(Stream& s);
    // Makes the stream's ring; false when it lends no frames (the caller makes a byte ring).
    bool make_lending_ring(Stream& s, const FrameView& f, std::uint64_t bytes,
                           std::uint64_t keep_bytes, std::size_t keep_entries);
    void copy_loop(std::stop_token stop);

    HistorySettings m_settings;
    MemoryBudget* m_budget;
    std::uint64_t m_share;
    std::uint64_t m_reserved = 0;
    std::size_t m_pass_left = kPassBytes;
    std::vector<Stream> m_streams; // kMaxStreams, address-stable
    // The copy queue: jobs [m_copied, m_enqueued) wait for the copy thread, [m_committed,
    // m_copied) are copied and wait for collect(). m_enqueued is written by the main thread,
    // m_copied by the copy thread, both under m_mutex; m_committed is the main thread's.
    std::array<Job, kMaxJobs> m_jobs{};
    std::mutex m_mutex;
    std::condition_variable_any m_queued, m_copied_cv;
    std::uint64_t m_enqueued = 0, m_copied = 0, m_committed = 0;
    std::jthread m_thread; // last: it starts after, and stops before, everything above
};

} // namespace rtv::app

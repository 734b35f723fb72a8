#pragma once
// The one queue between producer threads and the main thread: moodycamel's lock-free
// ConcurrentQueue of small FrameMsg values. Explicit producer tokens only (one per producer
// thread, owned by its FrameSink), one consumer token (owned by the FrameRouter).

#include <cstddef>

#include <concurrentqueue/concurrentqueue.h>

#include "core/frame.hpp"
#include "core/frame_pool.hpp"

namespace rtv {

constexpr std::size_t kMaxStreams = 256;  // stream ids are 0..kMaxStreams-1
constexpr std::size_t kMaxProducers = 64; // producer threads (explicit queue producers)

using FrameQueue = moodycamel::ConcurrentQueue<FrameMsg>;

// A queue preallocated so that try_enqueue never needs to allocate: room for `min_capacity`
// messages from any one of `producers` producers (moodycamel's sizing rule). In-flight frames are
// bounded by the pools, so a full queue is rare; when it happens the frame is counted as
// dropped_queue. 512 x 32 preallocates about 430 KB. Thread: any (before sharing). Allocates: once.
inline FrameQueue make_frame_queue(std::size_t min_capacity = 512, std::size_t producers = 32) {
    return FrameQueue(min_capacity, producers, 0);
}

} // namespace rtv

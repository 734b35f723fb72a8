#include "core/stream.hpp"

#include <algorithm>

namespace rtv {

namespace {
std::size_t slot_bytes(const StreamRequest& r) {
    if (r.kind == FrameKind::Image) return std::max<std::size_t>(r.image.byte_size(), 1);
    return std::max<std::size_t>(r.lines.point_capacity() * sizeof(LinePoint), 1);
}
} // namespace

Stream::Stream(std::uint16_t id, StreamRequest request, std::uint16_t producer,
               const ProducerStatus& owner, std::string refusal, PoolMemory* memory)
    : m_id(id)
    , m_request(std::move(request))
    , m_pool(refusal.empty() ? slot_bytes(m_request) : 1, refusal.empty() ? m_request.slots : 1,
             refusal.empty() ? memory : nullptr)
    , m_producer(producer)
    , m_owner(owner)
    , m_refusal(std::move(refusal)) {
    if (m_request.fixed_slots) m_pool.pin();
    if (m_request.kind == FrameKind::Image && m_refusal.empty())
        m_quantile_scratch.resize(ImageStats::kQuantileSample);
}

std::uint64_t Stream::memory_cost(const StreamRequest& r) {
    const std::uint64_t slot = (std::uint64_t(slot_bytes(r)) + 63) / 64 * 64;
    std::uint64_t bytes = (slot + sizeof(ImageStats)) * r.slots;
    if (r.kind == FrameKind::Image) bytes += ImageStats::kQuantileSample * sizeof(float);
    if (r.mode == StreamMode::Append)
        bytes += std::uint64_t{r.lines.max_lines} * r.history * sizeof(LinePoint);
    return bytes;
}

bool Stream::wait_taken(std::stop_token stop) {
    if (m_taken.load(std::memory_order_acquire) == m_enqueued) return true;
    // A stop must wake the wait, and std::atomic::wait returns only on a changed value: the
    // callback counts one spurious "taken". Harmless: the producer is ending and nothing else
    // reads the count.
    std::stop_callback wake(stop, [this] {
        m_taken.fetch_add(1, std::memory_order_release);
        m_taken.notify_all();
    });
    for (;;) {
        const std::uint32_t taken = m_taken.load(std::memory_order_acquire);
        if (stop.stop_requested()) return false;
        if (taken == m_enqueued) return true;
        m_taken.wait(taken, std::memory_order_acquire);
    }
}

} // namespace rtv

#include "core/frame_pool.hpp"

#include <bit>
#include <cstring>
#include <new>

#include "core/assert.hpp"

namespace rtv {

namespace {
constexpr std::size_t kSlotAlign = 64;
} // namespace

FramePool::FramePool(std::size_t slot_bytes, unsigned slot_count, PoolMemory* memory)
    : m_slot_bytes(slot_bytes)
    , m_stride((slot_bytes + kSlotAlign - 1) / kSlotAlign * kSlotAlign)
    , m_slot_count(slot_count)
    , m_all_mask(slot_count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << slot_count) - 1)
    , m_stats(slot_count)
    , m_free(m_all_mask) {
    RTV_ASSERT(slot_count >= 1 && slot_count <= kMaxSlots, "slot count must be 1..64");
    RTV_ASSERT(slot_bytes >= 1, "a slot must hold at least one byte");
    if (memory && (m_data = memory->allocate(m_stride, slot_count))) {
        m_memory = memory;
        RTV_ASSERT(reinterpret_cast<std::uintptr_t>(m_data) % kSlotAlign == 0,
                   "PoolMemory must hand out 64-byte aligned memory");
        for (unsigned i = 0; i < slot_count; ++i)
            m_slots[i] = m_data + std::size_t{i} * m_stride;
        return;
    }
    const std::size_t total = m_stride * slot_count;
    // operator new creates the samples' objects implicitly (C++20: implicit-lifetime types).
    m_data = static_cast<std::byte*>(::operator new[](total, std::align_val_t{kSlotAlign}));
    // Touch every page now so that the first frames do not pay for page faults.
    std::memset(m_data, 0, total);
    for (unsigned i = 0; i < slot_count; ++i)
        m_slots[i] = m_data + std::size_t{i} * m_stride;
}

FramePool::~FramePool() {
    if (m_memory)
        m_memory->deallocate(m_data);
    else
        ::operator delete[](m_data, std::align_val_t{kSlotAlign});
}

std::optional<std::uint8_t> FramePool::try_acquire() {
    std::uint64_t free = m_free.load(std::memory_order_relaxed);
    while (free != 0) {
        const std::uint64_t lowest = free & (~free + 1);
        if (m_free.compare_exchange_weak(free, free & ~lowest, std::memory_order_acquire,
                                         std::memory_order_relaxed))
            return static_cast<std::uint8_t>(std::countr_zero(lowest));
    }
    return std::nullopt;
}

std::optional<std::uint8_t> FramePool::acquire_wait(std::stop_token stop) {
    if (auto slot = try_acquire()) return slot;
    // Dekker-style hand-shake with release(): we announce ourselves (seq_cst), then look again;
    // release() frees (seq_cst), then looks for waiters. One of the two must see the other.
    m_waiters.fetch_add(1);
    std::stop_callback on_stop(stop, [this] {
        m_epoch.fetch_add(1);
        m_epoch.notify_all();
    });
    std::optional<std::uint8_t> slot;
    while (!stop.stop_requested()) {
        const std::uint32_t epoch = m_epoch.load();
        if ((slot = try_acquire())) break;
        if (stop.stop_requested()) break;
        m_epoch.wait(epoch);
    }
    m_waiters.fetch_sub(1);
    return slot;
}

void FramePool::retain(std::uint8_t slot) {
    RTV_ASSERT(slot < m_slot_count, "slot index out of range");
    RTV_ASSERT((m_free.load() & (std::uint64_t{1} << slot)) == 0, "retaining a free slot");
    const std::uint8_t before = m_extra[slot].fetch_add(1, std::memory_order_relaxed);
    RTV_ASSERT(before < 255, "too many holders of one slot");
}

void FramePool::release(std::uint8_t slot) {
    RTV_ASSERT(slot < m_slot_count, "slot index out of range");
    // Another holder remains: this one only lets go (acq_rel: what it read of the slot happens
    // before the last holder frees it, and so before the producer writes it again).
    std::uint8_t extra = m_extra[slot].load(std::memory_order_acquire);
    while (extra > 0)
        if (m_extra[slot].compare_exchange_weak(extra, std::uint8_t(extra - 1),
                                                std::memory_order_acq_rel,
                                                std::memory_order_acquire))
            return;
    const std::uint64_t bit = std::uint64_t{1} << slot;
    const std::uint64_t before = m_free.fetch_or(bit);
    RTV_ASSERT((before & bit) == 0, "slot released twice");
    if (m_waiters.load() != 0) {
        m_epoch.fetch_add(1);
        m_epoch.notify_all();
    }
}

bool FramePool::sole_holder(std::uint8_t slot) const {
    RTV_ASSERT(slot < m_slot_count, "slot index out of range");
    RTV_ASSERT((m_free.load() & (std::uint64_t{1} << slot)) == 0, "asking about a free slot");
    // acquire: pairs with the acq_rel of the other holders' release()
    return m_extra[slot].load(std::memory_order_acquire) == 0;
}

std::byte* FramePool::exchange(std::uint8_t slot, std::byte* buffer) {
    RTV_ASSERT(lendable(), "exchange() on a pool that does not lend (PoolMemory, or pinned)");
    RTV_ASSERT(sole_holder(slot), "exchange() by one of several holders");
    RTV_ASSERT(buffer != nullptr && reinterpret_cast<std::uintptr_t>(buffer) % kSlotAlign == 0,
               "a slot's buffer must be 64-byte aligned");
    // Plain stores: the next holder acquires the slot after release() publishes it.
    std::byte* old = m_slots[slot];
    m_slots[slot] = buffer;
    return old;
}

void FramePool::adopt(PageBuffer memory) {
    RTV_ASSERT(!m_adopted, "a pool adopts memory once");
    m_adopted = std::move(memory);
}

std::span<std::byte> FramePool::data(std::uint8_t slot) {
    RTV_ASSERT(slot < m_slot_count, "slot index out of range");
    return {m_slots[slot], m_slot_bytes};
}

std::span<const std::byte> FramePool::data(std::uint8_t slot) const {
    RTV_ASSERT(slot < m_slot_count, "slot index out of range");
    return {m_slots[slot], m_slot_bytes};
}

ImageStats& FramePool::image_stats(std::uint8_t slot) {
    RTV_ASSERT(slot < m_slot_count, "slot index out of range");
    return m_stats[slot];
}

const ImageStats& FramePool::image_stats(std::uint8_t slot) const {
    RTV_ASSERT(slot < m_slot_count, "slot index out of range");
    return m_stats[slot];
}

unsigned FramePool::in_use() const {
    return m_slot_count -
           static_cast<unsigned>(std::popcount(m_free.load(std::memory_order_relaxed)));
}

} // namespace rtv

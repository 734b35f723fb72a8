#pragma once
// A fixed set of equally sized byte buffers ("slots") for one stream, allocated once, each
// 64-byte aligned (any sample type may live there). Free slots
// are one atomic bitmask: acquire clears a bit (CAS), release sets it (fetch_or). Lock-free.
// The pool is what bounds memory: frames in flight can never exceed its slot count.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <vector>

#include "core/frame.hpp"
#include "core/page_buffer.hpp"

namespace rtv {

// Where a FramePool keeps its slots instead of the heap: a helper process keeps its pools in
// shared memory, so that the viewer copies a frame straight out of the slot the producer filled
// (plugin_host/shm_pool.hpp). Thread: the pool's constructor and destructor.
class PoolMemory {
public:
    virtual ~PoolMemory() = default;
    // Room for `count` slots `stride` bytes apart (stride a multiple of 64), 64-byte aligned,
    // its pages touched; nullptr when there is none (the pool then uses the heap).
    virtual std::byte* allocate(std::size_t stride, unsigned count) = 0;
    // Gives back what allocate() returned.
    virtual void deallocate(std::byte* data) = 0;
};

class FramePool {
public:
    static constexpr unsigned kMaxSlots = 64;

    // slot_bytes: bytes per slot (a slot is padded to a 64-byte multiple); 1..kMaxSlots slots.
    // Thread: any (before sharing). Allocates: yes, once.
    // With `memory`, the slots live where it says (it must outlive the pool).
    FramePool(std::size_t slot_bytes, unsigned slot_count, PoolMemory* memory = nullptr);
    ~FramePool();
    FramePool(const FramePool&) = delete;
    FramePool& operator=(const FramePool&) = delete;

    // Hands out a free slot, or nothing when every slot is in flight.
    // Thread: any. Allocates: never.
    std::optional<std::uint8_t> try_acquire();

    // Waits until a slot is free and takes it; nothing if `stop` is requested first.
    // Thread: any but the main thread (which must never wait). Allocates: never.
    std::optional<std::uint8_t> acquire_wait(std::stop_token stop);

    // Returns a slot taken by try_acquire/acquire_wait. Releasing a free slot is a programmer
    // error (asserts). With holders added by retain(), each release lets one holder go and the
    // slot goes home with the last. Thread: any. Allocates: never.
    void release(std::uint8_t slot);
    // One more holder of a held slot (the history's copy thread reading a frame the main thread
    // is done with): the slot stays out of the free set until every holder has released it.
    // Thread: a holder of the slot. Allocates: never.
    void retain(std::uint8_t slot);

    // The slot's buffer. Valid while the slot is held. Thread: the holder. Allocates: never.
    std::span<std::byte> data(std::uint8_t slot);
    std::span<const std::byte> data(std::uint8_t slot) const;
    // The slot as an array of T (slot_bytes / sizeof(T) of them): the storage is 64-byte aligned
    // and its objects are created implicitly (C++20), so any arithmetic T may live there.
    template <class T> std::span<T> typed(std::uint8_t slot) {
        const std::span<std::byte> b = data(slot);
        return {reinterpret_cast<T*>(b.data()), b.size() / sizeof(T)};
    }
    template <class T> std::span<const T> typed(std::uint8_t slot) const {
        const std::span<const std::byte> b = data(slot);
        return {reinterpret_cast<const T*>(b.data()), b.size() / sizeof(T)};
    }
    // Lending a slot's buffer (the history keeps a frame without copying it): a heap pool's
    // slot can be given another buffer by its sole holder, which takes the slot's own in
    // exchange. A pool in PoolMemory (shared memory) cannot: its slots' places are known to
    // another process; nor can a pinned one.
    bool lendable() const { return m_memory == nullptr && !m_pinned; }
    // Every slot keeps its buffer for the pool's life (its producer keeps the addresses): not
    // lendable. Thread: before sharing. Allocates: never.
    void pin() { m_pinned = true; }
    // Whether the caller, a holder of `slot`, is its only one (every other holder has released
    // it, and what they read of it happens before). Thread: a holder. Allocates: never.
    bool sole_holder(std::uint8_t slot) const;
    // The slot's buffer becomes `buffer` (stride() bytes, 64-byte aligned, kept alive as long as
    // the pool: see adopt()); its old one is returned, and is the caller's from now on. Only by
    // the slot's sole holder, before it releases the slot: the producer that acquires it next
    // writes into `buffer`. Thread: the sole holder. Allocates: never.
    std::byte* exchange(std::uint8_t slot, std::byte* buffer);
    // Memory whose blocks exchange() hands to slots: the pool keeps it until it goes, so a slot
    // never points at freed memory whoever made it. Once per pool. Allocates: never.
    void adopt(PageBuffer memory);

    // Per-slot image statistics, written by the producer before submit, read after dequeue.
    ImageStats& image_stats(std::uint8_t slot);
    const ImageStats& image_stats(std::uint8_t slot) const;

    unsigned slot_count() const { return m_slot_count; }
    std::size_t slot_bytes() const { return m_slot_bytes; }
    std::size_t bytes() const { return m_stride * m_slot_count; }
    // Bytes from one slot's start to the next's (a 64-byte multiple).
    std::size_t stride() const { return m_stride; }
    // Where slot 0 starts, and the PoolMemory holding it (nullptr: the heap). In a pool in
    // PoolMemory slot i stays at base() + i * stride(); a heap pool's may move (exchange()).
    const std::byte* base() const { return m_data; }
    PoolMemory* memory() const { return m_memory; }
    // Slots currently held (acquired and not yet released). Thread: any. Allocates: never.
    unsigned in_use() const;
    // Threads inside acquire_wait now (tests wait for a waiter to be there). Thread: any.
    std::uint32_t waiters() const { return m_waiters.load(); }

private:
    std::size_t m_slot_bytes;
    std::size_t m_stride; // bytes between slot starts (64-byte multiple)
    unsigned m_slot_count;
    std::uint64_t m_all_mask;
    PoolMemory* m_memory = nullptr; // where m_data lives, or nullptr: the heap
    std::byte* m_data = nullptr;
    // Each slot's buffer: at first m_data + slot * m_stride, then whatever exchange() gave it.
    std::array<std::byte*, kMaxSlots> m_slots{};
    PageBuffer m_adopted; // blocks exchange() may have handed to slots
    bool m_pinned = false;
    std::vector<ImageStats> m_stats;
    std::atomic<std::uint64_t> m_free;
    // Holders of each slot beyond the first (retain()).
    std::array<std::atomic<std::uint8_t>, kMaxSlots> m_extra{};
    // Wake-ups for acquire_wait: a release bumps the epoch only when someone waits, so the
    // release path costs one extra load when nobody does.
    std::atomic<std::uint32_t> m_epoch{0};
    std::atomic<std::uint32_t> m_waiters{0};
};

} // namespace rtv

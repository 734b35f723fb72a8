#include "core/frame_sink.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "core/assert.hpp"
#include "core/image_stats.hpp"
#include "core/producer_host.hpp"

namespace rtv {

// ---------------------------------------------------------------------------------------------
// FrameLease

FrameLease::FrameLease(Stream& stream, std::uint8_t slot)
    : m_stream(&stream)
    , m_slot(slot)
    , m_lines(stream.kind() == FrameKind::Lines ? stream.request().lines.max_lines : 0)
    , m_points(stream.kind() == FrameKind::Lines ? stream.request().lines.max_points : 0) {
}

FrameLease::FrameLease(FrameLease&& other) noexcept
    : m_stream(std::exchange(other.m_stream, nullptr))
    , m_slot(other.m_slot)
    , m_lines(other.m_lines)
    , m_points(other.m_points)
    , m_origin_ns(other.m_origin_ns) {
}

FrameLease& FrameLease::operator=(FrameLease&& other) noexcept {
    if (this != &other) {
        reset();
        m_stream = std::exchange(other.m_stream, nullptr);
        m_slot = other.m_slot;
        m_lines = other.m_lines;
        m_points = other.m_points;
        m_origin_ns = other.m_origin_ns;
    }
    return *this;
}

FrameLease::~FrameLease() {
    reset();
}

void FrameLease::reset() {
    if (m_stream) m_stream->pool().release(m_slot);
    m_stream = nullptr;
}

FrameKind FrameLease::kind() const {
    RTV_ASSERT(m_stream, "empty lease");
    return m_stream->kind();
}

std::uint16_t FrameLease::stream_id() const {
    RTV_ASSERT(m_stream, "empty lease");
    return m_stream->id();
}

std::span<float> FrameLease::pixels() {
    RTV_ASSERT(m_stream && m_stream->kind() == FrameKind::Image, "pixels() of a non-image lease");
    RTV_ASSERT(m_stream->request().image.format == PixelFormat{},
               "pixels() of a stream that is not float32 mono: use samples<T>() or bytes()");
    return m_stream->pool().typed<float>(m_slot).first(m_stream->request().image.pixel_count());
}

std::span<std::byte> FrameLease::bytes() {
    RTV_ASSERT(m_stream && m_stream->kind() == FrameKind::Image, "bytes() of a non-image lease");
    return m_stream->pool().data(m_slot).first(m_stream->request().image.byte_size());
}

ImageDesc FrameLease::image_desc() const {
    RTV_ASSERT(m_stream && m_stream->kind() == FrameKind::Image, "not an image lease");
    return m_stream->request().image;
}

std::span<LinePoint> FrameLease::points() {
    RTV_ASSERT(m_stream && m_stream->kind() == FrameKind::Lines, "points() of a non-lines lease");
    // The slot holds capacity points; LinePoint is two floats, no padding.
    return m_stream->pool().typed<LinePoint>(m_slot).first(
        m_stream->request().lines.point_capacity());
}

LinesDesc FrameLease::lines_desc() const {
    RTV_ASSERT(m_stream && m_stream->kind() == FrameKind::Lines, "not a lines lease");
    return m_stream->request().lines;
}

void FrameLease::set_shape(std::uint32_t lines, std::uint32_t points) {
    RTV_ASSERT(m_stream && m_stream->kind() == FrameKind::Lines,
               "set_shape() of a non-lines lease");
    m_lines = lines;
    m_points = points;
}

// ---------------------------------------------------------------------------------------------
// FrameSink

FrameSink::FrameSink(FrameQueue& queue, ProducerHost& host, std::uint16_t producer_index,
                     const Schedule& schedule)
    : m_queue(queue)
    , m_host(host)
    , m_producer_index(producer_index)
    , m_token(queue)
    , m_schedule(schedule) {
    m_control.interval_s.store(schedule.interval_s);
    m_control.latency_s.store(schedule.latency_s);
    m_control.jitter_s.store(schedule.jitter_s);
}

FrameLease FrameSink::acquire(std::size_t index) {
    RTV_ASSERT(index < m_streams.size(), "acquire() of a stream this producer did not declare");
    Stream& stream = *m_streams[index];
    if (!stream.refusal().empty()) { // over the memory budget: every frame is refused, counted
        (void)stream.take_sequence();
        stream.stats().add_produced();
        stream.stats().add_rejected(stream.refusal());
        return {};
    }
    if (auto slot = stream.pool().try_acquire()) return FrameLease(stream, *slot);
    if (m_schedule.policy == PoolPolicy::Wait) {
        const auto start = now_ns();
        auto slot = stream.pool().acquire_wait(m_stop);
        stream.stats().add_blocked_ns(now_ns() - start);
        if (slot) return FrameLease(stream, *slot);
        return {}; // stopped while waiting: nothing was produced
    }
    // Drop: the frame that would have been made is produced-and-dropped, and uses up a sequence
    // number, so the consumer sees the gap.
    (void)stream.take_sequence();
    stream.stats().add_produced();
    stream.stats().add_dropped_pool();
    m_starved = true;
    m_starved_stream = index;
    return {};
}

namespace {

// Why a frame is invalid, written into `buf`; empty when it is fine. Never allocates.
// Image frames are never rejected for NaN/Inf pixels (they are drawn in the bad-value colour and
// counted in ImageStats); line frames are, since a non-finite vertex has no defined place.
std::size_t check_lines(const Stream& stream, const FrameLease& lease,
                        std::span<const LinePoint> pts, char* buf, std::size_t size) {
    const LinesDesc cap = stream.request().lines;
    const char* name = stream.request().name.c_str();
    if (lease.lines() == 0 || lease.points_per_line() == 0)
        return static_cast<std::size_t>(std::snprintf(
            buf, size, "%s: frame has no points, got %ux%u (lines x points); frame rejected", name,
            lease.lines(), lease.points_per_line()));
    if (lease.lines() > cap.max_lines || lease.points_per_line() > cap.max_points)
        return static_cast<std::size_t>(std::snprintf(
            buf, size,
            "%s: frame shape is out of range, got %ux%u, expected at most %ux%u "
            "(lines x points); frame rejected",
            name, lease.lines(), lease.points_per_line(), cap.max_lines, cap.max_points));
    if (stream.mode() == StreamMode::Append && lease.lines() != cap.max_lines)
        return static_cast<std::size_t>(std::snprintf(
            buf, size,
            "%s: append frame has the wrong line count, got %u, expected %u; frame rejected", name,
            lease.lines(), cap.max_lines));
    const std::size_t n = std::size_t{lease.lines()} * lease.points_per_line();
    // A branch-free pass the compiler vectorises (v - v is NaN exactly for NaN and +-Inf); the
    // first bad point is looked for only when there is one.
    const float* f = reinterpret_cast<const float*>(pts.data());
    std::uint32_t bad = 0;
    for (std::size_t i = 0; i < 2 * n; ++i)
        bad |= f[i] - f[i] == 0.0f ? 0u : 1u;
    if (bad == 0) return 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(pts[i].x) || !std::isfinite(pts[i].y))
            return static_cast<std::size_t>(std::snprintf(
                buf, size, "%s: point %zu is not finite, got (%g, %g); frame rejected", name, i,
                static_cast<double>(pts[i].x), static_cast<double>(pts[i].y)));
    }
    return 0;
}

} // namespace

void FrameSink::submit(FrameLease&& frame) {
    RTV_ASSERT(frame, "submit() of an empty lease");
    FrameLease lease = std::move(frame); // released on every early return below
    Stream& stream = *lease.m_stream;
    FrameMsg msg;
    msg.stream = stream.id();
    msg.slot = lease.m_slot;
    msg.kind = stream.kind();
    msg.sequence = stream.take_sequence();
    stream.stats().add_produced();

    if (stream.kind() == FrameKind::Lines) {
        char why[256];
        if (check_lines(stream, lease, lease.points(), why, sizeof why) != 0) {
            stream.stats().add_rejected(why);
            return;
        }
        msg.lines = lease.lines();
        msg.points = lease.points_per_line();
    } else if (m_host.image_statistics()) {
        compute_image_stats(stream.request().image, lease.bytes(), stream.quantile_scratch(),
                            stream.pool().image_stats(lease.m_slot),
                            stream.histogram_due(now_ns()));
    }
    msg.submit_ns = now_ns();
    if (lease.m_origin_ns > 0 && lease.m_origin_ns < msg.submit_ns)
        msg.submit_ns = lease.m_origin_ns;
    if (!m_queue.try_enqueue(m_token, msg)) {
        stream.stats().add_dropped_queue();
        return;
    }
    stream.count_enqueued();
    lease.m_stream = nullptr; // the main thread owns the slot now
    m_host.wake();
}

ProducerStatus& FrameSink::status() {
    return m_host.status_of(m_producer_index);
}

void FrameSink::reject(std::size_t index, std::string_view why) {
    RTV_ASSERT(index < m_streams.size(), "reject() of a stream this producer did not declare");
    Stream& stream = *m_streams[index];
    (void)stream.take_sequence();
    stream.stats().add_produced();
    stream.stats().add_rejected(why);
}

std::uint64_t FrameSink::wake_generation() {
    std::lock_guard lock(m_wait_mutex);
    return m_wake_generation;
}

bool FrameSink::wait_until(Clock::time_point deadline, std::optional<std::uint64_t> seen) {
    std::unique_lock lock(m_wait_mutex);
    const std::uint64_t generation = seen.value_or(m_wake_generation);
    m_wait_cv.wait_until(lock, m_stop, deadline, [&] { return m_wake_generation != generation; });
    return !m_stop.stop_requested();
}

bool FrameSink::sleep_for(double seconds, std::optional<std::uint64_t> seen) {
    if (seconds <= 0.0) return !m_stop.stop_requested();
    const auto d =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    return wait_until(Clock::now() + d, seen);
}

void FrameSink::wake() {
    {
        std::lock_guard lock(m_wait_mutex);
        ++m_wake_generation;
    }
    m_wait_cv.notify_all();
}

bool FrameSink::wait_for_slot() {
    RTV_ASSERT(m_starved_stream < m_streams.size(), "no stream");
    FramePool& pool = m_streams[m_starved_stream]->pool();
    const auto slot = pool.acquire_wait(m_stop);
    if (!slot) return false;
    pool.release(*slot);
    return true;
}

bool FrameSink::wait_until_taken() {
    for (Stream* stream : m_streams)
        if (!stream->wait_taken(m_stop)) return false;
    return true;
}

Status FrameSink::open_stream(StreamRequest request, std::size_t& index) {
    Stream* stream = nullptr;
    if (Status s = m_host.open_stream(m_producer_index, std::move(request), stream); !s) return s;
    index = m_streams.size();
    m_streams.push_back(stream);
    return Status::ok();
}

Status FrameSink::reserve_memory(std::uint64_t bytes, std::string_view what) {
    MemoryBudget* budget = m_host.budget();
    if (!budget || budget->try_reserve(bytes)) return Status::ok();
    return Status::error(budget->refusal(what, bytes));
}

std::uint64_t FrameSink::memory_available() const {
    const MemoryBudget* budget = m_host.budget();
    return budget ? budget->available() : std::numeric_limits<std::uint64_t>::max();
}

} // namespace rtv

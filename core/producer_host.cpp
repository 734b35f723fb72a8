#include "core/producer_host.hpp"

#include <chrono>
#include <exception>

#include "core/assert.hpp"
#include "core/clock.hpp"
#include "core/thread_name.hpp"

namespace rtv {

ProducerHost::ProducerHost(FrameQueue& queue, MemoryBudget* budget)
    : m_queue(queue)
    , m_budget(budget) {
}

ProducerHost::~ProducerHost() {
    stop_all();
    // An abandoned producer's thread may still run and use its record, its streams and their
    // pools: they are left allocated for the rest of the process, on purpose.
    for (std::size_t i = 0; i < m_producer_count; ++i) {
        if (!m_producers[i]->abandoned.load()) continue;
        for (std::uint32_t id = 0; id < stream_count(); ++id)
            if (m_streams[id] && m_streams[id]->producer() == i) (void)m_streams[id].release();
        (void)m_producers[i].release();
    }
}

void ProducerHost::rename(const Record& r, StreamRequest& request) {
    if (!r.stream_prefix.empty() && request.name.starts_with(r.kind_prefix))
        request.name = r.stream_prefix + request.name.substr(r.kind_prefix.size());
}

Status ProducerHost::start(std::string name, std::unique_ptr<Producer> producer,
                           const Schedule& schedule, std::string stream_prefix) {
    RTV_ASSERT(producer, "start() needs a producer");
    if (m_producer_count >= kMaxProducers)
        return Status::error(name + ": too many producers, got " +
                             std::to_string(m_producer_count + 1) + ", expected at most " +
                             std::to_string(kMaxProducers));
    std::vector<StreamRequest> requests = producer->streams();
    if (schedule.slots != 0)
        for (StreamRequest& r : requests)
            r.slots = schedule.slots;
    auto rec = std::make_unique<Record>();
    if (!stream_prefix.empty()) {
        rec->kind_prefix = std::string(producer->info().name) + "/";
        rec->stream_prefix = std::move(stream_prefix) + "/";
    }
    for (StreamRequest& r : requests)
        rename(*rec, r);
    for (const StreamRequest& r : requests)
        if (Status s = validate(r); !s) return s;

    const auto index = static_cast<std::uint16_t>(m_producer_count);
    rec->name = std::move(name);
    rec->producer = std::move(producer);
    rec->sink = std::make_unique<FrameSink>(m_queue, *this, index, schedule);
    {
        std::lock_guard lock(m_register_mutex);
        if (stream_count() + requests.size() > kMaxStreams)
            return Status::error(rec->name + ": too many streams, got " +
                                 std::to_string(stream_count() + requests.size()) +
                                 ", expected at most " + std::to_string(kMaxStreams));
        m_producers[index] = std::move(rec); // before its streams: they refer to its status
        Record& added = *m_producers[index];
        added.sink->m_streams.reserve(requests.size());
        for (StreamRequest& req : requests)
            added.sink->attach(*add_stream_locked(index, std::move(req)));
    }
    Record& r = *m_producers[index];
    ++m_producer_count;

    r.thread = std::jthread([this, &r](std::stop_token stop) {
        set_thread_name(r.name);
        r.sink->set_stop_token(stop);
        r.status.set_state(ProducerState::Running);
        // The thread body is the exception boundary: nothing is rethrown across threads.
        try {
            r.producer->run(stop, *r.sink);
            r.status.set_state(stop.stop_requested() ? ProducerState::Stopped
                                                     : ProducerState::Finished);
        } catch (const std::exception& e) {
            r.status.set_failed(r.name + ": " + e.what());
        } catch (...) {
            r.status.set_failed(r.name + ": unknown exception");
        }
        {
            std::lock_guard lock(r.end_mutex);
            r.ended = true;
        }
        r.end_cv.notify_all();
        // A consumer waiting for work sees the new state (not once abandoned: the host may be
        // gone by the time a producer that would not stop returns).
        if (!r.abandoned.load()) wake();
    });
    return Status::ok();
}

void ProducerHost::set_wake(WakeFn fn, void* context) {
    RTV_ASSERT(m_producer_count == 0, "set_wake after a producer started");
    m_wake = fn;
    m_wake_context = context;
}

void ProducerHost::set_max_image_side(std::uint32_t side) {
    RTV_ASSERT(m_producer_count == 0, "set_max_image_side after a producer started");
    m_max_image_side = side;
}

void ProducerHost::wake() {
    if (m_wake && !m_wake_pending.exchange(true, std::memory_order_acq_rel)) m_wake(m_wake_context);
}

Stream* ProducerHost::add_stream_locked(std::uint16_t producer, StreamRequest request) {
    const std::uint32_t id = m_stream_count.load(std::memory_order_relaxed);
    RTV_ASSERT(id < kMaxStreams, "stream table full");
    std::string refusal;
    const std::uint64_t cost = Stream::memory_cost(request);
    const ImageDesc& image = request.image;
    if (request.kind == FrameKind::Image && m_max_image_side != 0 &&
        (image.width > m_max_image_side || image.height > m_max_image_side))
        refusal = request.name + ": refused: image " + std::to_string(image.width) + "x" +
                  std::to_string(image.height) +
                  " (width x height) is larger than the display's maximum texture size " +
                  std::to_string(m_max_image_side) + " (GL_MAX_TEXTURE_SIZE); frame rejected";
    else if (m_budget && !m_budget->try_reserve(cost))
        refusal = m_budget->refusal(request.name + ": refused: the stream", cost);
    m_streams[id] =
        std::make_unique<Stream>(static_cast<std::uint16_t>(id), std::move(request), producer,
                                 m_producers[producer]->status, std::move(refusal), m_pool_memory);
    m_stream_count.store(id + 1, std::memory_order_release); // publish after construction
    return m_streams[id].get();
}

void ProducerHost::request_stop_all() {
    for (std::size_t i = 0; i < m_producer_count; ++i) {
        Record& r = *m_producers[i];
        if (r.thread.joinable()) {
            r.thread.request_stop();
            r.sink->wake();
        }
    }
}

void ProducerHost::stop_all() {
    request_stop_all(); // phase one: all wind down in parallel
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(m_stop_deadline_s));
    for (std::size_t i = 0; i < m_producer_count; ++i) {
        Record& r = *m_producers[i];
        if (!r.thread.joinable()) continue;
        bool ended = m_stop_deadline_s <= 0.0;
        if (!ended) {
            std::unique_lock lock(r.end_mutex);
            ended = r.end_cv.wait_until(lock, deadline, [&] { return r.ended; });
        }
        if (ended) {
            r.thread.join();
            continue;
        }
        r.abandoned.store(true);
        r.producer->abandon();
        r.thread.detach();
        m_abandoned.push_back(r.name);
    }
}

void ProducerHost::join_all() {
    for (std::size_t i = 0; i < m_producer_count; ++i) {
        Record& r = *m_producers[i];
        if (r.thread.joinable()) r.thread.join();
    }
}

// Not m_producer_count: a producer's thread looks up its own record (its status, its stream
// prefix) while the main thread may be starting the next producer. Its slot was set before its
// thread started.
ProducerHost::Record& ProducerHost::record(std::size_t index) const {
    RTV_ASSERT(index < kMaxProducers && m_producers[index], "producer index out of range");
    return *m_producers[index];
}

const std::string& ProducerHost::producer_name(std::size_t index) const {
    return record(index).name;
}
const ProducerStatus& ProducerHost::producer_status(std::size_t index) const {
    return record(index).status;
}
const Producer& ProducerHost::producer(std::size_t index) const {
    return *record(index).producer;
}
Producer& ProducerHost::producer(std::size_t index) {
    return *record(index).producer;
}
const ScheduleControl& ProducerHost::control(std::size_t index) const {
    return record(index).sink->control();
}

void ProducerHost::set_interval(std::size_t index, double seconds) {
    record(index).sink->control().interval_s.store(seconds < 0.0 ? 0.0 : seconds);
    record(index).sink->wake();
}

void ProducerHost::set_latency(std::size_t index, double seconds) {
    record(index).sink->control().latency_s.store(seconds < 0.0 ? 0.0 : seconds);
    record(index).sink->wake();
}

void ProducerHost::set_jitter(std::size_t index, double seconds) {
    record(index).sink->control().jitter_s.store(seconds < 0.0 ? 0.0 : seconds);
    record(index).sink->wake();
}

Stream& ProducerHost::stream(std::uint16_t id) {
    RTV_ASSERT(id < stream_count(), "stream id out of range");
    return *m_streams[id];
}

const Stream& ProducerHost::stream(std::uint16_t id) const {
    RTV_ASSERT(id < stream_count(), "stream id out of range");
    return *m_streams[id];
}

Status ProducerHost::open_stream(std::uint16_t producer, StreamRequest request, Stream*& out) {
    rename(record(producer), request);
    if (Status s = validate(request); !s) return s;
    std::lock_guard lock(m_register_mutex);
    if (stream_count() >= kMaxStreams)
        return Status::error(request.name + ": too many streams, expected at most " +
                             std::to_string(kMaxStreams));
    out = add_stream_locked(producer, std::move(request));
    return Status::ok();
}

} // namespace rtv

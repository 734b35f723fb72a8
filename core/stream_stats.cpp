#include "core/stream_stats.hpp"

namespace rtv {

void StreamStats::add_rejected(std::string_view why) {
    add_error(why);
    m_rejected.fetch_add(1);
}

void StreamStats::add_error(std::string_view why) {
    std::lock_guard lock(m_error_mutex);
    m_last_error.assign(why);
    m_errors.fetch_add(1);
}

StatsSnapshot StreamStats::read() const {
    StatsSnapshot s = read_counts();
    s.latency_p50_ns = m_latency.quantile_ns(0.50);
    s.latency_p90_ns = m_latency.quantile_ns(0.90);
    s.latency_p99_ns = m_latency.quantile_ns(0.99);
    s.latency_max_ns = m_latency.max_ns();
    return s;
}

StatsSnapshot StreamStats::read_counts() const {
    StatsSnapshot s;
    // Consumer-side counts first: every frame they count was produced before, so reading
    // produced last keeps in_flight() from going negative.
    s.displayed = m_displayed.load();
    s.superseded = m_superseded.load();
    s.gaps = m_gaps.load();
    s.latency_from_sender = m_from_sender.load();
    s.numbered = m_numbered.load();
    s.sender_id = m_sender_id.load();
    s.sender_sequence = m_sender_sequence.load();
    s.dropped_queue = m_dropped_queue.load();
    s.dropped_pool = m_dropped_pool.load();
    s.rejected = m_rejected.load();
    s.errors = m_errors.load();
    s.blocked_ns = m_blocked_ns.load();
    s.produced = m_produced.load();
    return s;
}

bool StreamStats::last_error(std::string& out) const {
    std::lock_guard lock(m_error_mutex);
    out.assign(m_last_error);
    return !out.empty();
}

void RateMeter::update(const StatsSnapshot& s, std::int64_t now_ns) {
    if (m_last_ns < 0) {
        m_last = s;
        m_last_ns = now_ns;
        return;
    }
    const std::int64_t dt = now_ns - m_last_ns;
    if (dt < m_window_ns) return;
    const double seconds = static_cast<double>(dt) * 1e-9;
    m_produced_rate = static_cast<double>(s.produced - m_last.produced) / seconds;
    m_displayed_rate = static_cast<double>(s.displayed - m_last.displayed) / seconds;
    m_dropped_rate = static_cast<double>(s.dropped() - m_last.dropped()) / seconds;
    m_last = s;
    m_last_ns = now_ns;
}

const char* to_string(ProducerState state) {
    switch (state) {
    case ProducerState::Starting:
        return "starting";
    case ProducerState::Running:
        return "running";
    case ProducerState::Finished:
        return "finished";
    case ProducerState::Stopped:
        return "stopped";
    case ProducerState::Failed:
        return "failed";
    }
    return "unknown";
}

void ProducerStatus::set_failed(std::string_view message) {
    {
        std::lock_guard lock(m_mutex);
        m_message.assign(message);
    }
    m_state.store(ProducerState::Failed);
}

bool ProducerStatus::message(std::string& out) const {
    std::lock_guard lock(m_mutex);
    out.assign(m_message);
    return !out.empty();
}

} // namespace rtv

// rtviewer-plugin-host: runs one producer (a plugin's or a built-in) in a process of its own, for
// a viewer's isolate=process. The viewer starts it with RTV_ENDPOINT (a private ipc:// endpoint
// it listens on) and --producer SPEC [--plugin FILE]; its frames go to the viewer through the
// C++ client's Publisher: the viewer's side is its zmq producer, the existing wire path. Its
// pools live in shared memory (plugin_host/shm_pool.hpp): an image goes to the viewer as a
// descriptor of the pool slot its producer filled, the viewer copies it out and hands the slot
// back, and only then does the producer get the slot again; the image statistics are left to
// the viewer (they would be computed twice). It ends when its producer ends (status 0), fails
// (status 1, the reason on stderr), or the viewer sends SIGTERM; a producer that will not stop is
// left behind after the stop deadline (status 3); one whose frame has taken longer than
// --answer-timeout seconds has stopped answering (status 4). Not meant to be run by hand.
//
// Its producer's rows (ProducerBoard, a plugin's set_info) go to the viewer as rows messages on
// the same connection (wire/rows.hpp): when they change and once a second while there are any.
// The viewer's changes to its live settings come as lines on stdin (wire/rows.hpp), read on a
// thread of its own and pushed onto the producer's board, where the plugin takes them on its
// own thread as it would in the viewer's process.
//
// Limits of the wire format, for now: a multi-line frame travels as its y values (x = 0..N-1),
// and an append stream as a replace stream.

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "client/publisher.hpp"
#include "core/clock.hpp"
#include "core/frame_queue.hpp"
#include "core/producer_host.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "plugin_host/shm_pool.hpp"
#include "producers/registry.hpp"
#include "wire/rows.hpp"

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_term(int) {
    g_stop.store(true);
}

std::counting_semaphore<1 << 20> g_frames{0};

// How long a pool slot may stay with the viewer before it is taken back (see reclaim).
constexpr double kUnreadSlotS = 10.0;
// How long a helper whose producer ended by itself waits for a slow viewer to take what it sent.
constexpr double kLingerS = 60.0;

rtv::wire::NpyType npy_type(rtv::SampleType s) {
    return rtv::wire::npy_type_of(s);
}

// The viewer's changes to the producer's live settings: lines on stdin (wire::encode_change's),
// each pushed onto the producer's board. Read on a thread of its own until stdin ends (the
// viewer gone, or no viewer there: not an error) or stop() is called (the host ends). A bad
// line, or a change the board's full queue refuses, is said on stderr (the viewer's log).
class ChangeReader {
public:
    explicit ChangeReader(rtv::ProducerBoard* board)
        : m_board(board)
        , m_wake(::eventfd(0, EFD_CLOEXEC)) {
        if (m_board && m_wake >= 0) m_thread = std::thread([this] { read_lines(); });
    }
    ~ChangeReader() {
        stop();
        if (m_wake >= 0) ::close(m_wake);
    }
    ChangeReader(const ChangeReader&) = delete;
    ChangeReader& operator=(const ChangeReader&) = delete;
    // Ends the reading thread (waking its poll) and joins it. Thread: the one that made it.
    void stop() {
        if (!m_thread.joinable()) return;
        const std::uint64_t one = 1;
        (void)!::write(m_wake, &one, sizeof one);
        m_thread.join();
    }

private:
    void read_lines() {
        std::string line, key, value;
        line.reserve(rtv::wire::kMaxChangeLine);
        bool skipping = false; // in a line past kMaxChangeLine: dropped up to its newline
        char buf[4096];
        pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {m_wake, POLLIN, 0}};
        for (;;) {
            if (::poll(fds, 2, -1) < 0) {
                if (errno == EINTR) continue; // SIGTERM: the main thread stops this one
                return;
            }
            if (fds[1].revents) return;            // stop()
            if (fds[0].revents & POLLNVAL) return; // no stdin at all
            if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return; // closed: no more changes will come
            for (ssize_t i = 0; i < got; ++i) {
                if (buf[i] != '\n') {
                    if (skipping) continue;
                    if (line.size() == rtv::wire::kMaxChangeLine) {
                        std::fprintf(stderr, "live change refused: a line of over %zu bytes\n",
                                     rtv::wire::kMaxChangeLine);
                        std::fflush(stderr);
                        skipping = true;
                        line.clear();
                        continue;
                    }
                    line.push_back(buf[i]);
                    continue;
                }
                if (!skipping && !line.empty()) take(line, key, value);
                skipping = false;
                line.clear();
            }
        }
    }
    void take(const std::string& line, std::string& key, std::string& value) {
        if (rtv::Status s = rtv::wire::decode_change(line, key, value); !s) {
            std::fprintf(stderr, "live change refused: the line %s\n", s.message().c_str());
        } else if (!m_board->push_change(key, value)) {
            std::fprintf(stderr, "live change of %s refused: %zu other changes wait\n", key.c_str(),
                         rtv::ProducerBoard::kMaxChanges);
        } else {
            return;
        }
        std::fflush(stderr);
    }

    rtv::ProducerBoard* m_board;
    int m_wake;
    std::thread m_thread;
};

int usage(const char* why) {
    std::fprintf(stderr,
                 "rtviewer-plugin-host: %s\nusage: RTV_ENDPOINT=ENDPOINT rtviewer-plugin-host "
                 "--producer SPEC [--plugin FILE]... (the viewer starts it for isolate=process)\n",
                 why);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::string spec;
    std::vector<std::string> plugin_files;
    double answer_timeout_s = 0.0; // 0: never
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if ((a == "--producer" || a == "--plugin") && i + 1 < argc) {
            (a == "--producer" ? spec : plugin_files.emplace_back()) = argv[++i];
        } else if (a == "--answer-timeout" && i + 1 < argc) {
            answer_timeout_s = std::atof(argv[++i]);
        } else {
            return usage(("unknown argument '" + a + "'").c_str());
        }
    }
    const char* endpoint = std::getenv("RTV_ENDPOINT");
    if (spec.empty() || !endpoint || !*endpoint) return usage("--producer and RTV_ENDPOINT needed");
    std::signal(SIGTERM, on_term);
    std::signal(SIGINT, on_term);

    rtv::plugins::load_all(plugin_files, true);
    rtv::producers::CreatedProducer made;
    if (rtv::Status s = rtv::producers::create(spec, made); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 2;
    }
    rtv::client::Publisher publisher;
    rtv::client::PublisherOptions options;
    options.shm = true;
    if (rtv::Status s = publisher.open(endpoint, 10.0, options); !s) { // RTV_ENDPOINT
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 1;
    }

    rtv::FrameQueue queue = rtv::make_frame_queue();
    rtv::plugins::ShmPoolMemory pools; // outlives the host, whose pools live there
    rtv::ProducerHost host(queue);
    host.set_stop_deadline(rtv::ProducerHost::kStopDeadlineS);
    host.set_pool_memory(&pools);
    host.set_image_statistics(false);
    host.set_wake([](void*) { g_frames.release(); }, nullptr);
    if (rtv::Status s = host.start(made.type, std::move(made.producer), made.schedule); !s) {
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 2;
    }
    // Its rows to the viewer: when they change, and again every kRowsEveryS while there are any
    // (a message the full queue refused, or one lost to a reconnection, is made good). Allocates
    // (the JSON) only then, not per frame.
    rtv::ProducerBoard* const board = host.producer(0).board();
    std::array<rtv::ProducerBoard::Row, rtv::ProducerBoard::kMaxRows> rows{};
    std::uint64_t rows_sent = 0; // the board's version last sent (0: no row was ever set)
    std::int64_t rows_due_ns = 0;
    auto send_rows = [&] {
        if (!board) return;
        const std::int64_t now = rtv::now_ns();
        const std::uint64_t version = board->version();
        if (version == 0 || (version == rows_sent && now < rows_due_ns)) return;
        std::uint64_t copied = 0;
        const std::size_t n = board->copy(rows, &copied);
        if (!publisher.send_rows(rtv::wire::encode_rows(std::span(rows).first(n))))
            return; // tried again on the next turn of the loop
        rows_sent = copied;
        rows_due_ns = now + std::int64_t(rtv::wire::kRowsEveryS * 1e9);
    };
    ChangeReader changes(board); // after the host: ends before the board does
    moodycamel::ConsumerToken token(queue);
    auto running = [&] {
        const rtv::ProducerState st = host.producer_status(0).state();
        return st == rtv::ProducerState::Starting || st == rtv::ProducerState::Running;
    };
    std::vector<std::uint64_t> shape;
    shape.reserve(3);
    // Pool slots whose frames the viewer has not handed back yet.
    struct InFlight {
        rtv::Stream* stream;
        std::uint8_t slot;
        rtv::wire::ShmDescriptor where;
        std::int64_t sent_ns;
    };
    // Frames the producer made that never leave: those that found no free slot (its slots are
    // with the viewer) and those this process's sink rejected (a plugin's bad commit). They are
    // numbered, so that the viewer counts them as gaps, as it does a client's ring drops, and a
    // rejection's reason goes to stderr, which the viewer logs (at most once a second a stream;
    // `final`: what is left). Per stream: frames numbered so far, rejections logged, when next.
    std::vector<std::uint64_t> lost_told(rtv::kMaxStreams, 0), rejects_told(rtv::kMaxStreams, 0);
    std::vector<std::int64_t> next_log_ns(rtv::kMaxStreams, 0);
    auto account = [&](bool final) {
        const std::int64_t now = rtv::now_ns();
        for (std::size_t id = 0; id < host.stream_count(); ++id) {
            const rtv::Stream& stream = host.stream(static_cast<std::uint16_t>(id));
            const rtv::StatsSnapshot n = stream.stats().read_counts();
            const std::uint64_t lost = n.dropped() + n.rejected;
            if (lost > lost_told[id] && publisher.skip(stream.request().name, lost - lost_told[id]))
                lost_told[id] = lost;
            if (n.rejected > rejects_told[id] && (final || now >= next_log_ns[id])) {
                std::string why; // the error path only
                stream.stats().last_error(why);
                std::fprintf(stderr, "%s: %llu frame(s) rejected, the last: %s\n",
                             stream.request().name.c_str(),
                             static_cast<unsigned long long>(n.rejected - rejects_told[id]),
                             why.c_str());
                std::fflush(stderr);
                rejects_told[id] = n.rejected;
                next_log_ns[id] = now + 1'000'000'000;
            }
        }
    };
    std::vector<InFlight> in_flight;
    in_flight.reserve(64); // grows to the pools' slots in all at most, then never again
    // Gives back the slots the viewer handed back, and those it has held for longer than
    // `stale_s`: a descriptor the viewer's full receive queue dropped is never handed back.
    // Generous (kUnreadSlotS), since a slot taken back while the viewer still means to read it
    // costs that frame (rejected), and a loaded viewer may be seconds behind.
    auto reclaim = [&](double stale_s) {
        const std::int64_t now = rtv::now_ns();
        for (std::size_t i = 0; i < in_flight.size();) {
            InFlight& f = in_flight[i];
            const bool back = pools.handed_back(f.where);
            if (!back && double(now - f.sent_ns) * 1e-9 < stale_s) {
                ++i;
                continue;
            }
            if (!back) pools.revoke(f.where);
            f.stream->pool().release(f.slot);
            f = in_flight.back();
            in_flight.pop_back();
        }
    };
    while (!g_stop.load()) {
        const bool ended = !running(); // read before the queue: then it holds everything
        host.rearm_wake();
        rtv::FrameMsg msg;
        bool any = false;
        while (queue.try_dequeue(token, msg)) {
            any = true;
            rtv::Stream& stream = host.stream(msg.stream);
            const rtv::StreamRequest& r = stream.request();
            shape.clear();
            if (msg.kind == rtv::FrameKind::Image) {
                shape = {r.image.height, r.image.width};
                if (r.image.format.channels > 1) shape.push_back(r.image.format.channels);
                const auto pixels = stream.pool().data(msg.slot).first(r.image.byte_size());
                InFlight f{&stream, msg.slot, {}, 0};
                if (!pools.publish(stream.pool(), msg.slot, pixels.size(), f.where)) {
                    (void)publisher.send_raw(r.name, npy_type(r.image.format.sample), pixels, shape,
                                             true);
                } else if (publisher.send_placed(r.name, npy_type(r.image.format.sample), pixels,
                                                 shape, f.where, true)) {
                    stream.count_taken();
                    f.sent_ns = rtv::now_ns();
                    in_flight.push_back(f); // its slot goes back when the viewer is done
                    continue;
                } else {
                    pools.revoke(f.where); // not sent (dropped): its slot goes back below
                }
            } else if (msg.lines == 1) { // (N, 2): x, y points
                shape = {msg.points, 2};
                (void)publisher.send_raw(
                    r.name, rtv::wire::npy_type<float>(),
                    stream.pool().data(msg.slot).first(std::size_t{msg.points} * 8), shape, true);
            } else { // (L, N) y values: the wire format has no multi-line x, y frame yet
                thread_local std::vector<float> ys;
                ys.resize(std::size_t{msg.lines} * msg.points);
                const auto pts = stream.pool().typed<rtv::LinePoint>(msg.slot);
                for (std::size_t i = 0; i < ys.size(); ++i)
                    ys[i] = pts[i].y;
                shape = {msg.lines, msg.points};
                (void)publisher.send_raw(r.name + ":lines", rtv::wire::npy_type<float>(),
                                         std::as_bytes(std::span<const float>(ys)), shape, true);
            }
            stream.count_taken();
            stream.pool().release(msg.slot);
        }
        reclaim(kUnreadSlotS);
        account(false);
        send_rows();
        if (ended && !any) break;
        // A frame that never ends: the producer stopped answering. Its thread cannot be ended
        // from here, so the process ends and the viewer marks it failed (or restarts it).
        if (const std::int64_t since = host.busy_since_ns(0);
            answer_timeout_s > 0 && since > 0 &&
            double(rtv::now_ns() - since) * 1e-9 > answer_timeout_s) {
            std::fprintf(stderr,
                         "stopped answering: a frame has taken over %g s (answer_timeout)\n",
                         answer_timeout_s);
            std::fflush(nullptr);
            std::_Exit(4);
        }
        // Slots out with the viewer: nothing wakes this thread when they come back, so it looks
        // every millisecond (their producer may be waiting for one).
        if (!any)
            (void)g_frames.try_acquire_for(std::chrono::milliseconds(in_flight.empty() ? 100 : 1));
    }
    changes.stop();
    host.stop_all();
    account(true);
    send_rows(); // what it showed last
    // Ended by itself: the viewer may still be reading frames from the pools, which go with
    // the host; wait for them as for what the publisher sent (below).
    for (const std::int64_t until = rtv::now_ns() + std::int64_t(kLingerS * 1e9);
         !g_stop.load() && !in_flight.empty() && rtv::now_ns() < until;) {
        const std::size_t before = in_flight.size();
        reclaim(kLingerS); // none is stale before the wait ends
        if (in_flight.size() == before)
            (void)g_frames.try_acquire_for(std::chrono::milliseconds(1));
    }
    reclaim(0.0);
    // Ended by itself: what was sent (and the sequence marks) may still wait for a slow viewer
    // to read it, for as long as it takes (the viewer SIGKILLs a helper it asked to stop and
    // that has not ended within a second). Asked to stop: the viewer no longer reads.
    publisher.close(g_stop.load() ? 0.0 : kLingerS);
    std::string message;
    if (!host.abandoned().empty()) {
        std::fprintf(stderr, "producer '%s' did not stop within %.0f s of being asked\n",
                     host.abandoned().front().c_str(), rtv::ProducerHost::kStopDeadlineS);
        std::fflush(nullptr);
        std::_Exit(3);
    }
    if (host.producer_status(0).state() == rtv::ProducerState::Failed &&
        host.producer_status(0).message(message)) {
        std::fprintf(stderr, "%s\n", message.c_str());
        return 1;
    }
    return 0;
}

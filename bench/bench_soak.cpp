// 7. Soak (not in the default set: `rtv_bench --only soak`, 10 minutes; `--soak-seconds N`).
// The real rtviewer, headless, with four built-in producers (sweep, waves, blobs, sensor), a
// ZeroMQ publisher in this process sending 600x800 float32 frames as fast as it can, and
// recording to disk under a record limit. Every 10 s the viewer prints a progress line; this
// process samples its resident memory and open file descriptors from /proc then. Reported: RSS at
// the end against RSS at one minute (target <= 1.05), open descriptors in the last minute against
// the first (equal), display frames/s over time, and the accounting identity on every stream.

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.hpp>

#include "bench/harness.hpp"
#include "wire/npy.hpp"

namespace rtv::bench {

namespace {

namespace fs = std::filesystem;

struct Sample {
    double t = 0.0, fps = 0.0, rss_mb = 0.0;
    int fds = 0;
    // Counted for descriptors: the publisher was connected (its connection is one more) and the
    // viewer was not in its last pass (stopping, it closes them while this process counts).
    bool ready = false;
};

double rss_mb(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0.0;
}

int open_fds(pid_t pid) {
    int n = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != fs::directory_iterator(); it.increment(ec))
        ++n;
    return n;
}

// Publishes 600x800 float32 frames to `endpoint` until `stop`, once the viewer has subscribed
// (then sets `connected`); returns how many it sent.
std::uint64_t publish(const std::string& endpoint, const std::atomic<bool>& stop,
                      std::atomic<bool>& connected) {
    zmq::context_t context(1);
    zmq::socket_t pub(context, zmq::socket_type::xpub);
    pub.set(zmq::sockopt::linger, 0);
    pub.set(zmq::sockopt::sndhwm, 4); // PUB never blocks: past 4 queued it drops (full rate)
    pub.set(zmq::sockopt::rcvtimeo, 100);
    pub.connect(endpoint);
    zmq::message_t subscription;
    while (!pub.recv(subscription))
        if (stop.load()) return 0;
    connected = true;
    std::vector<float> pixels(600 * 800);
    std::vector<std::byte> npy;
    std::uint64_t sent = 0;
    while (!stop.load()) {
        pixels[sent % pixels.size()] = float(sent % 100);
        wire::write_npy(npy, pixels, 600, 800);
        pub.send(zmq::buffer(std::string_view("soak/zmq")), zmq::send_flags::sndmore);
        pub.send(zmq::buffer(npy.data(), npy.size()), zmq::send_flags::none);
        ++sent;
    }
    return sent;
}

} // namespace

void bench_soak(const Config& c, Report& report) {
    // Quick: the run counts from the publisher's connection (however long a busy machine takes
    // to get there) and this process ends it (SIGTERM) after `seconds` of samples since; the
    // viewer's --duration then only ends an orphan. A sample every 0.25 s: the fewest
    // descriptors of a window need several samples (one can catch the recorder's open file).
    // Full: --duration and a sample every 10 s, as always.
    const double seconds = c.quick ? 5.0 : c.soak_seconds;
    const fs::path dir = fs::temp_directory_path() / ("rtv_soak_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string json = (dir / "stats.json").string();
    const std::string duration = std::to_string(c.quick ? seconds + 3 * kHangGuardS : seconds);
    std::vector<std::string> args = {c.viewer,         "--headless",
                                     "--duration",     duration,
                                     "--progress",     c.quick ? "0.25" : "10",
                                     "--producer",     "sweep:interval=auto,iterations=0",
                                     "--producer",     "waves",
                                     "--producer",     "blobs",
                                     "--producer",     "sensor",
                                     "--producer",     "zmq:bind=tcp://127.0.0.1:*",
                                     "--record",       (dir / "rec").string(),
                                     "--record-limit", "2000",
                                     "--stats-json",   json};
    int out[2];
    if (::pipe(out) != 0) return;
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        std::vector<char*> argv;
        for (std::string& a : args)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    FILE* lines = ::fdopen(out[0], "r");
    std::atomic<bool> stop{false}, connected{false};
    std::atomic<std::uint64_t> published{0};
    std::string error;
    double from = -1.0; // the run's start: the first sample after the publisher connected
    bool stopping = false;
    std::thread publisher;
    std::vector<Sample> samples;
    char buf[512];
    while (lines && std::fgets(buf, sizeof buf, lines)) {
        const std::string line = buf;
        if (line.rfind("rtviewer: zmq: listening on ", 0) == 0) {
            std::string endpoint = line.substr(28);
            endpoint.erase(endpoint.find_last_not_of("\r\n") + 1);
            publisher =
                std::thread([&, endpoint] { published = publish(endpoint, stop, connected); });
        } else if (line.rfind("rtviewer: progress ", 0) == 0) {
            Sample s;
            std::sscanf(line.c_str(), "rtviewer: progress t=%lf s frames=%*u fps=%lf", &s.t,
                        &s.fps);
            // Read before the descriptors: when true, the connection's is among them.
            s.ready = connected.load() && !stopping && (c.quick || s.t < seconds);
            s.rss_mb = rss_mb(pid);
            s.fds = open_fds(pid);
            samples.push_back(s);
            std::fprintf(stderr, "  soak t=%6.0f s  fps %6.1f  rss %7.1f MB  fds %d%s\n", s.t,
                         s.fps, s.rss_mb, s.fds, s.ready ? "" : "  (not counted)");
            // The run starts at 0 when the publisher was connected by the first sample (always,
            // but on a very busy machine), else at the first sample after it connected.
            if (from < 0 && s.ready) from = samples.size() == 1 ? 0.0 : s.t;
            if (c.quick && !stopping) {
                if (from >= 0 && s.t >= from + seconds) stopping = true;
                if (from < 0 && s.t > kHangGuardS) {
                    error = "the zmq publisher did not connect within " +
                            std::to_string(int(kHangGuardS)) + " s";
                    stopping = true;
                }
                if (stopping) ::kill(pid, SIGTERM); // the viewer stops and writes its statistics
            }
        }
    }
    if (lines) std::fclose(lines);
    int raw = 0;
    ::waitpid(pid, &raw, 0);
    stop = true;
    if (publisher.joinable()) publisher.join();

    Result r = compare("soak", "4 producers + zmq at full rate + recording", "RSS at the end (MB)",
                       samples.empty() ? 0.0 : samples.back().rss_mb, "RSS at 1 minute", 0.0,
                       "target <= 1.05");
    if (!WIFEXITED(raw) || WEXITSTATUS(raw) != 0) error = "rtviewer did not exit cleanly";
    if (from < 0 && error.empty()) error = "the zmq publisher never connected";
    // Quick: the time since the publisher connected; full: --duration, as always.
    const double run_s = !c.quick                      ? seconds
                         : samples.empty() || from < 0 ? 0.0
                                                       : samples.back().t - from;
    // The baseline sample: the first at or after 60 s (a third of the way in a shorter run).
    const Sample* minute = nullptr;
    for (const Sample& s : samples)
        if (!minute && s.ready && from >= 0 && s.t >= from + std::min(60.0, run_s / 3)) minute = &s;
    if (minute) {
        r.reference = minute->rss_mb;
        r.ratio = r.reference > 0 ? r.subject / r.reference : 0.0;
    } else if (error.empty()) {
        error = "no progress sample at one minute";
    }
    // Descriptors: the fewest open in the first minute against the fewest in the last. The
    // recorder holds one frame file open for a moment per frame, so one sample can catch one
    // more; a leak raises the minimum.
    // Only samples with the publisher connected: its connection is one more descriptor.
    const auto fewest = [&](double t0, double t1) {
        int n = 0;
        for (const Sample& s : samples)
            if (s.ready && s.t >= t0 && s.t <= t1 && (n == 0 || s.fds < n)) n = s.fds;
        return n;
    };
    const double end_t = samples.empty() ? 0.0 : samples.back().t;
    const double window = std::min(60.0, run_s / 3);
    const int fds_at_start = fewest(from, from + window);
    const int fds_at_end = fewest(end_t - window, end_t);
    std::uint64_t streams_checked = 0;
    try {
        std::ifstream in(json);
        const nlohmann::json stats = nlohmann::json::parse(in);
        for (const nlohmann::json& s : stats.at("streams")) {
            const auto n = [&](const char* k) { return s.at(k).get<std::uint64_t>(); };
            if (n("produced") != n("displayed") + n("superseded") + n("dropped") + n("rejected"))
                error = s.at("name").get<std::string>() + ": frames unaccounted for";
            ++streams_checked;
        }
    } catch (const std::exception& e) {
        error = std::string("stats JSON: ") + e.what();
    }
    if (error.empty() && fds_at_end != fds_at_start)
        error = "open descriptors changed: " + std::to_string(fds_at_start) + " at the start, " +
                std::to_string(fds_at_end) + " at the end";
    r.metrics = {{"seconds", run_s, "s"},
                 {"rss at 1 min", r.reference, "MB"},
                 {"rss at the end", r.subject, "MB"},
                 {"fds in the first minute (fewest)", double(fds_at_start), ""},
                 {"fds in the last minute (fewest)", double(fds_at_end), ""},
                 {"streams with produced = displayed + superseded + dropped + rejected",
                  double(streams_checked), ""},
                 {"zmq frames published", double(published.load()), ""}};
    for (const Sample& s : samples)
        r.metrics.push_back({"fps at " + std::to_string(int(s.t)) + " s", s.fps, "frames/s"});
    r.ok = error.empty();
    r.error = error;
    report.add(std::move(r));
    fs::remove_all(dir);
}

} // namespace rtv::bench

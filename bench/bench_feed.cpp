// 12. Feeding the viewer from another process: the C++ client (rtv::client::Publisher) in a
//     process of its own (rtv_bench re-run as --feed-publish) sends float32 frames of 600x800
//     and 4096x4096 as fast as the viewer's zmq producer takes them, over TCP, over IPC, and
//     through a shared-memory ring (descriptors over IPC), into the real host, pool and router.
//     Frames/s and MB/s received against memcpy of the same bytes in this process (what one
//     copy costs: the shm path's floor). The figures: shm against IPC, and shm's frames/s for
//     4096x4096 against the 60 frames/s a camera of that size needs.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "bench/harness.hpp"
#include "bench/pipeline_run.hpp"
#include "client/publisher.hpp"
#include "core/clock.hpp"

namespace rtv::bench {

namespace {

struct Feed {
    double frames = 0, mb = 0; // per second
    std::string error;
};

volatile std::byte g_sink{};

// memcpy of a frame of `bytes` into another buffer, frames per second.
double memcpy_rate(std::size_t bytes, double seconds) {
    std::vector<std::byte> from(bytes, std::byte{1}), to(bytes);
    std::uint64_t n = 0;
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
        from[n % bytes] = std::byte(n);
        std::memcpy(to.data(), from.data(), bytes);
        ++n;
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    g_sink = to[n % bytes]; // the copies are used: not optimised away
    return double(n) / elapsed;
}

Feed feed_rate(const Config& c, const std::string& mode, std::uint32_t h, std::uint32_t w,
               double seconds) {
    Feed out;
    const std::string endpoint =
        mode == "tcp" ? free_endpoint()
                      : "ipc:///tmp/rtv-bench-feed-" + std::to_string(getpid()) + ".sock";
    // The publisher sends until stop_process ends it; its own limit only ends an orphan. The
    // window opens on its first frame (run_pipeline), however long it takes to start.
    std::vector<std::string> args = {c.self,
                                     "--feed-publish",
                                     endpoint,
                                     mode,
                                     std::to_string(h),
                                     std::to_string(w),
                                     std::to_string(seconds + 3 * kHangGuardS)};
    const pid_t pid = start_process(std::move(args));
    if (pid < 0) {
        out.error = "fork failed";
        return out;
    }
    const PipelineStats s =
        run_pipeline({"zmq:bind=" + endpoint + ",hwm=4,maxmsg=80"}, seconds, 0.0, 1);
    stop_process(pid);
    std::error_code ignored; // ZeroMQ leaves the IPC socket's file behind
    if (mode != "tcp") std::filesystem::remove(endpoint.substr(6), ignored);
    out.error = s.error;
    out.frames = s.generated / s.seconds;
    out.mb = out.frames * double(h) * w * 4 / 1e6;
    if (s.generated == 0 && out.error.empty())
        out.error = "no frame arrived from the publisher at " + endpoint;
    else if (!out.error.empty())
        out.error += " (publisher at " + endpoint + ")";
    return out;
}

void feed_size(const Config& c, Report& report, std::uint32_t h, std::uint32_t w, double seconds) {
    const std::string size = std::to_string(h) + "x" + std::to_string(w) + " float32";
    const Feed tcp = feed_rate(c, "tcp", h, w, seconds);
    const Feed ipc = feed_rate(c, "ipc", h, w, seconds);
    const Feed shm = feed_rate(c, "shm", h, w, seconds);
    const double copy = memcpy_rate(std::size_t{h} * w * 4, seconds);
    Result r = compare("feed", size + ": shared memory vs IPC", "frames received/s", shm.frames,
                       "IPC (ZeroMQ, same machine)", ipc.frames,
                       "target >= 3 for frames of 16 MB and more");
    r.metrics = {{"tcp", tcp.frames, "frames/s"}, {"ipc", ipc.frames, "frames/s"},
                 {"shm", shm.frames, "frames/s"}, {"memcpy", copy, "frames/s"},
                 {"tcp", tcp.mb, "MB/s"},         {"ipc", ipc.mb, "MB/s"},
                 {"shm", shm.mb, "MB/s"},         {"memcpy", copy * h * w * 4 / 1e6, "MB/s"}};
    for (const Feed* f : {&tcp, &ipc, &shm})
        if (!f->error.empty()) r.error = f->error;
    r.ok = r.error.empty();
    report.add(std::move(r));
    report.add(compare("feed", size + ": shared memory vs memcpy", "frames/s", shm.frames,
                       "memcpy of the same bytes", copy, "1 would be the cost of one copy alone"));
}

// stop_process's SIGTERM ends the publisher's loop: its shared-memory ring is unlinked as it
// closes (killed outright, it would stay in /dev/shm: 256 MiB for the 4096x4096 case).
std::atomic<bool> g_publisher_stop{false};
extern "C" void on_publisher_term(int) {
    g_publisher_stop.store(true);
}

} // namespace

int feed_publish_main(int argc, char** argv) {
    // rtv_bench --feed-publish ENDPOINT tcp|ipc|shm HEIGHT WIDTH SECONDS
    if (argc != 7) return 2;
    const std::string endpoint = argv[2], mode = argv[3];
    const std::uint64_t h = std::strtoull(argv[4], nullptr, 10),
                        w = std::strtoull(argv[5], nullptr, 10);
    const double seconds = std::atof(argv[6]);
    std::vector<float> pixels(h * w, 0.5f);
    if (mode == "shm") std::signal(SIGTERM, on_publisher_term); // inline sends may block
    client::Publisher pub;
    client::PublisherOptions options;
    options.shm = mode == "shm";
    options.hwm = 4;
    if (Status s = pub.open(endpoint, kHangGuardS, options); !s) { // the viewer binds meanwhile
        std::fprintf(stderr, "%s\n", s.message().c_str());
        return 1;
    }
    const auto t0 = Clock::now();
    std::uint64_t n = 0;
    while (seconds_since(t0) < seconds && !g_publisher_stop.load()) {
        pixels[n % pixels.size()] = float(n); // a new frame each time, as a camera's
        ++n;
        // Inline: wait for room (as fast as the viewer takes). shm: a frame that finds every
        // slot unread is dropped at once; the next one is tried a moment later (a camera's
        // next frame), so that the publisher does not spin on a core the viewer needs.
        const std::uint64_t dropped = pub.dropped();
        if (Status s =
                pub.send("bench/frame", std::span<const float>(pixels), {h, w}, !options.shm);
            !s)
            break;
        if (pub.dropped() != dropped) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    pub.close(0.0);
    return 0;
}

void bench_feed(const Config& c, Report& report) {
    const double seconds = c.quick ? 0.3 : 3.0;
    feed_size(c, report, 600, 800, seconds);
    feed_size(c, report, 4096, 4096, seconds);
}

} // namespace rtv::bench

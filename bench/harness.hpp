#pragma once
// The benchmark harness: every figure is reported with a baseline measured in the same run and
// their ratio (shared, noisy machines: ratios travel, absolutes do not). Benchmarks check their
// own results; a lost frame is an error, never a fast result.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace rtv::bench {

struct Metric {
    std::string name;
    double value = 0.0;
    std::string unit;
};

struct Result {
    std::string bench; // e.g. "handoff"
    std::string name;  // e.g. "producers=2"
    std::vector<Metric> metrics;
    std::string compared;   // the metric compared, e.g. "messages/s"
    std::string baseline;   // what it is compared against, e.g. "mutex+cv+deque"
    double subject = 0.0;   // the compared metric's value
    double reference = 0.0; // the baseline's value of the same metric
    double ratio = 0.0;     // subject / reference
    std::string note;       // how to read the ratio, e.g. "higher is better"
    bool ok = true;         // false: the benchmark's own check failed
    std::string error;
};

// A result comparing `subject` with a `reference` baseline measured in the same run.
Result compare(std::string bench, std::string name, std::string compared, double subject,
               std::string baseline, double reference, std::string note);

struct Config {
    bool quick = false;          // fractions of a second per case (bench_smoke)
    std::string viewer;          // path of the rtviewer binary, for the end-to-end bench
    std::string self;            // path of rtv_bench itself (re-run as a zmq publisher)
    double soak_seconds = 600.0; // the soak benchmark's length
    double scale() const { return quick ? 0.05 : 1.0; }
};

class Report {
public:
    Result& add(Result r);
    const std::vector<Result>& results() const { return m_results; }
    bool all_ok() const;
    void set_gl_renderer(std::string r) { m_gl_renderer = std::move(r); }
    // The short human table, then errors.
    void print_table() const;
    std::string json(const Config& config) const;

private:
    std::vector<Result> m_results;
    std::string m_gl_renderer = "not used";
};

// How long a benchmark waits for a readiness signal (a child process up, the first frame) or,
// past its minimum time, for its first result, before it reports a hang. Generous on purpose: no
// check may depend on how fast a busy machine is (bench_smoke runs beside other tests), so
// windows open on readiness signals, never on deadlines; this only turns a hang into an error.
constexpr double kHangGuardS = 120.0;

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}
// The median of repeated measurements.
double median(std::vector<double> v);

// Memory, from /proc/self/status: resident set size now and its peak since the last reset.
std::int64_t rss_kb();
std::int64_t peak_rss_kb();
void reset_peak_rss(); // writes 5 to /proc/self/clear_refs (Linux >= 4.0)

// operator new calls in this process since start (bench/main.cpp counts them).
std::uint64_t allocations();

std::string cpu_model();

// Copies a block of `bytes` bytes into `destinations` buffers in turn for about `seconds`: the
// machine's memcpy bandwidth in MB/s for that block and working set (a stream's pool has 3
// slots), the baseline of the throughput benchmarks.
double memcpy_mb_per_s(std::size_t bytes, double seconds, unsigned destinations = 3);

// The benchmarks (bench_*.cpp).
void bench_handoff(const Config& c, Report& r);
void bench_pool(const Config& c, Report& r);
void bench_pipeline(const Config& c, Report& r);
void bench_render(const Config& c, Report& r);
void bench_end_to_end(const Config& c, Report& r);
void bench_scaling(const Config& c, Report& r);
void bench_soak(const Config& c, Report& r);    // not in the default set: 10 minutes
void bench_idle(const Config& c, Report& r);    // windowed under Xvfb
void bench_display(const Config& c, Report& r); // 4096x4096 images, 100 x 10,000-point lines
void bench_formats(const Config& c, Report& r); // uint16 against float32
void bench_history(const Config& c, Report& r); // history on against off
void bench_startup(const Config& c, Report& r); // a cold shader cache against a warm one
void bench_plugins(const Config& c, Report& r); // a plugin's producer against the same built in
void bench_record(const Config& c, Report& r);  // HDF5 recording against write() and .npy
// rtv_bench --zmq-publish ENDPOINT FORMAT HEIGHT WIDTH SECONDS: the publisher process of the
// formats benchmark. Returns the exit status.
int zmq_publish_main(int argc, char** argv);
std::string free_endpoint(); // a free loopback TCP endpoint (bound by a throwaway socket)
// Runs argv[0] with `args` in a process of its own (-1: fork failed), which gets SIGTERM if this
// process dies first; stop_process sends it SIGTERM and waits for it.
pid_t start_process(std::vector<std::string> args);
void stop_process(pid_t pid);
void bench_feed(const Config& c, Report& r); // another process feeding the viewer: TCP, IPC, shm
int feed_publish_main(int argc, char** argv);

} // namespace rtv::bench

#include "bench/harness.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

namespace rtv::bench {

Result compare(std::string bench, std::string name, std::string compared, double subject,
               std::string baseline, double reference, std::string note) {
    Result r;
    r.bench = std::move(bench);
    r.name = std::move(name);
    r.compared = std::move(compared);
    r.subject = subject;
    r.baseline = std::move(baseline);
    r.reference = reference;
    r.note = std::move(note);
    return r;
}

Result& Report::add(Result r) {
    if (r.reference > 0.0) r.ratio = r.subject / r.reference;
    m_results.push_back(std::move(r));
    return m_results.back();
}

bool Report::all_ok() const {
    return std::all_of(m_results.begin(), m_results.end(), [](const Result& r) { return r.ok; });
}

namespace {
std::string figure(double v) {
    char buf[32];
    if (v >= 1e9)
        std::snprintf(buf, sizeof buf, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}
} // namespace

void Report::print_table() const {
    std::printf("%-10s %-28s %-20s %10s %10s %8s  %s\n", "bench", "case", "figure", "value",
                "baseline", "ratio", "baseline is");
    for (const Result& r : m_results) {
        std::printf("%-10s %-28s %-20s %10s %10s %7.2fx  %s%s\n", r.bench.c_str(), r.name.c_str(),
                    r.compared.c_str(), figure(r.subject).c_str(), figure(r.reference).c_str(),
                    r.ratio, r.baseline.c_str(), r.ok ? "" : "  <- ERROR");
    }
    for (const Result& r : m_results)
        if (!r.ok)
            std::printf("ERROR %s %s: %s\n", r.bench.c_str(), r.name.c_str(), r.error.c_str());
}

std::string Report::json(const Config& config) const {
    nlohmann::json j = nlohmann::json::object();
    j["machine"] = {{"cpu", cpu_model()},
                    {"cores", std::thread::hardware_concurrency()},
                    {"gl_renderer", m_gl_renderer}};
    j["quick"] = config.quick;
    j["ok"] = all_ok();
    nlohmann::json results = nlohmann::json::array();
    for (const Result& r : m_results) {
        nlohmann::json o = {
            {"bench", r.bench},       {"case", r.name},     {"compared", r.compared},
            {"baseline", r.baseline}, {"value", r.subject}, {"baseline_value", r.reference},
            {"ratio", r.ratio},       {"note", r.note},     {"ok", r.ok}};
        if (!r.ok) o["error"] = r.error;
        nlohmann::json metrics = nlohmann::json::object();
        for (const Metric& m : r.metrics)
            metrics[m.name + (m.unit.empty() ? "" : " (" + m.unit + ")")] = m.value;
        o["metrics"] = std::move(metrics);
        results.push_back(std::move(o));
    }
    j["results"] = std::move(results);
    return j.dump(2) + "\n";
}

double median(std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const std::size_t mid = v.size() / 2;
    return v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2; // even: the middle two's mean
}

namespace {
std::int64_t status_kb(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::size_t n = std::strlen(key);
    while (std::getline(in, line))
        if (line.compare(0, n, key) == 0) return std::stoll(line.substr(n));
    return -1;
}
} // namespace

std::int64_t rss_kb() {
    return status_kb("VmRSS:");
}
std::int64_t peak_rss_kb() {
    return status_kb("VmHWM:");
}

void reset_peak_rss() {
    std::ofstream out("/proc/self/clear_refs");
    out << "5";
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("model name", 0) == 0) {
            const std::size_t colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(colon + 2);
        }
    return "unknown";
}

double memcpy_mb_per_s(std::size_t bytes, double seconds, unsigned destinations) {
    bytes = std::max<std::size_t>(bytes, 64);
    destinations = std::max(destinations, 1u);
    const std::unique_ptr<char[]> a(new char[bytes]), b(new char[bytes * destinations]);
    std::memset(a.get(), 1, bytes);
    std::memset(b.get(), 2, bytes * destinations);
    std::uint64_t copies = 0;
    const auto t0 = Clock::now();
    double elapsed = 0.0;
    do {
        for (int i = 0; i < 8; ++i) {
            std::memcpy(b.get() + (copies % destinations) * bytes, a.get(), bytes);
            a[copies % bytes] = static_cast<char>(copies); // keep the copy from being elided
            ++copies;
        }
        elapsed = seconds_since(t0);
    } while (elapsed < seconds);
    volatile char sink = b[bytes / 2];
    (void)sink;
    return double(copies) * double(bytes) / elapsed / 1e6;
}

} // namespace rtv::bench

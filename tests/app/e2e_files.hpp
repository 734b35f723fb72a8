#pragma once
// Files of the end-to-end tests: a fresh path per test process, whole-file reads, and the
// statistics JSON rtviewer writes.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

namespace rtv::test {

using Json = nlohmann::json;

// The exit status of a test that cannot run here (a missing optional tool): ctest reports it as
// skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt), never as passed.
constexpr int kSkipExitCode = 77;

// A path in the temporary directory, unique to this process, with nothing there yet.
inline std::filesystem::path fresh_path(const std::string& name) {
    const std::filesystem::path p = std::filesystem::temp_directory_path() /
                                    ("rtv_e2e_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(p);
    return p;
}

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline Json read_json(const std::filesystem::path& p) {
    Json j;
    try {
        j = Json::parse(slurp(p));
    } catch (const Json::parse_error& e) {
        FAIL("not valid JSON: " << p << ": " << e.what());
    }
    return j;
}

struct Run {
    int status = -1;
    std::string err; // stderr, without its last newlines
};

// A directory of this test process's own, made on first use.
inline std::filesystem::path work_dir() {
    static const std::filesystem::path dir = [] {
        std::filesystem::path d =
            std::filesystem::temp_directory_path() / ("rtv_e2e_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

// Runs rtviewer with `args` (and an optional environment prefix such as "env -u DISPLAY") to
// its end; stdout goes to work_dir()/stdout.txt.
inline Run viewer(const std::string& args, const std::string& env = "") {
    const std::filesystem::path err = work_dir() / "stderr.txt";
    const std::string cmd = env + " " + RTV_VIEWER_PATH + " " + args + " >" +
                            (work_dir() / "stdout.txt").string() + " 2>" + err.string();
    const int raw = std::system(cmd.c_str());
    Run r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.err = slurp(err);
    while (!r.err.empty() && r.err.back() == '\n')
        r.err.pop_back();
    return r;
}

// The stream named `name` in --stats-json output, or nullptr.
inline const Json* find_stream(const Json& stats, const std::string& name) {
    for (const Json& s : stats.at("streams"))
        if (s.at("name").get<std::string>() == name) return &s;
    return nullptr;
}

// A view's rect in --stats-json: screenshot pixels, origin top-left.
struct Rect {
    int x = 0, y = 0, w = 0, h = 0;
};

inline Rect rect_of(const Json& view) {
    const Json& r = view.at("rect");
    return {r.at(0).get<int>(), r.at(1).get<int>(), r.at(2).get<int>(), r.at(3).get<int>()};
}

// The view named `name` in --stats-json output (the test fails without one).
inline const Json& view_named(const Json& stats, const std::string& name) {
    for (const Json& v : stats.at("views"))
        if (v.at("name") == name) return v;
    FAIL("no view named " << name);
    return stats; // unreachable: FAIL throws
}

} // namespace rtv::test

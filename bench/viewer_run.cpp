#include "bench/viewer_run.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace rtv::bench {

ViewerRun run_headless_viewer(const Config& c, const std::string& args) {
    ViewerRun out;
    // Per process: two benchmarks running at once must not read each other's statistics.
    const std::filesystem::path json = std::filesystem::temp_directory_path() /
                                       ("rtv_bench_viewer_" + std::to_string(::getpid()) + ".json");
    std::filesystem::remove(json);
    const std::string cmd = "'" + c.viewer + "' --headless --stats-json '" + json.string() + "' " +
                            args + " >/dev/null";
    if (const int status = std::system(cmd.c_str()); status != 0) {
        out.error = "rtviewer exited with status " + std::to_string(status) + ": " + cmd;
        std::filesystem::remove(json);
        return out;
    }
    std::stringstream text;
    {
        std::ifstream in(json);
        text << in.rdbuf();
    }
    std::filesystem::remove(json);
    try {
        out.stats = nlohmann::json::parse(text.str());
        for (const nlohmann::json& s : out.stats.at("streams")) {
            const double sum = s.at("displayed").get<double>() + s.at("superseded").get<double>() +
                               s.at("dropped").get<double>() + s.at("rejected").get<double>();
            if (sum != s.at("produced").get<double>())
                out.error = s.at("name").get<std::string>() + ": frames unaccounted for";
        }
    } catch (const nlohmann::json::exception& e) {
        out.error = std::string("rtviewer's statistics: ") + e.what();
    }
    return out;
}

} // namespace rtv::bench

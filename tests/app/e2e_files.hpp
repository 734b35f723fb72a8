#pragma once
// Files of the end-to-end tests: a fresh path per test process, whole-file reads, and the
// statistics JSON rtviewer writes.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <unistd.h>

#include "app/json_lite.hpp"

namespace rtv::test {

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
    JsonParser parser(slurp(p));
    REQUIRE_MESSAGE(parser.parse(j), "not valid JSON: " << p);
    return j;
}

// The stream named `name` in --stats-json output, or nullptr.
inline const Json* find_stream(const Json& stats, const std::string& name) {
    for (const Json& s : stats["streams"].array)
        if (s["name"].string == name) return &s;
    return nullptr;
}

} // namespace rtv::test

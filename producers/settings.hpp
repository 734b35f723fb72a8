#pragma once
// Parsing of key=value producer settings into numbers, with messages in the project's format:
// "<who>: <key> is out of range, got <value>, expected <lo>..<hi>". Thread: main.

#include <cstdint>
#include <span>
#include <string_view>

#include "core/producer.hpp"
#include "core/status.hpp"

namespace rtv::producers {

// One setting a producer accepts, for listings, the GUI and key checking.
struct SettingInfo {
    std::string_view key;
    std::string_view default_value;
    std::string_view description;
};

// An unsigned integer in lo..hi.
Status parse_uint(std::string_view who, std::string_view key, std::string_view text,
                  std::uint64_t lo, std::uint64_t hi, std::uint64_t& out);
// A finite number in lo..hi.
Status parse_double(std::string_view who, std::string_view key, std::string_view text, double lo,
                    double hi, double& out);
// A duration in seconds >= 0; with allow_auto, "auto" gives 0.
Status parse_seconds(std::string_view who, std::string_view key, std::string_view text,
                     bool allow_auto, double& out);

// Reads config[key] into out if present (uint / double variants).
Status read_uint(std::string_view who, const ProducerConfig& config, std::string_view key,
                 std::uint64_t lo, std::uint64_t hi, std::uint32_t& out);
Status read_double(std::string_view who, const ProducerConfig& config, std::string_view key,
                   double lo, double hi, double& out);

// Rejects keys of `config` that are not in `known`, naming the valid ones.
Status check_keys(std::string_view who, const ProducerConfig& config,
                  std::span<const SettingInfo> known);
} // namespace rtv::producers

#include "producers/settings.hpp"

#include <charconv>
#include <cmath>
#include <string>

namespace rtv::producers {

namespace {
std::string quoted(std::string_view text) {
    return "'" + std::string(text) + "'";
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}
} // namespace

Status parse_uint(std::string_view who, std::string_view key, std::string_view text,
                  std::uint64_t lo, std::uint64_t hi, std::uint64_t& out) {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec == std::errc::invalid_argument || end != text.data() + text.size())
        return Status::error(std::string(who) + ": " + std::string(key) +
                             " must be a whole number, got " + quoted(text));
    if (ec == std::errc::result_out_of_range || v < lo || v > hi)
        return Status::error(std::string(who) + ": " + std::string(key) + " is out of range, got " +
                             std::string(text) + ", expected " + std::to_string(lo) + ".." +
                             std::to_string(hi));
    out = v;
    return Status::ok();
}

Status parse_double(std::string_view who, std::string_view key, std::string_view text, double lo,
                    double hi, double& out) {
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v))
        return Status::error(std::string(who) + ": " + std::string(key) +
                             " must be a number, got " + quoted(text));
    if (v < lo || v > hi)
        return Status::error(std::string(who) + ": " + std::string(key) + " is out of range, got " +
                             std::string(text) + ", expected " + number(lo) + ".." + number(hi));
    out = v;
    return Status::ok();
}

Status parse_seconds(std::string_view who, std::string_view key, std::string_view text,
                     bool allow_auto, double& out) {
    if (allow_auto && text == "auto") {
        out = 0.0;
        return Status::ok();
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size() ||
        !std::isfinite(v) || v < 0.0 || v > 86400.0)
        return Status::error(std::string(who) + ": " + std::string(key) +
                             " must be a number of seconds in 0..86400" +
                             (allow_auto ? " or 'auto'" : "") + ", got " + quoted(text));
    out = v;
    return Status::ok();
}

Status read_uint(std::string_view who, const ProducerConfig& config, std::string_view key,
                 std::uint64_t lo, std::uint64_t hi, std::uint32_t& out) {
    const auto it = config.find(key);
    if (it == config.end()) return Status::ok();
    std::uint64_t v = 0;
    if (Status s = parse_uint(who, key, it->second, lo, hi, v); !s) return s;
    out = static_cast<std::uint32_t>(v);
    return Status::ok();
}

Status read_double(std::string_view who, const ProducerConfig& config, std::string_view key,
                   double lo, double hi, double& out) {
    const auto it = config.find(key);
    if (it == config.end()) return Status::ok();
    return parse_double(who, key, it->second, lo, hi, out);
}

Status check_keys(std::string_view who, const ProducerConfig& config,
                  std::span<const SettingInfo> known) {
    for (const auto& [key, value] : config) {
        bool ok = false;
        for (const SettingInfo& s : known)
            ok = ok || s.key == key;
        if (ok) continue;
        std::string valid;
        for (const SettingInfo& s : known)
            valid += (valid.empty() ? "" : ", ") + std::string(s.key);
        return Status::error(std::string(who) + ": unknown setting '" + key +
                             "', expected one of: " + valid);
    }
    return Status::ok();
}

} // namespace rtv::producers

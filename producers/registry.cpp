#include "producers/registry.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <string>
#include <vector>

#include "producers/blobs.hpp"
#include "producers/camera.hpp"
#include "producers/hdf5.hpp"
#include "producers/replay.hpp"
#include "producers/sensor.hpp"
#include "producers/settings.hpp"
#include "producers/sweep.hpp"
#include "producers/transparency.hpp"
#include "producers/waves.hpp"
#include "producers/zmq_input.hpp"

namespace rtv::producers {

namespace {

constexpr std::array kCommon{
    SettingInfo{"interval", "(per producer)",
                "seconds between frames, or 'auto' = as soon as the viewer took the last one"},
    SettingInfo{"latency", "0", "seconds of simulated work per frame (a slow instrument)"},
    SettingInfo{"jitter", "0", "extra random work per frame, uniform in [0, jitter) seconds"},
    SettingInfo{"iterations", "(per producer)",
                "stop after this many frames (zmq: messages); 0 = forever"},
    SettingInfo{"seed", "0", "seed of the producer's random numbers"},
    SettingInfo{"policy", "drop",
                "when the pool is empty: 'drop' the frame (counted) or 'wait' for a slot"},
    SettingInfo{"slots", "3", "frames in flight per stream (the pool size), 1..64"},
    SettingInfo{"fail_after", "0",
                "throw after this many frames, to see a failing producer; 0 = never"},
    SettingInfo{"isolate", "none",
                "'process': run the producer in a helper process (rtviewer-plugin-host): a crash "
                "costs this producer, never the viewer"},
    SettingInfo{"restart", "0",
                "start a helper process or program that failed again, up to N times (with "
                "back-off)"},
    SettingInfo{"answer_timeout", "10",
                "isolate=process: a frame taking this many seconds means the producer stopped "
                "answering: its helper is ended (restart applies); 0 = never"},
    SettingInfo{"name", "(kind)",
                "this producer's name, and its streams' NAME/...: the first of a kind is named "
                "after it, the next KIND#2, ..."},
};

template <class T> std::unique_ptr<Producer> make(const void*) {
    return std::make_unique<T>();
}

Schedule defaults(double interval, std::uint64_t iterations = 0) {
    Schedule s;
    s.interval_s = interval;
    s.iterations = iterations;
    return s;
}

template <class T> ProducerEntry builtin(Schedule defaults) {
    ProducerEntry e;
    e.name = T::kName;
    e.description = T::kDescription;
    e.settings = T::settings();
    e.defaults = defaults;
    e.make = &make<T>;
    return e;
}

const std::array kRegistry{
    builtin<Sweep>(defaults(0.01, 1000)),
    builtin<Waves>(defaults(1.0 / 60)),
    builtin<Blobs>(defaults(1.0 / 60)),
    builtin<Camera>(defaults(1.0 / 60)),
    builtin<Transparency>(defaults(1.0 / 60)),
    builtin<Sensor>(defaults(0.01)),
    builtin<Replay>(defaults(0.0)),
    builtin<Hdf5>(defaults(0.0)),
    builtin<ZmqInput>(defaults(0.0)),
};

// The built-in producers, then the plugins' (added on the main thread before any lookup that
// could race: the command line loads plugins first).
std::vector<ProducerEntry>& entries() {
    static std::vector<ProducerEntry> all(kRegistry.begin(), kRegistry.end());
    return all;
}

std::vector<std::string>& failures() {
    static std::vector<std::string> all;
    return all;
}

bool is_common(std::string_view key) {
    return std::any_of(kCommon.begin(), kCommon.end(),
                       [&](const SettingInfo& s) { return s.key == key; });
}

std::string valid_keys(const ProducerEntry& e) {
    std::string out;
    for (const SettingInfo& s : kCommon)
        out += (out.empty() ? "" : ", ") + std::string(s.key);
    for (const SettingInfo& s : e.settings)
        out += ", " + std::string(s.key);
    return out;
}

// A producer's name becomes the first part of its streams' names (and of layout patterns).
Status check_name(const std::string& who, std::string_view value) {
    const bool ok =
        !value.empty() && value.size() <= 32 && std::all_of(value.begin(), value.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                   c == '.' || c == '#';
        });
    if (!ok)
        return Status::error(who + ": name must be 1 to 32 of A-Z a-z 0-9 _ - . #, got '" +
                             std::string(value) + "'");
    return Status::ok();
}

Status apply_common(const std::string& who, std::string_view key, std::string_view value,
                    Schedule& s) {
    if (key == "interval") return parse_seconds(who, key, value, true, s.interval_s);
    if (key == "latency") return parse_seconds(who, key, value, false, s.latency_s);
    if (key == "jitter") return parse_seconds(who, key, value, false, s.jitter_s);
    if (key == "iterations") return parse_uint(who, key, value, 0, UINT64_MAX, s.iterations);
    if (key == "seed") return parse_uint(who, key, value, 0, UINT64_MAX, s.seed);
    if (key == "fail_after") return parse_uint(who, key, value, 0, UINT64_MAX, s.fail_after);
    if (key == "slots") {
        std::uint64_t slots = 0;
        if (Status st = parse_uint(who, key, value, 1, 64, slots); !st) return st;
        s.slots = static_cast<unsigned>(slots);
        return Status::ok();
    }
    // policy
    if (value == "drop")
        s.policy = PoolPolicy::Drop;
    else if (value == "wait")
        s.policy = PoolPolicy::Wait;
    else
        return Status::error(who + ": policy must be one of: drop, wait, got '" +
                             std::string(value) + "'");
    return Status::ok();
}

} // namespace

std::span<const SettingInfo> common_settings() {
    return kCommon;
}
std::span<const ProducerEntry> registry() {
    return entries();
}

const ProducerEntry* find(std::string_view name) {
    for (const ProducerEntry& e : entries())
        if (e.name == name) return &e;
    return nullptr;
}

Status add_entry(const ProducerEntry& entry) {
    if (const ProducerEntry* same = find(entry.name))
        return Status::error("producer '" + std::string(entry.name) + "' is already " +
                             (same->origin.empty() ? std::string("a built-in producer")
                                                   : "offered by " + std::string(same->origin)));
    for (const SettingInfo& s : entry.settings)
        if (is_common(s.key))
            return Status::error("producer '" + std::string(entry.name) + "': its setting '" +
                                 std::string(s.key) +
                                 "' is one every producer has (the viewer's own)");
    entries().push_back(entry);
    return Status::ok();
}

void add_load_failure(std::string line) {
    failures().push_back(std::move(line));
}

std::span<const std::string> load_failures() {
    return failures();
}

std::string producer_names() {
    std::string out;
    for (const ProducerEntry& e : entries())
        out += (out.empty() ? "" : ", ") + std::string(e.name);
    return out;
}

Status create(std::string_view spec, CreatedProducer& out) {
    if (spec.empty())
        return Status::error(
            "producer spec is empty, expected name[:key=value,...] with name one of: " +
            producer_names());
    const std::size_t colon = spec.find(':');
    const std::string_view name = spec.substr(0, colon);
    const ProducerEntry* entry = find(name);
    if (!entry) {
        std::string failed;
        for (const std::string& f : failures())
            failed += (failed.empty() ? "" : "; ") + f;
        return Status::error(
            "unknown producer '" + std::string(name) + "', expected one of: " + producer_names() +
            (failed.empty() ? "" : " (plugins that did not load: " + failed + ")"));
    }
    const std::string who(name);
    out.name.clear();
    out.child_spec = who;
    out.isolate = false;
    out.restart = 0;
    out.answer_timeout_s = 10.0;
    Schedule schedule = entry->defaults;
    ProducerConfig own;
    ProducerConfig seen;
    std::string_view rest =
        colon == std::string_view::npos ? std::string_view{} : spec.substr(colon + 1);
    if (colon != std::string_view::npos && rest.empty())
        return Status::error(who + ": no settings after ':', expected key=value[,key=value...]");
    while (!rest.empty()) {
        // command= takes the rest of the spec, commas and all (exec's program and arguments);
        // key="value" takes what is between the quotes, commas too (a GStreamer description's
        // caps: pipeline="videotestsrc ! video/x-raw,format=GRAY8").
        const std::size_t eq0 = rest.find('=');
        const bool quoted = !rest.starts_with("command=") && eq0 != std::string_view::npos &&
                            eq0 + 1 < rest.size() && rest[eq0 + 1] == '"' &&
                            rest.substr(0, eq0).find(',') == std::string_view::npos;
        std::size_t comma = std::string_view::npos;
        if (quoted) {
            const std::size_t close = rest.find('"', eq0 + 2);
            const std::string key_text(rest.substr(0, eq0));
            if (close == std::string_view::npos)
                return Status::error(who + ": setting '" + key_text +
                                     "' opens a quote it does not close, expected " + key_text +
                                     "=\"value\"");
            if (close + 1 < rest.size() && rest[close + 1] != ',')
                return Status::error(who + ": setting '" + key_text +
                                     "' has text after its closing quote, expected ',' and the "
                                     "next setting");
            comma = close + 1 < rest.size() ? close + 1 : std::string_view::npos;
        } else if (!rest.starts_with("command=")) {
            comma = rest.find(',');
        }
        const std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (comma != std::string_view::npos && rest.empty())
            return Status::error(who + ": empty setting after ',', expected key=value");
        const std::size_t eq = item.find('=');
        const std::string_view key = item.substr(0, eq);
        if (key.empty())
            return Status::error(who + ": setting '" + std::string(item) +
                                 "' has no key, expected key=value");
        if (!is_common(key) && std::none_of(entry->settings.begin(), entry->settings.end(),
                                            [&](const SettingInfo& s) { return s.key == key; }))
            return Status::error(who + ": unknown setting '" + std::string(key) +
                                 "', expected one of: " + valid_keys(*entry));
        if (eq == std::string_view::npos)
            return Status::error(who + ": setting '" + std::string(key) +
                                 "' has no value, expected " + std::string(key) + "=value");
        const std::string_view value =
            quoted ? item.substr(eq + 2, item.size() - eq - 3) : item.substr(eq + 1);
        if (!seen.emplace(std::string(key), std::string(value)).second)
            return Status::error(who + ": setting '" + std::string(key) + "' is given twice");
        const bool for_child =
            key != "isolate" && key != "restart" && key != "name" && key != "answer_timeout";
        if (for_child)
            out.child_spec +=
                (out.child_spec.find(':') == std::string::npos ? ":" : ",") + std::string(item);
        if (key == "name") {
            if (Status s = check_name(who, value); !s) return s;
            out.name = std::string(value);
        } else if (key == "isolate") {
            if (value != "none" && value != "process")
                return Status::error(who + ": isolate must be one of: none, process, got '" +
                                     std::string(value) + "'");
            out.isolate = value == "process";
        } else if (key == "answer_timeout") {
            if (Status s = parse_seconds(who, key, value, false, out.answer_timeout_s); !s)
                return s;
        } else if (key == "restart") {
            std::uint64_t n = 0;
            if (Status s = parse_uint(who, key, value, 0, 100, n); !s) return s;
            out.restart = static_cast<unsigned>(n);
        } else if (is_common(key)) {
            if (Status s = apply_common(who, key, value, schedule); !s) return s;
        } else {
            own.emplace(std::string(key), std::string(value));
        }
    }
    std::unique_ptr<Producer> producer = entry->make(entry->context);
    if (!producer) return Status::error(who + ": could not be created (its plugin refused)");
    if (Status s = producer->configure(own); !s) return s;
    out.type = who;
    out.producer = std::move(producer);
    out.schedule = schedule;
    return Status::ok();
}

Status instance_names(std::span<CreatedProducer> producers) {
    for (std::size_t i = 0; i < producers.size(); ++i) {
        CreatedProducer& p = producers[i];
        if (!p.name.empty()) continue;
        std::size_t same = 0; // earlier producers of this kind that were not named
        for (std::size_t k = 0; k < i; ++k)
            same += producers[k].type == p.type;
        p.name = same == 0 ? p.type : p.type + "#" + std::to_string(same + 1);
    }
    for (std::size_t i = 0; i < producers.size(); ++i)
        for (std::size_t k = 0; k < i; ++k)
            if (producers[k].name == producers[i].name)
                return Status::error("two producers are named '" + producers[i].name +
                                     "' (producers " + std::to_string(k + 1) + " and " +
                                     std::to_string(i + 1) +
                                     "): give one another name with name=...");
    return Status::ok();
}

std::string describe_all() {
    std::string out = "Producers (--producer name[:key=value,...]):\n";
    int key_width = 10; // the settings' keys in one column
    for (const ProducerEntry& e : entries())
        for (const SettingInfo& s : e.settings)
            key_width = std::max(key_width, static_cast<int>(s.key.size()));
    for (const ProducerEntry& e : entries()) {
        out += "\n  " + std::string(e.name) + "  " + std::string(e.description) + "\n";
        if (!e.origin.empty()) out += "      from " + std::string(e.origin) + "\n";
        char line[256];
        std::snprintf(line, sizeof line, "      interval=%s iterations=%llu (defaults)\n",
                      e.defaults.interval_s == 0.0 ? "auto"
                                                   : std::to_string(e.defaults.interval_s).c_str(),
                      static_cast<unsigned long long>(e.defaults.iterations));
        out += line;
        for (const SettingInfo& s : e.settings) {
            std::snprintf(line, sizeof line, "      %-*s %-8s %s\n", key_width,
                          std::string(s.key).c_str(), std::string(s.default_value).c_str(),
                          std::string(s.description).c_str());
            out += line;
        }
    }
    if (!failures().empty()) {
        out += "\nPlugins that did not load:\n";
        for (const std::string& f : failures())
            out += "  " + f + "\n";
    }
    out += "\nSettings every producer accepts:\n";
    for (const SettingInfo& s : kCommon) {
        char line[256];
        std::snprintf(line, sizeof line, "  %-10s %s\n", std::string(s.key).c_str(),
                      std::string(s.description).c_str());
        out += line;
    }
    return out;
}

} // namespace rtv::producers

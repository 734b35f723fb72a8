#pragma once
// The producers by name (the built-in ones, then those plugins added), and the text form users
// write them in:
//   name[:key=value[,key=value...]]      e.g. sweep:interval=auto  sweep:latency=3,seed=7
// Every producer accepts the common settings (interval, latency, jitter, iterations, seed,
// policy, slots) and its own. Thread: main.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/producer.hpp"
#include "core/status.hpp"
#include "producers/settings.hpp"

namespace rtv::producers {

struct ProducerEntry {
    std::string_view name;
    std::string_view description;
    std::span<const SettingInfo> settings; // the producer's own (common ones come first)
    Schedule defaults;                     // its default interval, iterations, ...
    std::unique_ptr<Producer> (*make)(const void* context);
    const void* context = nullptr; // passed to make (a plugin's producer type)
    std::string_view origin;       // empty: built in; else where it came from (a plugin file)
};

// The settings every producer accepts, with their meaning.
std::span<const SettingInfo> common_settings();
// Every producer, in listing order: the built-in ones, then those added.
std::span<const ProducerEntry> registry();
// Adds a producer (a plugin's): refused, naming the one it would shadow, when a producer of that
// name exists. Its strings and settings must outlive the registry (a plugin is never unloaded).
// Thread: main, before producers are created.
Status add_entry(const ProducerEntry& entry);
// Plugins that did not load, one line each ("FILE: reason"): --list-producers and the message
// for a --producer naming no producer show them. Thread: main.
void add_load_failure(std::string line);
std::span<const std::string> load_failures();
const ProducerEntry* find(std::string_view name);
// "sweep, waves, blobs, sensor"
std::string producer_names();

// A producer made from its text spec: configured, with its schedule, ready for ProducerHost.
struct CreatedProducer {
    std::string type; // registry name
    std::string name; // name=, or empty: named after its kind (see instance_names)
    std::unique_ptr<Producer> producer;
    Schedule schedule;
    // isolate=process: the producer is to run in a helper process (the caller swaps `producer`
    // for one that supervises it), made from `child_spec`: the spec without isolate, restart
    // and name, which the viewer keeps.
    bool isolate = false;
    std::string child_spec;
    // restart=N: a source that ends with an error (a helper process, a program) is started
    // again, up to N times.
    unsigned restart = 0;
    // answer_timeout=S: an isolated producer whose frame has taken S seconds has stopped
    // answering: its helper ends it (0: never).
    double answer_timeout_s = 10.0;
};

// Parses and configures `spec`. Errors name the valid choices, e.g.
// "unknown producer 'foo', expected one of: sweep, waves, blobs, sensor".
Status create(std::string_view spec, CreatedProducer& out);

// Names every producer: its name= if given, else its kind for the first of that kind and
// KIND#2, KIND#3, ... for the next. Two producers with one name are an error naming it.
Status instance_names(std::span<CreatedProducer> producers);

// The --list-producers text: each producer, its description and settings with defaults.
std::string describe_all();

} // namespace rtv::producers

#pragma once
// Loading producer plugins (sdk/rtviewer/plugin.h): a shared library is opened, its entry
// symbol called, its ABI version and every producer descriptor checked, and its producers added
// to the registry beside the built-in ones. A plugin that does not load is refused whole, in one
// line naming the file and the reason, and the viewer goes on without it. Plugins are never
// unloaded (their code and strings live as long as the process). Thread: main.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "producers/registry.hpp"

namespace rtv::plugins {

// Loads one plugin file and registers its producers. The error: "FILE: reason".
Status load_plugin(const std::string& file);

// Every "*.so" file in each directory of a colon-separated list, sorted by name within each
// directory; directories that do not exist are skipped (an empty RTV_PLUGIN_PATH entry too).
std::vector<std::string> plugin_files_in(std::string_view directories);

// The installed plugin directory: lib/rtviewer/plugins beside the viewer's bin/ (found from the
// running executable, so an install under any prefix and the build tree both work), or
// RTV_PLUGIN_DIR when set (empty: none, the built-in producers alone).
std::string installed_plugin_dir();

// The exec producer (child_source.hpp), registered once: it needs no plugin file.
void register_exec();

// The viewer's start: the --plugin files, then (with `search_dirs`) those in RTV_PLUGIN_PATH's
// directories, then the installed ones. Each failure is recorded (producers::load_failures) and,
// when `report` is set, printed on stderr as "rtviewer: plugin FILE: reason". A file given
// twice, or named again by a later call, loads (or is refused) once.
void load_all(const std::vector<std::string>& files, bool report, bool search_dirs = true);

// The plugin file that offers `producer`, or empty (a built-in).
const std::string& plugin_file_of(std::string_view producer);

// The keys of a plugin producer's live settings (RTV_SETTING_LIVE), or none (a built-in, or a
// plugin producer without any). Thread: any, once plugins are loaded.
std::span<const std::string> live_settings_of(std::string_view producer);

// A device a plugin producer's discover() found.
struct FoundDevice {
    std::string producer;    // the producer type that found it ("aravis")
    std::string spec;        // a producer spec that opens it ("aravis:camera=...")
    std::string description; // one line
};
// Calls every loaded producer's discover() (ABI 1.1) in loading order and collects what they
// found; `searched` gets the names of the producers asked. Calls are serialised (a second
// caller waits); each may take a second or so (a network search). Thread: any, once plugins
// are loaded. Allocates: yes.
std::vector<FoundDevice> discover_devices(std::vector<std::string>* searched = nullptr);

// isolate=process and restart=N: a producer to isolate is swapped for the one that runs it in
// rtviewer-plugin-host (its spec, and its plugin file); restart reaches exec. Thread: main.
Status apply_process_settings(producers::CreatedProducer& made);

} // namespace rtv::plugins

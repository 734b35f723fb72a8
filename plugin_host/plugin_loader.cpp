#include "plugin_host/plugin_loader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>

#include <dlfcn.h>

#include "plugin_host/child_source.hpp"
#include "plugin_host/plugin_producer.hpp"
#include "producers/registry.hpp"

namespace rtv::plugins {

namespace {

// Every producer type loaded, for the process's life: the registry points into these.
std::deque<PluginType>& types() {
    static auto* all = new std::deque<PluginType>; // never destroyed: plugin threads may outlive
    return *all;
}

// The sizes of ABI 1.0's structs: the least a plugin's may be (a later minor only adds fields).
constexpr std::size_t kPlugin10 = sizeof(rtv_plugin);
constexpr std::size_t kDesc10Required = offsetof(rtv_producer_desc, destroy) + sizeof(void*);
constexpr std::size_t kSetting10 = offsetof(rtv_setting, flags);
constexpr std::size_t kSetting11 = offsetof(rtv_setting, flags) + sizeof(std::uint32_t);

bool valid_name(const char* name) {
    if (!name || !*name || std::strlen(name) > 32) return false;
    for (const char* c = name; *c; ++c)
        if (!(std::islower(static_cast<unsigned char>(*c)) ||
              std::isdigit(static_cast<unsigned char>(*c)) || *c == '_'))
            return false;
    return true;
}

// Copies a struct the plugin owns into a zeroed one of today's layout, within its own size.
template <class T> T read_sized(const T* from) {
    T out{};
    std::memcpy(&out, from, std::min<std::size_t>(from->size, sizeof(T)));
    out.size = static_cast<std::uint32_t>(sizeof(T));
    return out;
}

std::unique_ptr<Producer> make_plugin_producer(const void* context) {
    const auto& type = *static_cast<const PluginType*>(context);
    auto p = std::make_unique<PluginProducer>(type);
    if (!p->created()) return nullptr;
    return p;
}

Status refuse(const std::string& file, const std::string& why) {
    return Status::error(file + ": " + why);
}

// Checks one producer descriptor, filling `type`; an error says which producer and why.
Status read_desc(const rtv_producer_desc* raw, PluginType& type) {
    if (!raw) return Status::error("a producer descriptor is NULL");
    if (raw->size < kDesc10Required)
        return Status::error("a producer descriptor is " + std::to_string(raw->size) +
                             " bytes, expected at least " + std::to_string(kDesc10Required) +
                             " (ABI 1.0's, through destroy)");
    type.desc = read_sized(raw);
    const rtv_producer_desc& d = type.desc;
    if (!valid_name(d.name))
        return Status::error("producer name '" + std::string(d.name ? d.name : "(null)") +
                             "' is not 1 to 32 of a-z 0-9 _");
    const std::string who = "producer '" + std::string(d.name) + "'";
    if (!d.create || !d.stream_count || !d.stream || !d.destroy)
        return Status::error(who + " lacks a function (create, stream_count, stream and destroy "
                                   "are required)");
    if (!d.configure && d.setting_count > 0)
        return Status::error(who + " has settings but no configure function");
    if ((d.tick == nullptr) == (d.run == nullptr))
        return Status::error(who + " must have exactly one of tick and run");
    if (!(d.default_interval_s >= 0.0 && d.default_interval_s <= 3600.0))
        return Status::error(who + " has a default interval out of range, expected 0..3600 s");
    if (d.setting_count > 64 || (d.setting_count > 0 && !d.settings))
        return Status::error(who + " has " + std::to_string(d.setting_count) +
                             " settings but no table, or more than 64");
    for (std::uint32_t i = 0; i < d.setting_count; ++i) {
        const rtv_setting* s = d.settings[i];
        if (!s || s->size < kSetting10 || !valid_name(s->key))
            return Status::error(who + ": setting " + std::to_string(i) +
                                 " is NULL, too small or its key is not 1 to 32 of a-z 0-9 _");
        const bool live = s->size >= kSetting11 && (s->flags & RTV_SETTING_LIVE) != 0;
        if (live) type.live.emplace_back(s->key);
        type.descriptions.push_back(std::string(s->description ? s->description : "") +
                                    (live ? " [live: editable while it runs]" : ""));
        for (std::uint32_t k = 0; k < i; ++k)
            if (std::strcmp(d.settings[k]->key, s->key) == 0)
                return Status::error(who + ": setting '" + std::string(s->key) +
                                     "' is declared twice");
    }
    // The descriptions are complete: the views into them stay valid (the vector no longer grows).
    for (std::uint32_t i = 0; i < d.setting_count; ++i)
        type.settings.push_back({d.settings[i]->key,
                                 d.settings[i]->default_value ? d.settings[i]->default_value : "",
                                 type.descriptions[i]});
    return Status::ok();
}

} // namespace

Status load_plugin(const std::string& file) {
    // RTLD_LOCAL: a plugin's symbols never satisfy another's; RTLD_NOW: a missing symbol is
    // found here, with its name, not when a producer first calls it.
    void* lib = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* why = ::dlerror();
        return refuse(file, std::string("cannot be loaded as a shared library: ") +
                                (why ? why : "dlopen failed"));
    }
    // From here the library stays loaded even when refused: closing a library whose
    // constructors ran is not always safe, and it costs only its mapping.
    ::dlerror();
    void* sym = ::dlsym(lib, RTV_PLUGIN_ENTRY_SYMBOL);
    if (!sym)
        return refuse(file,
                      "has no entry symbol " RTV_PLUGIN_ENTRY_SYMBOL " (not an rtviewer plugin?)");
    rtv_plugin_entry_fn entry = nullptr;
    static_assert(sizeof entry == sizeof sym);
    std::memcpy(&entry, &sym, sizeof entry); // object pointer to function pointer, as POSIX allows
    const rtv_plugin* raw = entry();
    if (!raw) return refuse(file, RTV_PLUGIN_ENTRY_SYMBOL "() returned NULL");
    if (raw->size < offsetof(rtv_plugin, abi_minor) + sizeof raw->abi_minor)
        return refuse(file, "its rtv_plugin is " + std::to_string(raw->size) + " bytes, too small");
    const std::string version =
        std::to_string(raw->abi_major) + "." + std::to_string(raw->abi_minor);
    const std::string ours =
        std::to_string(RTV_PLUGIN_ABI_MAJOR) + "." + std::to_string(RTV_PLUGIN_ABI_MINOR);
    if (raw->abi_major != RTV_PLUGIN_ABI_MAJOR)
        return refuse(file, "built for plugin ABI " + version + ", this viewer takes ABI major " +
                                std::to_string(RTV_PLUGIN_ABI_MAJOR) + " (" + ours +
                                "): rebuild it against this viewer's rtviewer/plugin.h");
    if (raw->abi_minor > RTV_PLUGIN_ABI_MINOR)
        return refuse(file, "built for plugin ABI " + version + ", newer than this viewer's " +
                                ours + ": use a newer viewer");
    if (raw->size < kPlugin10)
        return refuse(file, "its rtv_plugin is " + std::to_string(raw->size) +
                                " bytes, expected at least " + std::to_string(kPlugin10));
    const rtv_plugin plugin = read_sized(raw);
    if (plugin.producer_count == 0 || !plugin.producers) return refuse(file, "offers no producer");
    if (plugin.producer_count > 64)
        return refuse(file, "offers " + std::to_string(plugin.producer_count) +
                                " producers, expected at most 64");
    const std::string plugin_name = plugin.name && *plugin.name ? plugin.name : "unnamed";
    const std::string origin = "plugin " + file + " (" + plugin_name + " " +
                               (plugin.version ? plugin.version : "") + ", ABI " + version + ")";
    // All checked before any is registered: a plugin loads whole or not at all.
    std::vector<PluginType> read(plugin.producer_count);
    for (std::uint32_t i = 0; i < plugin.producer_count; ++i) {
        if (Status s = read_desc(plugin.producers[i], read[i]); !s)
            return refuse(file, s.message());
        for (std::uint32_t k = 0; k < i; ++k)
            if (std::strcmp(read[k].desc.name, read[i].desc.name) == 0)
                return refuse(file, "offers two producers named '" +
                                        std::string(read[i].desc.name) + "'");
        if (const producers::ProducerEntry* same = producers::find(read[i].desc.name))
            return refuse(
                file, "its producer '" + std::string(read[i].desc.name) + "' has the name of " +
                          (same->origin.empty() ? std::string("a built-in producer")
                                                : "one offered by " + std::string(same->origin)));
    }
    for (PluginType& t : read) {
        t.file = file;
        t.origin = origin;
        PluginType& kept = types().emplace_back(std::move(t));
        producers::ProducerEntry e;
        e.name = kept.desc.name;
        e.description = kept.desc.description ? kept.desc.description : "";
        e.settings = kept.settings;
        e.defaults.interval_s = kept.desc.default_interval_s;
        e.defaults.iterations = kept.desc.default_iterations;
        e.make = &make_plugin_producer;
        e.context = &kept;
        e.origin = kept.origin;
        if (Status s = producers::add_entry(e); !s) { // checked above: a setting's key, then
            types().pop_back();
            return refuse(file, s.message());
        }
    }
    return Status::ok();
}

std::vector<std::string> plugin_files_in(std::string_view directories) {
    std::vector<std::string> out;
    while (true) {
        const std::size_t colon = directories.find(':');
        const std::string dir(directories.substr(0, colon));
        if (!dir.empty()) {
            std::vector<std::string> here;
            std::error_code ec;
            for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end;
                 it.increment(ec))
                if (it->path().extension() == ".so" && it->is_regular_file(ec))
                    here.push_back(it->path().string());
            std::sort(here.begin(), here.end());
            out.insert(out.end(), here.begin(), here.end());
        }
        if (colon == std::string_view::npos) break;
        directories.remove_prefix(colon + 1);
    }
    return out;
}

const std::string& plugin_file_of(std::string_view producer) {
    static const std::string none;
    for (const PluginType& t : types())
        if (producer == t.desc.name) return t.file;
    return none;
}

std::span<const std::string> live_settings_of(std::string_view producer) {
    for (const PluginType& t : types())
        if (producer == t.desc.name) return t.live;
    return {};
}

namespace {
void on_found(void* user, const char* spec, const char* description) {
    auto& list = *static_cast<std::pair<std::string, std::vector<FoundDevice>>*>(user);
    if (!spec || !*spec) return; // nothing the viewer could start
    list.second.push_back({list.first, spec, description ? description : ""});
}
} // namespace

std::vector<FoundDevice> discover_devices(std::vector<std::string>* searched) {
    static std::mutex serialised; // discover() never runs twice at once for one descriptor
    std::lock_guard lock(serialised);
    std::pair<std::string, std::vector<FoundDevice>> found;
    for (const PluginType& t : types()) {
        if (!t.desc.discover) continue;
        if (searched) searched->emplace_back(t.desc.name);
        found.first = t.desc.name;
        (void)t.desc.discover(t.desc.context, &on_found, &found);
    }
    return std::move(found.second);
}

Status apply_process_settings(producers::CreatedProducer& made) {
    if (made.isolate) {
        if (made.type == ChildSource::kExecName)
            return Status::error(made.type + ": isolate=process: exec runs in a process of its "
                                             "own already");
        const std::string description(made.producer->info().description);
        made.producer =
            make_isolated(made.type, description, made.child_spec, plugin_file_of(made.type),
                          made.restart, made.answer_timeout_s);
        made.schedule.iterations = 0; // the helper counts them; here frames come as they are sent
    }
    if (auto* child = dynamic_cast<ChildSource*>(made.producer.get())) {
        child->set_restart(made.restart);
        // The viewer's side never blocks its receive loop on a full pool (a frame it cannot
        // take is dropped and counted): blocked, its ZeroMQ receive queue fills, and a SUB
        // socket at its high-water mark drops what comes next (ZeroMQ's mute state), the last
        // frames' sequence marks too, so those losses went uncounted (found under ASan). The
        // policy applies where the frames are made: in the helper.
        made.schedule.policy = PoolPolicy::Drop;
    }
    return Status::ok();
}

std::string installed_plugin_dir() {
    if (const char* dir = std::getenv("RTV_PLUGIN_DIR")) return dir; // "": none
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    return (exe.parent_path().parent_path() / "lib" / "rtviewer" / "plugins").string();
}

void register_exec() {
    static const bool exec_added = [] { // the producer that runs any program (child_source.hpp)
        producers::ProducerEntry e;
        e.name = ChildSource::kExecName;
        e.description = ChildSource::kExecDescription;
        e.settings = ChildSource::exec_settings();
        e.make = &make_exec;
        return producers::add_entry(e).is_ok();
    }();
    (void)exec_added;
}

void load_all(const std::vector<std::string>& files, bool report, bool search_dirs) {
    register_exec();
    std::vector<std::string> all = files;
    if (const char* path = std::getenv("RTV_PLUGIN_PATH"); path && search_dirs) {
        const std::vector<std::string> found = plugin_files_in(path);
        all.insert(all.end(), found.begin(), found.end());
    }
    if (search_dirs) {
        const std::vector<std::string> installed = plugin_files_in(installed_plugin_dir());
        all.insert(all.end(), installed.begin(), installed.end());
    }
    static std::vector<std::filesystem::path> seen; // loaded or refused once per process
    for (const std::string& file : all) {
        std::error_code ec;
        std::filesystem::path key = std::filesystem::weakly_canonical(file, ec);
        if (ec) key = file;
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
        seen.push_back(key);
        // A path without a slash would make dlopen search the library path: load it from here.
        const std::string path = file.find('/') == std::string::npos ? "./" + file : file;
        if (Status s = load_plugin(path); !s) {
            producers::add_load_failure("plugin " + s.message());
            if (report) std::fprintf(stderr, "rtviewer: plugin %s\n", s.message().c_str());
        }
    }
}

} // namespace rtv::plugins

#pragma once
// A producer whose frames come from a child process: the viewer listens on a private ZeroMQ
// endpoint (ipc://, a socket file only this user can reach) with its zmq producer's own code,
// the existing, fuzzed wire path, and starts the child with RTV_ENDPOINT naming it.
//  - exec: any program (`command=...`, run by /bin/sh): a script using rtviewer.Publisher()
//    with no arguments feeds this viewer.
//  - isolate=process: a producer (built in or a plugin's) run by rtviewer-plugin-host, which
//    writes its frames into the shared-memory ring the clients use.
// The child's stdout and stderr lines go to the viewer's log with the producer's name. When it
// ends (an exit status, a signal: a segfault, an abort) the producer is marked failed with that
// reason, or with restart=N started again with back-off (0.5 s, doubling, at most 8 s), the
// restarts counted on its row. Messages that have no stream are counted on "<kind>/messages".
// An isolated producer's rows (its plugin's set_info) come from the helper on the same
// connection (wire/rows.hpp) onto this side's board, which the panel and the statistics read as
// they read an in-process plugin's; the changes the user pushes on that board go to the helper
// as lines on its standard input, those to its live settings again to a child started again. Stop
// reaches the child: SIGTERM, then SIGKILL after 1 s (within the viewer's stop deadline); the child
// also gets SIGKILL should the viewer die (PR_SET_PDEATHSIG), and any shared-memory segment it left
// is removed. No child outlives its producer. Thread: configure on main; run on the producer's own
// (a second thread reads the child's output and waits for its end).

#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/producer.hpp"
#include "core/producer_board.hpp"
#include "producers/settings.hpp"

namespace rtv::plugins {

class ChildSource final : public Producer {
public:
    // `kind`: the producer kind it stands for (info().name: its streams are named "kind/...");
    // `argv`: the program and its arguments (the endpoint is in RTV_ENDPOINT); `restart`: how
    // many times a failed child is started again.
    ChildSource(std::string kind, std::string description, std::vector<std::string> argv,
                unsigned restart);
    ~ChildSource() override;

    ProducerInfo info() const override { return {m_kind, m_description}; }
    Status configure(const ProducerConfig& config) override;
    // "<kind>/messages" only: the others are opened as frames come.
    std::vector<StreamRequest> streams() const override;
    void tick(FrameSink&, std::uint64_t) override {} // run() does the work
    void run(std::stop_token stop, FrameSink& sink) override;
    // An isolated producer's board (set_own_helper): the rows its helper sends, and the live
    // changes passed on to it; none for exec. Which of its settings are live the panel finds by
    // its name, as for the plugin in process (plugins::live_settings_of(info().name)).
    ProducerBoard* board() const override { return m_own_helper ? &m_board : nullptr; }
    // restart=N (the common setting, kept by the registry's caller).
    void set_restart(unsigned restart);
    // The child is rtviewer-plugin-host, which never shrinks its shared memory: its frames are
    // copied out of mappings (ZmqInput::map_shared_memory); it sends its producer's rows and
    // reads live changes from its standard input (board()). Thread: main, before start.
    void set_own_helper(bool on);
    // The keys of its live settings (plugins::live_settings_of its kind, as the panel finds
    // them): the changes to these that were passed on are passed again to a child started
    // again (other keys reach the plugin too, once). Thread: main, before start.
    void set_live_settings(std::vector<std::string> keys) { m_live = std::move(keys); }
    std::span<const std::string> live_settings() const { return m_live; }

    // The exec producer's registry entry: `exec:command=PROGRAM ARGS...` (command= last: it
    // takes the rest of the spec).
    static constexpr std::string_view kExecName = "exec";
    static constexpr std::string_view kExecDescription =
        "any program as a source: it gets RTV_ENDPOINT, and rtviewer.Publisher() with no "
        "arguments feeds this viewer";
    static std::span<const producers::SettingInfo> exec_settings();

    // The helper that runs an isolated producer: beside the viewer's executable.
    static std::string helper_path();

private:
    std::string m_kind, m_description;
    std::vector<std::string> m_argv;
    unsigned m_restart = 0;
    bool m_own_helper = false;
    mutable ProducerBoard m_board;
    int m_wake = -1; // eventfd: a change was pushed on m_board
    std::vector<std::string> m_live;
    std::vector<std::pair<std::string, std::string>> m_changed; // the watcher's: key, value
};

// exec as ProducerEntry::make wants it (configured by configure(): command=).
std::unique_ptr<Producer> make_exec(const void*);

// The producer `made` describes, run in rtviewer-plugin-host instead: `plugin_file` is the
// plugin that offers it (empty: a built-in).
std::unique_ptr<Producer> make_isolated(const std::string& kind, const std::string& description,
                                        const std::string& child_spec,
                                        const std::string& plugin_file, unsigned restart,
                                        double answer_timeout_s);

} // namespace rtv::plugins

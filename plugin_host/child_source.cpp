#include "plugin_host/child_source.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/clock.hpp"
#include "core/frame_sink.hpp"
#include "core/producer_host.hpp"
#include "plugin_host/plugin_loader.hpp"
#include "producers/zmq_input.hpp"
#include "wire/rows.hpp"

namespace rtv::plugins {

namespace {

// How long a child has to end after SIGTERM before SIGKILL: within the viewer's stop deadline,
// so that a producer with a child always stops in time.
constexpr double kTerminateS = 1.0;
static_assert(kTerminateS < ProducerHost::kStopDeadlineS);

constexpr std::array kExecSettings{
    producers::SettingInfo{"command", "(required)",
                           "the program and its arguments, run by /bin/sh; must come last: it "
                           "takes the rest of the spec, commas too"},
};

// A private endpoint: a socket file in the user's runtime directory (or /tmp), named after this
// process and a counter, so two sources never share one.
std::string private_endpoint() {
    static std::atomic<unsigned> next{0};
    const char* dir = std::getenv("XDG_RUNTIME_DIR");
    std::error_code ec;
    const std::string base = dir && *dir && std::filesystem::is_directory(dir, ec) ? dir : "/tmp";
    return "ipc://" + base + "/rtviewer-" + std::to_string(::getpid()) + "-" +
           std::to_string(next.fetch_add(1)) + ".sock";
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = ::sigabbrev_np(sig);
        return "killed by signal " + std::to_string(sig) + " (SIG" + (name ? name : "?") + ": " +
               ::strsignal(sig) + ")";
    }
    return "ended with status " + std::to_string(status);
}

// One running child: its pid, process group, output pipes and end, and (`with_input`) its
// standard input: a socket whose other end this side writes lines to (send_line).
class Child {
public:
    Child(const std::vector<std::string>& argv, const std::string& endpoint, bool with_input) {
        int out[2], err[2], in[2] = {-1, -1};
        if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
            throw std::runtime_error(std::string("cannot make a pipe: ") + std::strerror(errno));
        // A socket rather than a pipe: a line sent to a child that has gone fails with EPIPE
        // (MSG_NOSIGNAL) instead of raising SIGPIPE in the viewer.
        if (with_input && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
            throw std::runtime_error(std::string("cannot make a socket pair: ") +
                                     std::strerror(errno));
        std::vector<char*> args;
        for (const std::string& a : argv)
            args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        // Its environment, made before fork (the child may only make async-signal-safe calls):
        // this process's, with RTV_ENDPOINT naming the viewer's private endpoint.
        const std::string endpoint_var = "RTV_ENDPOINT=" + endpoint;
        std::vector<char*> env;
        for (char** e = environ; *e; ++e)
            if (!std::string_view(*e).starts_with("RTV_ENDPOINT=")) env.push_back(*e);
        env.push_back(const_cast<char*>(endpoint_var.c_str()));
        env.push_back(nullptr);
        const pid_t parent = ::getpid();
        m_pid = ::fork();
        if (m_pid < 0)
            throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
        if (m_pid == 0) {    // the child: only async-signal-safe calls until exec
            ::setpgid(0, 0); // its own group: stop reaches its children
            ::prctl(PR_SET_PDEATHSIG, SIGKILL); // the viewer gone (even killed): so is it
            if (::getppid() != parent) ::_exit(127);
            if (in[1] >= 0) ::dup2(in[1], STDIN_FILENO);
            ::dup2(out[1], STDOUT_FILENO);
            ::dup2(err[1], STDERR_FILENO);
            ::execve(args[0], args.data(), env.data());
            const char msg[] = "rtviewer: cannot start the program\n";
            (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
            ::_exit(127);
        }
        ::close(out[1]);
        ::close(err[1]);
        if (in[1] >= 0) ::close(in[1]);
        m_out = out[0];
        m_err = err[0];
        m_in = in[0];
        m_pidfd = static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0));
    }
    ~Child() {
        if (!m_reaped) {
            ::kill(-m_pid, SIGKILL);
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
        for (int fd : {m_out, m_err, m_in, m_pidfd})
            if (fd >= 0) ::close(fd);
        remove_shm();
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;

    // Forwards the child's lines to stderr as "rtviewer: WHO: line" until it has ended (its
    // end reaped here), keeping the last one for the failure message; calls `woken` whenever
    // the eventfd `wake` (-1: none) is signalled, after reading it. Thread: the watcher.
    template <class Woken> void watch(const std::string& who, int wake, Woken&& woken) {
        std::string partial[2];
        auto forward = [&](int which, const char* data, std::size_t n) {
            std::string& p = partial[which];
            p.append(data, n);
            for (std::size_t nl; (nl = p.find('\n')) != std::string::npos; p.erase(0, nl + 1))
                line(who, p.substr(0, nl));
            if (p.size() > 4096) { // a line without end: shown in pieces
                line(who, p);
                p.clear();
            }
        };
        bool open[2] = {true, true};
        char buf[4096];
        pollfd fds[4] = {
            {m_out, POLLIN, 0}, {m_err, POLLIN, 0}, {m_pidfd, POLLIN, 0}, {wake, POLLIN, 0}};
        while (!m_reaped.load()) {
            // Without a pidfd (an old kernel), its end is looked for every 100 ms.
            const int n = ::poll(fds, 4, m_pidfd >= 0 ? -1 : 100);
            if (n < 0 && errno != EINTR) break;
            if (wake >= 0 && (fds[3].revents & POLLIN)) {
                std::uint64_t count = 0;
                (void)!::read(wake, &count, sizeof count);
                woken();
            }
            for (int i = 0; i < 2; ++i) {
                if (!open[i] || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
                const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
                if (got > 0) {
                    forward(i, buf, std::size_t(got));
                } else { // closed: not polled again (a negative fd is skipped)
                    open[i] = false;
                    fds[i].fd = -1;
                }
            }
            if (m_pidfd < 0 || (fds[2].revents & POLLIN)) try_reap();
        }
        // What it wrote before it ended (not what a child of its own may still write).
        for (int i = 0; i < 2; ++i) {
            if (!open[i]) continue;
            ::fcntl(i == 0 ? m_out : m_err, F_SETFL, O_NONBLOCK);
            for (ssize_t got; (got = ::read(i == 0 ? m_out : m_err, buf, sizeof buf)) > 0;)
                forward(i, buf, std::size_t(got));
        }
        for (const std::string& p : partial)
            if (!p.empty()) line(who, p);
    }
    // SIGTERM to its group, then SIGKILL if it has not ended by `deadline_s`. Thread: producer.
    void terminate(double deadline_s) {
        if (m_reaped.load()) return;
        ::kill(-m_pid, SIGTERM);
        ::kill(m_pid, SIGTERM);
        const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(deadline_s));
        while (!m_reaped.load() && Clock::now() < deadline) {
            pollfd p{m_pidfd, POLLIN, 0};
            if (m_pidfd >= 0)
                ::poll(&p, 1, 20); // a bounded wait for the watcher to reap it
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (!m_reaped.load()) {
            ::kill(-m_pid, SIGKILL);
            ::kill(m_pid, SIGKILL);
        }
    }
    // Sends `line` to the child's standard input without waiting: false (with the reason in
    // `why`) when it has none, has gone, or has not read what it was sent (the socket's buffer,
    // some 200 KB, is full). Thread: the watcher.
    bool send_line(std::string_view line, std::string& why) {
        if (m_in < 0) {
            why = "it has no input";
            return false;
        }
        const ssize_t n = ::send(m_in, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n == ssize_t(line.size())) return true;
        why = n < 0 ? std::strerror(errno) : "sent in part";
        return false;
    }
    bool reaped() const { return m_reaped.load(); }
    pid_t pid() const { return m_pid; }
    int status() const { return m_status; }
    std::string last_line() const {
        std::lock_guard lock(m_mutex);
        return m_last;
    }
    // Shared-memory rings the child made (the clients' "rtv-PID-..." segments) and left.
    void remove_shm() const {
        const std::string prefix = "rtv-" + std::to_string(m_pid) + "-";
        std::error_code ec;
        for (std::filesystem::directory_iterator it("/dev/shm", ec), end; !ec && it != end;
             it.increment(ec))
            if (it->path().filename().string().starts_with(prefix))
                std::filesystem::remove(it->path(), ec);
    }

private:
    void try_reap() {
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_status = status;
            m_reaped.store(true);
        }
    }
    void line(const std::string& who, std::string text) {
        if (!text.empty() && text.back() == '\r') text.pop_back();
        std::fprintf(stderr, "rtviewer: %s: %s\n", who.c_str(), text.c_str());
        std::lock_guard lock(m_mutex);
        m_last = std::move(text);
    }

    pid_t m_pid = -1;
    int m_out = -1, m_err = -1, m_in = -1, m_pidfd = -1;
    std::atomic<bool> m_reaped{false};
    int m_status = 0; // written before m_reaped is set
    mutable std::mutex m_mutex;
    std::string m_last;
};

} // namespace

ChildSource::ChildSource(std::string kind, std::string description, std::vector<std::string> argv,
                         unsigned restart)
    : m_kind(std::move(kind))
    , m_description(std::move(description))
    , m_argv(std::move(argv))
    , m_restart(restart)
    , m_wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (m_wake < 0)
        throw std::runtime_error(std::string("eventfd failed: ") + std::strerror(errno));
}

ChildSource::~ChildSource() {
    ::close(m_wake);
}

std::vector<StreamRequest> ChildSource::streams() const {
    // Counts the messages that have no stream to be counted on (the zmq producer's first
    // stream, as its zmq/messages): a bad one before the first frame has somewhere to go.
    StreamRequest r;
    r.name = m_kind + "/messages";
    r.kind = FrameKind::Lines;
    r.lines = {1, 1};
    r.slots = 1;
    return {r};
}

void ChildSource::set_own_helper(bool on) {
    m_own_helper = on;
    // A change pushed on the board (the panel's) wakes the watcher, which passes it on.
    m_board.on_change(on ? +[](void* self) {
        const std::uint64_t one = 1;
        (void)!::write(static_cast<ChildSource*>(self)->m_wake, &one, sizeof one);
    } : nullptr, this);
}

std::span<const producers::SettingInfo> ChildSource::exec_settings() {
    return kExecSettings;
}

Status ChildSource::configure(const ProducerConfig& config) {
    const auto it = config.find("command");
    if (it == config.end() || it->second.empty()) {
        if (!m_argv.empty()) return Status::ok(); // isolated: made with its program
        return Status::error("exec: command is required, e.g. exec:command=python3 source.py");
    }
    // exec replaces the shell: the program's pid is the child's (its shared memory is found).
    m_argv = {"/bin/sh", "-c", "exec " + it->second};
    return Status::ok();
}

void ChildSource::set_restart(unsigned restart) {
    m_restart = restart;
}

std::string ChildSource::helper_path() {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return (exe.parent_path() / "rtviewer-plugin-host").string();
}

void ChildSource::run(std::stop_token stop, FrameSink& sink) {
    const std::string endpoint = private_endpoint();
    producers::ZmqInput input;
    if (Status s = input.configure({{"bind", endpoint}}); !s) throw std::runtime_error(s.message());
    input.map_shared_memory(m_own_helper);
    if (m_own_helper) input.take_rows(&m_board);
    // Passes the changes waiting on the board to `child` (its standard input), keeping each live
    // setting's newest value for a child started again. Thread: the watcher.
    const auto pass_changes = [this](Child& child) {
        std::array<char, ProducerBoard::kKeyBytes> key{};
        std::array<char, ProducerBoard::kValueBytes> value{};
        std::string why;
        while (m_board.next_change(key, value)) {
            const std::string_view k = key.data();
            auto kept = std::find_if(m_changed.begin(), m_changed.end(),
                                     [&](const auto& c) { return c.first == k; });
            if (kept != m_changed.end())
                kept->second = value.data();
            else if (std::find(m_live.begin(), m_live.end(), k) != m_live.end())
                m_changed.emplace_back(k, value.data()); // at most one per live setting
            if (!child.send_line(wire::encode_change(key.data(), value.data()), why))
                std::fprintf(stderr, "rtviewer: %s: the live change %s=%s was not passed on: %s\n",
                             m_kind.c_str(), key.data(), value.data(), why.c_str());
        }
    };
    double backoff_s = 0.5;
    for (unsigned restarts = 0;; ++restarts) {
        std::string why;
        {
            Child child(m_argv, endpoint, m_own_helper);
            m_board.assign({}); // this child's rows, as it sends them
            std::fprintf(stderr, "rtviewer: %s: started %s (pid %d)\n", m_kind.c_str(),
                         m_argv[0] == "/bin/sh" ? "its program" : m_argv[0].c_str(),
                         int(child.pid()));
            // The child's end: the zmq loop then reads what it sent last (drain_when) and ends.
            std::stop_source ended;
            input.drain_when(ended.get_token());
            std::thread watcher([&] {
                if (m_own_helper) {
                    std::string unsent;
                    for (const auto& [key, value] : m_changed) // as the last child had them
                        if (!child.send_line(wire::encode_change(key, value), unsent)) break;
                    pass_changes(child);
                }
                child.watch(m_kind, m_own_helper ? m_wake : -1, [&] { pass_changes(child); });
                ended.request_stop();
            });
            struct Reap { // however the loop below ends: the child is ended and reaped
                Child& child;
                std::thread& watcher;
                ~Reap() {
                    child.terminate(kTerminateS);
                    watcher.join();
                }
            };
            {
                Reap reap{child, watcher};
                input.run(stop, sink); // the zmq producer's loop: until stop, or drained
            }
            if (stop.stop_requested()) return;
            if (WIFEXITED(child.status()) && WEXITSTATUS(child.status()) == 0) return; // ended
            why = describe_status(child.status());
            if (const std::string last = child.last_line(); !last.empty())
                why += " (its last line: " + last + ")";
        } // the child reaped and its shared memory removed
        if (restarts >= m_restart) throw std::runtime_error(why);
        sink.status().count_restart();
        std::fprintf(stderr, "rtviewer: %s: %s; starting it again in %.1f s (restart %u of %u)\n",
                     m_kind.c_str(), why.c_str(), backoff_s, restarts + 1, m_restart);
        if (!sink.sleep_for(backoff_s)) return;
        backoff_s = std::min(backoff_s * 2.0, 8.0);
    }
}

std::unique_ptr<Producer> make_exec(const void*) {
    return std::make_unique<ChildSource>(std::string(ChildSource::kExecName),
                                         std::string(ChildSource::kExecDescription),
                                         std::vector<std::string>{}, 0);
}

std::unique_ptr<Producer> make_isolated(const std::string& kind, const std::string& description,
                                        const std::string& child_spec,
                                        const std::string& plugin_file, unsigned restart,
                                        double answer_timeout_s) {
    char timeout[32];
    std::snprintf(timeout, sizeof timeout, "%g", answer_timeout_s);
    std::vector<std::string> argv{ChildSource::helper_path(), "--producer", child_spec,
                                  "--answer-timeout", timeout};
    if (!plugin_file.empty()) {
        argv.push_back("--plugin");
        argv.push_back(plugin_file);
    }
    auto child = std::make_unique<ChildSource>(kind, description, std::move(argv), restart);
    child->set_own_helper(true);
    const std::span<const std::string> live = live_settings_of(kind);
    child->set_live_settings({live.begin(), live.end()});
    return child;
}

} // namespace rtv::plugins

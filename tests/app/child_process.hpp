#pragma once
// A child process for end-to-end tests: rtviewer (or any program) with its stdout on a pipe, so
// that a test can wait for a line it prints (a blocking read: no sleeps) before it acts.

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace rtv::test {

struct Child {
    pid_t pid = -1;
    int out = -1;
    std::string stdout_text;

    explicit Child(const std::vector<std::string>& args, const char* program = RTV_VIEWER_PATH) {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::dup2(fds[1], STDOUT_FILENO);
            ::close(fds[0]);
            ::close(fds[1]);
            std::vector<char*> argv{const_cast<char*>(program)};
            for (const std::string& a : args)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            ::execv(program, argv.data());
            ::_exit(127);
        }
        ::close(fds[1]);
        out = fds[0];
    }
    ~Child() {
        if (out >= 0) ::close(out);
        if (pid > 0) { // a failed test: do not leave the viewer running
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    // Reads stdout until it holds `text`; false at end of file (the process is gone).
    bool wait_for(const std::string& text) {
        char buf[512];
        while (stdout_text.find(text) == std::string::npos) {
            const ssize_t n = ::read(out, buf, sizeof buf);
            if (n <= 0) return false;
            stdout_text.append(buf, std::size_t(n));
        }
        return true;
    }
    // Reads stdout to its end and reaps the process: its exit status, or -1 if a signal killed it.
    int finish() {
        wait_for("\x01never printed\x01");
        int raw = 0;
        ::waitpid(pid, &raw, 0);
        pid = -1;
        return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    }
    // finish(), but a process still running after `seconds` is killed: -2 then. A hang
    // detector for tests of prompt exits.
    int finish_within(int seconds) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        char buf[512];
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            pollfd p{out, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&p, 1, int(left.count())) == 0) {
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
                pid = -1;
                return -2;
            }
            const ssize_t n = ::read(out, buf, sizeof buf);
            if (n <= 0) break; // end of file: the process is going
            stdout_text.append(buf, std::size_t(n));
        }
        return finish();
    }
};

} // namespace rtv::test

#pragma once
// The test process's own stderr, read while a plugin in it writes there (the host's log()): a
// test waits for a line with a deadline instead of sleeping.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include <doctest/doctest.h>
#include <poll.h>
#include <unistd.h>

namespace rtv::test {

class StderrCapture {
public:
    StderrCapture() {
        int fds[2];
        REQUIRE(::pipe(fds) == 0);
        m_saved = ::dup(STDERR_FILENO);
        ::dup2(fds[1], STDERR_FILENO);
        ::close(fds[1]);
        m_read = fds[0];
        m_reader = std::thread([this] {
            char buf[512];
            for (;;) {
                const ssize_t n = ::read(m_read, buf, sizeof buf);
                if (n <= 0) break;
                std::lock_guard lock(m_mutex);
                m_text.append(buf, std::size_t(n));
                m_changed.notify_all();
            }
        });
    }
    ~StderrCapture() {
        ::dup2(m_saved, STDERR_FILENO); // the pipe's last writer goes: the reader sees its end
        ::close(m_saved);
        m_reader.join();
        ::close(m_read);
        // What was captured goes on to the real stderr, for a failing test's output.
        const std::string all = text();
        if (::write(STDERR_FILENO, all.data(), all.size()) < 0) {
        }
    }
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;

    std::string text() const {
        std::lock_guard lock(m_mutex);
        return m_text;
    }
    // True once stderr holds `part` (from offset `from` on); false after `seconds`.
    bool wait_for(const std::string& part, double seconds, std::size_t from = 0) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, std::chrono::duration<double>(seconds), [&] {
            return m_text.size() > from && m_text.find(part, from) != std::string::npos;
        });
    }
    std::size_t size() const {
        std::lock_guard lock(m_mutex);
        return m_text.size();
    }

private:
    int m_saved = -1;
    int m_read = -1;
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    std::string m_text;
    std::thread m_reader;
};

} // namespace rtv::test

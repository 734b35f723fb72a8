#pragma once
// What a running producer shows about itself and what the user asks of it while it runs: a
// bounded table of read-only rows (its camera's model, serial, pixel format, the exposure it
// reports...) and a bounded queue of changes to its live settings, the newest value per key.
// Rows are written by the producer's threads and read by the main thread (the panel, the
// statistics); changes go the other way. A mutex guards both, held only to copy a few hundred
// bytes: the GUI never waits on a producer's work.
//
// Thread: any, for every function. Allocates: never (fixed-size tables, text cut to fit).

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string_view>

namespace rtv {

class ProducerBoard {
public:
    static constexpr std::size_t kMaxRows = 24;
    static constexpr std::size_t kKeyBytes = 32;    // with the terminating NUL
    static constexpr std::size_t kValueBytes = 128; // with the terminating NUL
    static constexpr std::size_t kMaxChanges = 16;  // distinct keys waiting

    struct Row {
        std::array<char, kKeyBytes> key{};     // NUL-terminated
        std::array<char, kValueBytes> value{}; // NUL-terminated
        std::string_view key_view() const { return key.data(); }
        std::string_view value_view() const { return value.data(); }
    };

    enum class SetResult : std::uint8_t {
        Set,       // added, changed or removed
        Full,      // a new key past kMaxRows: ignored, the first time (the caller says so)
        FullAgain, // ignored again (said already)
        EmptyKey   // ignored: no key
    };

    // Sets the row `key` to `value` (both cut to fit); a null `value` removes the row.
    SetResult set(std::string_view key, const char* value);
    SetResult set(std::string_view key, std::string_view value);
    // Bumped by every change of the rows: a reader copies them again only when it moved.
    std::uint64_t version() const;
    // Copies the rows, in the order they were first set, into `out`; returns how many.
    std::size_t copy(std::span<Row> out, std::uint64_t* version = nullptr) const;
    // The value of one row into `out` (cut to fit); false when there is no such row.
    bool value_of(std::string_view key, std::span<char> out) const;
    // Replaces every row with `rows` (the first kMaxRows; each key and value NUL-terminated in
    // its array): how an isolated producer's rows, sent from its process, reach the viewer's
    // board. The version moves only when the rows differ from those shown.
    void assign(std::span<const Row> rows);

    // Queues a change of a live setting; a key already waiting takes the new value in its
    // place. False (nothing queued) when kMaxChanges other keys wait, or the key is empty.
    bool push_change(std::string_view key, std::string_view value);
    // Takes the oldest waiting change into the buffers (cut to fit, NUL-terminated); false when
    // none waits (or a buffer is of size 0).
    bool next_change(std::span<char> key, std::span<char> value);
    // Changes waiting.
    std::size_t changes_waiting() const;
    // Called (without the board's lock) after every push_change that queued a change: an
    // isolated producer's side is woken to pass it on to its process. It must not block.
    // Thread: before the board is shared (no other thread uses it yet).
    using ChangeHook = void (*)(void* user);
    void on_change(ChangeHook hook, void* user) {
        m_hook = hook;
        m_hook_user = user;
    }

private:
    mutable std::mutex m_mutex;
    std::array<Row, kMaxRows> m_rows{};
    std::size_t m_count = 0;
    std::uint64_t m_version = 0;
    bool m_full_said = false;
    std::array<Row, kMaxChanges> m_changes{}; // oldest first
    std::size_t m_change_count = 0;
    ChangeHook m_hook = nullptr;
    void* m_hook_user = nullptr;
};

} // namespace rtv

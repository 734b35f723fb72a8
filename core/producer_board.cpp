#include "core/producer_board.hpp"

#include <algorithm>
#include <cstring>

namespace rtv {

namespace {

// Copies `text` into `out` cut to fit, NUL-terminated (a zero-sized `out` is left alone).
void put(std::span<char> out, std::string_view text) {
    if (out.empty()) return;
    const std::size_t n = std::min(text.size(), out.size() - 1);
    std::memcpy(out.data(), text.data(), n);
    out[n] = '\0';
}

// A key as it is kept: cut to fit the row, so that a long key set twice finds its row again.
std::string_view kept_key(std::string_view key) {
    return key.substr(0, std::min(key.size(), ProducerBoard::kKeyBytes - 1));
}

} // namespace

ProducerBoard::SetResult ProducerBoard::set(std::string_view key, const char* value) {
    if (!value) {
        key = kept_key(key);
        std::lock_guard lock(m_mutex);
        for (std::size_t i = 0; i < m_count; ++i)
            if (m_rows[i].key_view() == key) {
                std::move(m_rows.begin() + std::ptrdiff_t(i) + 1,
                          m_rows.begin() + std::ptrdiff_t(m_count),
                          m_rows.begin() + std::ptrdiff_t(i));
                --m_count;
                ++m_version;
                break;
            }
        return SetResult::Set;
    }
    return set(key, std::string_view(value));
}

ProducerBoard::SetResult ProducerBoard::set(std::string_view key, std::string_view value) {
    key = kept_key(key);
    if (key.empty()) return SetResult::EmptyKey;
    std::lock_guard lock(m_mutex);
    Row* row = nullptr;
    for (std::size_t i = 0; i < m_count && !row; ++i)
        if (m_rows[i].key_view() == key) row = &m_rows[i];
    if (!row) {
        if (m_count == kMaxRows) {
            const bool said = m_full_said;
            m_full_said = true;
            return said ? SetResult::FullAgain : SetResult::Full;
        }
        row = &m_rows[m_count++];
        put(row->key, key);
    }
    put(row->value, value);
    ++m_version;
    return SetResult::Set;
}

std::uint64_t ProducerBoard::version() const {
    std::lock_guard lock(m_mutex);
    return m_version;
}

std::size_t ProducerBoard::copy(std::span<Row> out, std::uint64_t* version) const {
    std::lock_guard lock(m_mutex);
    const std::size_t n = std::min(out.size(), m_count);
    std::copy_n(m_rows.begin(), n, out.begin());
    if (version) *version = m_version;
    return n;
}

bool ProducerBoard::value_of(std::string_view key, std::span<char> out) const {
    key = kept_key(key);
    std::lock_guard lock(m_mutex);
    for (std::size_t i = 0; i < m_count; ++i)
        if (m_rows[i].key_view() == key) {
            put(out, m_rows[i].value_view());
            return true;
        }
    return false;
}

void ProducerBoard::assign(std::span<const Row> rows) {
    rows = rows.first(std::min(rows.size(), kMaxRows));
    std::lock_guard lock(m_mutex);
    bool same = rows.size() == m_count;
    for (std::size_t i = 0; i < rows.size() && same; ++i)
        same = m_rows[i].key_view() == rows[i].key_view() &&
               m_rows[i].value_view() == rows[i].value_view();
    if (same) return;
    for (std::size_t i = 0; i < rows.size(); ++i) { // cut to fit, as set() keeps them
        put(m_rows[i].key, kept_key(rows[i].key_view()));
        put(m_rows[i].value, rows[i].value_view());
    }
    m_count = rows.size();
    ++m_version;
}

bool ProducerBoard::push_change(std::string_view key, std::string_view value) {
    key = kept_key(key);
    if (key.empty()) return false;
    {
        std::lock_guard lock(m_mutex);
        Row* r = nullptr;
        for (std::size_t i = 0; i < m_change_count && !r; ++i)
            if (m_changes[i].key_view() == key) r = &m_changes[i];
        if (!r) {
            if (m_change_count == kMaxChanges) return false;
            r = &m_changes[m_change_count++];
            put(r->key, key);
        }
        put(r->value, value);
    }
    if (m_hook) m_hook(m_hook_user);
    return true;
}

bool ProducerBoard::next_change(std::span<char> key, std::span<char> value) {
    if (key.empty() || value.empty()) return false;
    std::lock_guard lock(m_mutex);
    if (m_change_count == 0) return false;
    put(key, m_changes[0].key_view());
    put(value, m_changes[0].value_view());
    std::move(m_changes.begin() + 1, m_changes.begin() + std::ptrdiff_t(m_change_count),
              m_changes.begin());
    --m_change_count;
    return true;
}

std::size_t ProducerBoard::changes_waiting() const {
    std::lock_guard lock(m_mutex);
    return m_change_count;
}

} // namespace rtv

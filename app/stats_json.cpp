#include "app/stats_json.hpp"

#include <cmath>
#include <cstdio>

namespace rtv::app {

void JsonWriter::escaped(std::string_view s) {
    m_text += '"';
    for (const char c : s) {
        switch (c) {
        case '"':
            m_text += "\\\"";
            break;
        case '\\':
            m_text += "\\\\";
            break;
        case '\n':
            m_text += "\\n";
            break;
        case '\r':
            m_text += "\\r";
            break;
        case '\t':
            m_text += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                m_text += buf;
            } else {
                m_text += c;
            }
        }
    }
    m_text += '"';
}

void JsonWriter::key(std::string_view k) {
    if (!m_first) m_text += ',';
    m_first = false;
    if (!k.empty()) {
        escaped(k);
        m_text += ':';
    }
}

JsonWriter& JsonWriter::begin_object(std::string_view k) {
    key(k);
    m_text += '{';
    m_first = true;
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    m_text += '}';
    m_first = false;
    return *this;
}

JsonWriter& JsonWriter::begin_array(std::string_view k) {
    key(k);
    m_text += '[';
    m_first = true;
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    m_text += ']';
    m_first = false;
    return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, std::string_view value) {
    key(k);
    escaped(value);
    return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, double value) {
    key(k);
    if (!std::isfinite(value)) {
        m_text += "null";
        return *this;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", value);
    m_text += buf;
    return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, std::uint64_t value) {
    key(k);
    m_text += std::to_string(value);
    return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, std::int64_t value) {
    key(k);
    m_text += std::to_string(value);
    return *this;
}

JsonWriter& JsonWriter::field(std::string_view k, bool value) {
    key(k);
    m_text += value ? "true" : "false";
    return *this;
}

} // namespace rtv::app

#pragma once
// A small JSON writer for --stats-json (strings escaped, numbers finite). Thread: main.

#include <cstdint>
#include <string>
#include <string_view>

namespace rtv::app {

class JsonWriter {
public:
    JsonWriter& begin_object(std::string_view key = {});
    JsonWriter& end_object();
    JsonWriter& begin_array(std::string_view key);
    JsonWriter& end_array();
    JsonWriter& field(std::string_view key, std::string_view value);
    JsonWriter& field(std::string_view key, const char* value) {
        return field(key, std::string_view(value));
    }
    JsonWriter& field(std::string_view key, double value);
    JsonWriter& field(std::string_view key, std::uint64_t value);
    JsonWriter& field(std::string_view key, std::int64_t value);
    JsonWriter& field(std::string_view key, bool value);
    const std::string& text() const { return m_text; }

private:
    void key(std::string_view k);
    void escaped(std::string_view s);
    std::string m_text;
    bool m_first = true;
};

} // namespace rtv::app

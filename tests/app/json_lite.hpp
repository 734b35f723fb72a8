#pragma once
// A small strict JSON reader for checking --stats-json output in tests (objects, arrays,
// strings with escapes, numbers, true/false/null). Not a general-purpose library.

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace rtv::test {

struct Json {
    enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
    bool boolean = false;
    double number = 0.0;
    std::string string;
    std::vector<Json> array;
    std::map<std::string, Json> object;

    bool has(const std::string& key) const { return object.count(key) != 0; }
    const Json& operator[](const std::string& key) const { return object.at(key); }
};

class JsonParser {
public:
    explicit JsonParser(std::string text)
        : m_s(std::move(text)) {}
    // False if the text is not exactly one valid JSON value.
    bool parse(Json& out) {
        if (!value(out)) return false;
        ws();
        return m_i == m_s.size();
    }

private:
    void ws() {
        while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i])))
            ++m_i;
    }
    bool literal(const char* word) {
        const std::string w(word);
        if (m_s.compare(m_i, w.size(), w) != 0) return false;
        m_i += w.size();
        return true;
    }
    bool str(std::string& out) {
        if (m_i >= m_s.size() || m_s[m_i] != '"') return false;
        ++m_i;
        while (m_i < m_s.size() && m_s[m_i] != '"') {
            char c = m_s[m_i++];
            if (static_cast<unsigned char>(c) < 0x20) return false;
            if (c == '\\') {
                if (m_i >= m_s.size()) return false;
                const char e = m_s[m_i++];
                switch (e) {
                case '"':
                case '\\':
                case '/':
                    c = e;
                    break;
                case 'n':
                    c = '\n';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 'b':
                    c = '\b';
                    break;
                case 'f':
                    c = '\f';
                    break;
                case 'u':
                    if (m_i + 4 > m_s.size()) return false;
                    c = static_cast<char>(std::strtol(m_s.substr(m_i, 4).c_str(), nullptr, 16));
                    m_i += 4;
                    break;
                default:
                    return false;
                }
            }
            out += c;
        }
        if (m_i >= m_s.size()) return false;
        ++m_i;
        return true;
    }
    bool value(Json& v) {
        ws();
        if (m_i >= m_s.size()) return false;
        const char c = m_s[m_i];
        if (c == '{') {
            v.type = Json::Type::Object;
            ++m_i;
            ws();
            if (m_i < m_s.size() && m_s[m_i] == '}') return ++m_i, true;
            for (;;) {
                ws();
                std::string key;
                if (!str(key)) return false;
                ws();
                if (m_i >= m_s.size() || m_s[m_i++] != ':') return false;
                Json child;
                if (!value(child)) return false;
                v.object[key] = std::move(child);
                ws();
                if (m_i >= m_s.size()) return false;
                if (m_s[m_i] == ',') {
                    ++m_i;
                    continue;
                }
                if (m_s[m_i] == '}') return ++m_i, true;
                return false;
            }
        }
        if (c == '[') {
            v.type = Json::Type::Array;
            ++m_i;
            ws();
            if (m_i < m_s.size() && m_s[m_i] == ']') return ++m_i, true;
            for (;;) {
                Json child;
                if (!value(child)) return false;
                v.array.push_back(std::move(child));
                ws();
                if (m_i >= m_s.size()) return false;
                if (m_s[m_i] == ',') {
                    ++m_i;
                    continue;
                }
                if (m_s[m_i] == ']') return ++m_i, true;
                return false;
            }
        }
        if (c == '"') {
            v.type = Json::Type::String;
            return str(v.string);
        }
        if (literal("true")) return v.type = Json::Type::Bool, v.boolean = true, true;
        if (literal("false")) return v.type = Json::Type::Bool, v.boolean = false, true;
        if (literal("null")) return v.type = Json::Type::Null, true;
        const char* begin = m_s.c_str() + m_i;
        char* end = nullptr;
        v.number = std::strtod(begin, &end);
        if (end == begin) return false;
        v.type = Json::Type::Number;
        m_i += static_cast<std::size_t>(end - begin);
        return true;
    }
    std::string m_s;
    std::size_t m_i = 0;
};

} // namespace rtv::test

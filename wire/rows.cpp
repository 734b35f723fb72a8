#include "wire/rows.hpp"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

namespace rtv::wire {

namespace {

// `text` with each byte that is not part of a well-formed UTF-8 character (a Latin-1 byte, a
// character the board cut in two) as '?': JSON needs UTF-8, and the text keeps its length, so
// that it still fits the board's row when it arrives.
std::string utf8_or_question(std::string_view text) {
    std::string out(text);
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(out[i]); };
    const auto within = [&](std::size_t i, unsigned lo, unsigned hi) {
        return i < out.size() && byte(i) >= lo && byte(i) <= hi;
    };
    for (std::size_t i = 0; i < out.size();) {
        const unsigned b = byte(i);
        std::size_t n = 0; // the character's length when well formed
        if (b < 0x80)
            n = 1;
        else if (b >= 0xc2 && b <= 0xdf)
            n = within(i + 1, 0x80, 0xbf) ? 2 : 0;
        else if (b >= 0xe0 && b <= 0xef)
            n = within(i + 1, b == 0xe0 ? 0xa0 : 0x80, b == 0xed ? 0x9f : 0xbf) &&
                        within(i + 2, 0x80, 0xbf)
                    ? 3
                    : 0;
        else if (b >= 0xf0 && b <= 0xf4)
            n = within(i + 1, b == 0xf0 ? 0x90 : 0x80, b == 0xf4 ? 0x8f : 0xbf) &&
                        within(i + 2, 0x80, 0xbf) && within(i + 3, 0x80, 0xbf)
                    ? 4
                    : 0;
        if (n == 0) {
            out[i++] = '?';
            continue;
        }
        i += n;
    }
    return out;
}

} // namespace

std::string encode_rows(std::span<const ProducerBoard::Row> rows) {
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t i = 0; i < rows.size() && i < ProducerBoard::kMaxRows; ++i)
        list.push_back(
            {utf8_or_question(rows[i].key_view()), utf8_or_question(rows[i].value_view())});
    return nlohmann::json{{"rows", std::move(list)}}.dump();
}

Status decode_rows(std::span<const std::byte> json,
                   std::span<ProducerBoard::Row, ProducerBoard::kMaxRows> out, std::size_t& count) {
    count = 0;
    if (json.size() > kMaxRowsBytes)
        return Status::error("is " + std::to_string(json.size()) + " bytes, expected at most " +
                             std::to_string(kMaxRowsBytes));
    const auto* text = reinterpret_cast<const char*>(json.data());
    const nlohmann::json j = nlohmann::json::parse(text, text + json.size(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::error("is not a JSON object");
    const auto rows = j.find("rows");
    if (rows == j.end() || !rows->is_array()) return Status::error("has no \"rows\" array");
    if (rows->size() > ProducerBoard::kMaxRows)
        return Status::error("has " + std::to_string(rows->size()) + " rows, expected at most " +
                             std::to_string(ProducerBoard::kMaxRows));
    for (const nlohmann::json& row : *rows) {
        if (!row.is_array() || row.size() != 2 || !row[0].is_string() || !row[1].is_string())
            return Status::error("has a row that is not [key, value] (two strings)");
        const std::string& key = row[0].get_ref<const std::string&>();
        const std::string& value = row[1].get_ref<const std::string&>();
        // A NUL would end the text early on the board: no key or value holds one.
        if (key.empty() || key.find('\0') != std::string::npos)
            return Status::error("has a row without a key");
        if (key.size() >= ProducerBoard::kKeyBytes)
            return Status::error("has a key of " + std::to_string(key.size()) +
                                 " bytes, expected at most " +
                                 std::to_string(ProducerBoard::kKeyBytes - 1));
        if (value.size() >= ProducerBoard::kValueBytes || value.find('\0') != std::string::npos)
            return Status::error("has a value of " + std::to_string(value.size()) +
                                 " bytes (or a NUL), expected at most " +
                                 std::to_string(ProducerBoard::kValueBytes - 1));
        for (std::size_t i = 0; i < count; ++i)
            if (out[i].key_view() == key) return Status::error("has the key '" + key + "' twice");
        ProducerBoard::Row& r = out[count++];
        std::memcpy(r.key.data(), key.data(), key.size());
        r.key[key.size()] = '\0';
        std::memcpy(r.value.data(), value.data(), value.size());
        r.value[value.size()] = '\0';
    }
    return Status::ok();
}

std::string encode_change(std::string_view key, std::string_view value) {
    key = key.substr(0, std::min(key.size(), ProducerBoard::kKeyBytes - 1));
    value = value.substr(0, std::min(value.size(), ProducerBoard::kValueBytes - 1));
    return nlohmann::json{{"set", utf8_or_question(key)}, {"value", utf8_or_question(value)}}
               .dump() +
           '\n';
}

Status decode_change(std::string_view line, std::string& key, std::string& value) {
    if (line.size() > kMaxChangeLine)
        return Status::error("is " + std::to_string(line.size()) + " bytes, expected at most " +
                             std::to_string(kMaxChangeLine));
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::error("is not a JSON object");
    const auto k = j.find("set");
    const auto v = j.find("value");
    if (k == j.end() || !k->is_string() || v == j.end() || !v->is_string())
        return Status::error("is not {\"set\": KEY, \"value\": VALUE} (two strings)");
    key = k->get<std::string>();
    value = v->get<std::string>();
    if (key.empty() || key.size() >= ProducerBoard::kKeyBytes)
        return Status::error("has a key of " + std::to_string(key.size()) +
                             " bytes, expected 1 to " +
                             std::to_string(ProducerBoard::kKeyBytes - 1));
    if (value.size() >= ProducerBoard::kValueBytes)
        return Status::error("has a value of " + std::to_string(value.size()) +
                             " bytes, expected at most " +
                             std::to_string(ProducerBoard::kValueBytes - 1));
    return Status::ok();
}

} // namespace rtv::wire

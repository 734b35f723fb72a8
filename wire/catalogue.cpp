#include "wire/catalogue.hpp"

#include <cinttypes>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "wire/message.hpp"

namespace rtv::wire {

std::string encode_catalogue(const Catalogue& c) {
    char id[17];
    std::snprintf(id, sizeof id, "%016" PRIx64, c.publisher);
    nlohmann::json streams = nlohmann::json::array();
    for (std::size_t i = 0; i < c.streams.size() && i < kMaxCatalogueStreams; ++i) {
        const CatalogueEntry& e = c.streams[i];
        nlohmann::json s = {{"name", e.name}};
        if (!e.shape.empty()) s["shape"] = e.shape;
        if (!e.dtype.empty()) s["dtype"] = e.dtype;
        if (e.per_s >= 0.0) s["per_s"] = e.per_s;
        streams.push_back(std::move(s));
    }
    return nlohmann::json{{"catalogue", 1}, {"publisher", id}, {"streams", std::move(streams)}}
        .dump();
}

Status decode_catalogue(std::span<const std::byte> json, Catalogue& out) {
    if (json.size() > kMaxCatalogueBytes)
        return Status::error("catalogue is " + std::to_string(json.size()) +
                             " bytes, expected at most " + std::to_string(kMaxCatalogueBytes));
    const auto* text = reinterpret_cast<const char*>(json.data());
    const nlohmann::json j = nlohmann::json::parse(text, text + json.size(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::error("catalogue is not a JSON object");
    const auto version = j.find("catalogue");
    if (version == j.end() || !version->is_number_integer() || version->get<int>() != 1)
        return Status::error("catalogue has no \"catalogue\": 1");
    out = Catalogue{};
    if (const auto id = j.find("publisher"); id != j.end() && id->is_string()) {
        const std::string& hex = id->get_ref<const std::string&>();
        char* end = nullptr;
        out.publisher = std::strtoull(hex.c_str(), &end, 16);
        if (hex.empty() || hex.size() > 16 || *end)
            return Status::error("catalogue's publisher is not 1..16 hex digits");
    }
    const auto streams = j.find("streams");
    if (streams == j.end() || !streams->is_array())
        return Status::error("catalogue has no \"streams\" array");
    if (streams->size() > kMaxCatalogueStreams)
        return Status::error("catalogue lists " + std::to_string(streams->size()) +
                             " streams, expected at most " + std::to_string(kMaxCatalogueStreams));
    out.streams.reserve(streams->size());
    for (const nlohmann::json& s : *streams) {
        const auto name = s.is_object() ? s.find("name") : s.end();
        if (!s.is_object() || name == s.end() || !name->is_string() ||
            !valid_stream_name(name->get_ref<const std::string&>()))
            return Status::error("catalogue has a stream without a valid name (1.." +
                                 std::to_string(kMaxStreamName) + " printable ASCII bytes)");
        CatalogueEntry e;
        e.name = name->get<std::string>();
        if (const auto shape = s.find("shape"); shape != s.end() && shape->is_array())
            for (const nlohmann::json& d : *shape)
                if (d.is_number_unsigned() && e.shape.size() < 3)
                    e.shape.push_back(d.get<std::uint64_t>());
        if (const auto dtype = s.find("dtype"); dtype != s.end() && dtype->is_string() &&
                                                dtype->get_ref<const std::string&>().size() <= 8)
            e.dtype = dtype->get<std::string>();
        if (const auto per_s = s.find("per_s"); per_s != s.end() && per_s->is_number())
            e.per_s = per_s->get<double>();
        out.streams.push_back(std::move(e));
    }
    return Status::ok();
}

std::string describe(const CatalogueEntry& e) {
    std::string out;
    for (std::size_t i = 0; i < e.shape.size(); ++i)
        out += (i ? "x" : "") + std::to_string(e.shape[i]);
    if (!e.dtype.empty()) out += (out.empty() ? "" : " ") + e.dtype;
    if (e.per_s >= 0.0) {
        char rate[32];
        std::snprintf(rate, sizeof rate, "%s%.1f/s", out.empty() ? "" : " ", e.per_s);
        out += rate;
    }
    return out;
}

} // namespace rtv::wire

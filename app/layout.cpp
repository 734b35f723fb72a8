#include "app/layout.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/glob.hpp"

namespace rtv::app {

namespace {

using nlohmann::json;

constexpr const char* kTopKeys = "columns, views, panel_width, panel_collapsed";
constexpr const char* kViewKeys = "name, streams, colormap, contrast, line_color, opacity, "
                                  "background, span, height, extent, x_label, y_label, grid, "
                                  "profile, layers";
constexpr const char* kLayerKeys = "colormap, contrast, line_color, opacity";

std::string in_quotes(std::string_view s) {
    return "'" + std::string(s) + "'";
}

bool key_in(std::string_view key, std::string_view list) {
    std::size_t start = 0;
    while (start < list.size()) {
        std::size_t end = list.find(", ", start);
        if (end == std::string_view::npos) end = list.size();
        if (list.substr(start, end - start) == key) return true;
        start = end + 2;
    }
    return false;
}

// Reads one JSON string value or says which key needed one.
Status string_of(const json& j, std::string_view where, std::string_view key, std::string& out) {
    if (!j.is_string())
        return Status::error(std::string(where) + ": " + in_quotes(key) + " must be a string");
    out = j.get<std::string>();
    return Status::ok();
}

Status number_of(const json& j, std::string_view where, std::string_view key, double& out) {
    if (!j.is_number())
        return Status::error(std::string(where) + ": " + in_quotes(key) + " must be a number");
    out = j.get<double>();
    return Status::ok();
}

// A colour key (line_color, background): a name or #rrggbb.
Status color_of(const json& j, const std::string& where, const std::string& key,
                std::optional<render::Rgb>& out) {
    std::string text;
    if (Status s = string_of(j, where, key, text); !s) return s;
    out = render::find_color(text);
    if (!out)
        return Status::error(where + ": " + key + ": unknown colour " + in_quotes(text) +
                             ", expected one of: " + render::color_list());
    return Status::ok();
}

// colormap, contrast, line_color, opacity: one key of a view or a layer.
Status settings_key(const std::string& key, const json& v, const std::string& where,
                    DisplaySettings& out) {
    std::string text;
    if (key == "colormap") {
        if (Status s = string_of(v, where, key, text); !s) return s;
        out.colormap = render::find_colormap(text);
        if (!out.colormap)
            return Status::error(where + ": unknown colormap " + in_quotes(text) +
                                 ", expected one of: " + render::colormap_list());
    } else if (key == "contrast") {
        if (Status s = string_of(v, where, key, text); !s) return s;
        out.contrast = render::parse_contrast(text);
        if (!out.contrast)
            return Status::error(where + ": contrast: expected " + render::kContrastSyntax +
                                 ", got " + in_quotes(text));
    } else if (key == "line_color") {
        return color_of(v, where, key, out.line_color);
    } else if (key == "opacity") {
        double o = 0;
        if (Status s = number_of(v, where, key, o); !s) return s;
        if (!(o >= 0.0 && o <= 1.0))
            return Status::error(where + ": opacity must be in 0..1, got " + v.dump());
        out.opacity = float(o);
    }
    return Status::ok();
}

Status parse_view(const json& v, std::size_t index, int columns, ViewSpec& out) {
    std::string where = "views[" + std::to_string(index) + "]";
    if (!v.is_object()) return Status::error(where + ": must be an object");
    for (const auto& [key, value] : v.items())
        if (!key_in(key, kViewKeys))
            return Status::error(where + ": unknown key " + in_quotes(key) +
                                 ", expected one of: " + kViewKeys);
    const auto name = v.find("name");
    if (name == v.end() || !name->is_string() || name->get<std::string>().empty())
        return Status::error(where + ": missing 'name' (a non-empty string)");
    out.name = name->get<std::string>();
    where = "view " + in_quotes(out.name);
    for (const auto& [key, value] : v.items()) {
        if (key == "streams") {
            if (!value.is_array())
                return Status::error(where + ": 'streams' must be an array of strings");
            for (const json& s : value) {
                if (!s.is_string() || s.get<std::string>().empty())
                    return Status::error(where + ": 'streams' must be an array of strings");
                out.streams.push_back(s.get<std::string>());
            }
        } else if (key == "background") {
            if (Status s = color_of(value, where, key, out.background); !s) return s;
        } else if (key == "span") {
            if (!value.is_number_integer() || value.get<int>() < 1 || value.get<int>() > columns)
                return Status::error(where + ": span must be a whole number in 1.." +
                                     std::to_string(columns) + ", got " + value.dump());
            out.span = value.get<int>();
        } else if (key == "height") {
            double h = 0;
            if (Status s = number_of(value, where, key, h); !s) return s;
            if (!(h > 0.0 && h <= 100.0))
                return Status::error(where + ": height must be in (0, 100], got " + value.dump());
            out.height = h;
        } else if (key == "extent") {
            const bool numbers = value.is_array() && value.size() == 4 &&
                                 std::all_of(value.begin(), value.end(),
                                             [](const json& n) { return n.is_number(); });
            const auto at = [&](std::size_t i) { return value[i].get<double>(); };
            if (!numbers || !(at(0) < at(1)) || !(at(2) < at(3)) || !std::isfinite(at(1) - at(0)) ||
                !std::isfinite(at(3) - at(2)))
                return Status::error(where +
                                     ": extent must be [x0, x1, y0, y1] with x0 < x1 and "
                                     "y0 < y1, finite, got " +
                                     value.dump());
            out.extent = render::Rect{at(0), at(2), at(1), at(3)};
        } else if (key == "x_label" || key == "y_label") {
            if (Status s =
                    string_of(value, where, key, key == "x_label" ? out.x_label : out.y_label);
                !s)
                return s;
        } else if (key == "profile") {
            const bool numbers = value.is_array() && value.size() == 4 &&
                                 std::all_of(value.begin(), value.end(),
                                             [](const json& n) { return n.is_number(); });
            if (!numbers)
                return Status::error(where + ": profile must be [x0, y0, x1, y1], got " +
                                     value.dump());
            out.profile = {value[0].get<double>(), value[1].get<double>(), value[2].get<double>(),
                           value[3].get<double>()};
        } else if (key == "grid") {
            if (!value.is_boolean()) return Status::error(where + ": 'grid' must be true or false");
            out.grid = value.get<bool>();
        } else if (key == "layers") {
            if (!value.is_object())
                return Status::error(where + ": 'layers' must be an object of stream names");
            for (const auto& [stream, settings] : value.items()) {
                const std::string lw = where + ": layer " + in_quotes(stream);
                if (!settings.is_object()) return Status::error(lw + ": must be an object");
                DisplaySettings& d = out.layers[stream];
                for (const auto& [lkey, lvalue] : settings.items()) {
                    if (!key_in(lkey, kLayerKeys))
                        return Status::error(lw + ": unknown key " + in_quotes(lkey) +
                                             ", expected one of: " + kLayerKeys);
                    if (Status s = settings_key(lkey, lvalue, lw, d); !s) return s;
                }
            }
        } else if (Status s = settings_key(key, value, where, out.settings); !s) {
            return s;
        }
    }
    return Status::ok();
}

Status parse_json(const json& root, LayoutSpec& out) {
    if (!root.is_object()) return Status::error("must be a JSON object with 'views'");
    for (const auto& [key, value] : root.items())
        if (!key_in(key, kTopKeys))
            return Status::error("unknown key " + in_quotes(key) +
                                 ", expected one of: " + kTopKeys);
    out = LayoutSpec{};
    out.mode = LayoutMode::File;
    if (const auto c = root.find("columns"); c != root.end()) {
        if (!c->is_number_integer() || c->get<long long>() < 1 || c->get<long long>() > 64)
            return Status::error("columns must be a whole number in 1..64, got " + c->dump());
        out.columns = c->get<int>();
    }
    if (const auto w = root.find("panel_width"); w != root.end()) {
        if (!w->is_number() || !(w->get<double>() >= 100.0 && w->get<double>() <= 4000.0))
            return Status::error("panel_width must be window pixels in 100..4000, got " +
                                 w->dump());
        out.panel_width = w->get<float>();
    }
    if (const auto c = root.find("panel_collapsed"); c != root.end()) {
        if (!c->is_boolean())
            return Status::error("panel_collapsed must be true or false, got " + c->dump());
        out.panel_collapsed = c->get<bool>();
    }
    const auto views = root.find("views");
    if (views == root.end() || !views->is_array() || views->empty())
        return Status::error("'views' must be a non-empty array of views");
    for (std::size_t i = 0; i < views->size(); ++i) {
        ViewSpec v;
        if (Status s = parse_view((*views)[i], i, out.columns, v); !s) return s;
        for (const ViewSpec& other : out.views)
            if (other.name == v.name)
                return Status::error("views[" + std::to_string(i) + "]: duplicate view name " +
                                     in_quotes(v.name));
        out.views.push_back(std::move(v));
    }
    return Status::ok();
}

void put_settings(json& j, const DisplaySettings& d) {
    if (d.colormap) j["colormap"] = std::string(render::name_of(*d.colormap));
    if (d.contrast) j["contrast"] = render::format_contrast(*d.contrast, {});
    if (d.line_color) j["line_color"] = render::color_name(*d.line_color);
    if (d.opacity) j["opacity"] = double(*d.opacity);
}

} // namespace

LayoutSpec default_layout() {
    LayoutSpec l;
    ViewSpec image;
    image.name = "image";
    image.background = render::Rgb{0.0f, 1.0f, 1.0f}; // cyan
    image.height = 2.0;
    ViewSpec lines;
    lines.name = "lines";
    lines.background = render::Rgb{192.0f / 255, 192.0f / 255, 192.0f / 255}; // #c0c0c0
    l.views = {std::move(image), std::move(lines)};
    return l;
}

Status parse_layout(std::string_view text, const std::string& source, LayoutSpec& out) {
    json root;
    try {
        root = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        // what() is "[json.exception.parse_error.101] parse error at line L, column C: ..."
        std::string what = e.what();
        if (const std::size_t at = what.find("] "); at != std::string::npos) what.erase(0, at + 2);
        return Status::error(source + ": not valid JSON: " + what);
    }
    if (Status s = parse_json(root, out); !s) return Status::error(source + ": " + s.message());
    return Status::ok();
}

Status load_layout(const std::string& path, LayoutSpec& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::error("cannot read " + in_quotes(path) + ": " + std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    return parse_layout(text.str(), path, out);
}

std::string layout_json(const LayoutSpec& layout) {
    json root = json::object();
    root["columns"] = layout.columns;
    json views = json::array();
    for (const ViewSpec& v : layout.views) {
        json j = json::object();
        j["name"] = v.name;
        j["streams"] = v.streams;
        put_settings(j, v.settings);
        if (v.background) j["background"] = render::color_name(*v.background);
        if (v.extent) j["extent"] = {v.extent->x0, v.extent->x1, v.extent->y0, v.extent->y1};
        if (!v.x_label.empty()) j["x_label"] = v.x_label;
        if (!v.y_label.empty()) j["y_label"] = v.y_label;
        if (v.grid) j["grid"] = true;
        if (v.profile) j["profile"] = *v.profile;
        if (v.span != 1) j["span"] = v.span;
        if (v.height != 1.0) j["height"] = v.height;
        if (!v.layers.empty()) {
            json layers = json::object();
            for (const auto& [name, d] : v.layers) {
                json l = json::object();
                put_settings(l, d);
                if (!l.empty()) layers[name] = std::move(l);
            }
            if (!layers.empty()) j["layers"] = std::move(layers);
        }
        views.push_back(std::move(j));
    }
    root["views"] = std::move(views);
    if (layout.panel_width) root["panel_width"] = *layout.panel_width;
    if (layout.panel_collapsed) root["panel_collapsed"] = *layout.panel_collapsed;
    return root.dump(2) + "\n";
}

Status save_layout(const std::string& path, const LayoutSpec& layout) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return Status::error("cannot write " + in_quotes(path) + ": " + std::strerror(errno));
    out << layout_json(layout);
    out.flush();
    if (!out) return Status::error("cannot write " + in_quotes(path) + ": " + std::strerror(errno));
    return Status::ok();
}

bool matches(std::string_view pattern, std::string_view name) {
    return glob_match(pattern, name);
}

} // namespace rtv::app

#pragma once
// A publisher's catalogue: the streams it sends, so that a viewer that takes only some of them
// (the zmq producer's streams=) can list the others and subscribe to one with a click. It is a
// two-part message [kCatalogueTopic, JSON] that rtviewer's clients send while they send frames:
// when a stream starts and then about once every kCatalogueEveryS seconds:
//
//   {"catalogue": 1, "publisher": "<16 hex digits>",
//    "streams": [{"name": "cam1", "shape": [600, 800], "dtype": "<u2", "per_s": 29.8}, ...]}
//
// "name" has no kind suffix; "shape", "dtype" (a .npy descr) and "per_s" (frames sent per
// second since the last catalogue) describe its last frame and may be absent. No stream name
// starts with a control byte (wire/message.hpp), so the topic is no stream's: a viewer
// subscribes to it besides its streams, and rtviewer-broker passes it on like any message. At
// most kMaxCatalogueStreams streams and kMaxCatalogueBytes bytes: a publisher with more streams
// lists the first ones, a viewer refuses (and counts) a larger catalogue.
// Thread: any. Allocates: yes (JSON); a publisher sends one a second, not one per frame.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace rtv::wire {

inline constexpr std::string_view kCatalogueTopic{"\x01rtviewer-catalogue"};
inline constexpr std::size_t kMaxCatalogueBytes = 64 * 1024;
inline constexpr std::size_t kMaxCatalogueStreams = 256;
inline constexpr double kCatalogueEveryS = 1.0;

struct CatalogueEntry {
    std::string name;
    std::vector<std::uint64_t> shape; // empty when not said
    std::string dtype;                // empty when not said
    double per_s = -1.0;              // negative when not said
};

struct Catalogue {
    std::uint64_t publisher = 0;
    std::vector<CatalogueEntry> streams;
};

// The JSON part of a catalogue (at most kMaxCatalogueStreams of `c`'s streams).
std::string encode_catalogue(const Catalogue& c);
// Parses and checks the JSON part: an error naming what is wrong (not JSON, too large, a
// stream name the viewer would refuse, too many streams).
Status decode_catalogue(std::span<const std::byte> json, Catalogue& out);
// "600x800 <u2 29.8/s" (the parts it has), for the panel.
std::string describe(const CatalogueEntry& e);

} // namespace rtv::wire

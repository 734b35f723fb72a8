#pragma once
// An isolated producer's rows (core/producer_board.hpp: the read-only key/value table a producer
// shows about itself, its camera's model, serial, exposure...), sent by rtviewer-plugin-host to
// the viewer that started it on the same ZeroMQ connection as its frames: a two-part message
// [kRowsTopic, JSON], every row the board holds, in its order:
//
//   {"rows": [["model", "Live Test Camera"], ["serial", "A1"]]}
//
// Sent when the rows change and again every kRowsEveryS while there are any, so that a message
// lost to a full queue or a reconnection is made good; the viewer replaces its copy of the board
// with each one. No stream name starts with a control byte (wire/message.hpp), so the topic is
// no stream's. At most ProducerBoard::kMaxRows rows, each key shorter than kKeyBytes and value
// shorter than kValueBytes (bytes, as the board keeps them), in at most kMaxRowsBytes bytes: a
// message past any of these is refused whole with the reason, never cut.
// Thread: any. Allocates: yes (JSON); sent on a change, not per frame.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/producer_board.hpp"
#include "core/status.hpp"

namespace rtv::wire {

inline constexpr std::string_view kRowsTopic{"\x01rtviewer-rows"};
// 24 rows of 31 + 127 bytes, each byte escaped as \u00XX at worst, fit with room to spare.
inline constexpr std::size_t kMaxRowsBytes = 32 * 1024;
inline constexpr double kRowsEveryS = 1.0;

// The JSON part (the first kMaxRows of `rows`; a byte that is not part of a well-formed UTF-8
// character, such as what is left of a character the board cut, is sent as '?').
std::string encode_rows(std::span<const ProducerBoard::Row> rows);
// Parses and checks the JSON part into `out` (room for kMaxRows), `count` the rows it holds: an
// error naming what is wrong (not JSON, too large, too many rows, a row that is not two strings,
// an empty, repeated or too long key, a too long value); `out` and `count` are then unspecified.
Status decode_rows(std::span<const std::byte> json,
                   std::span<ProducerBoard::Row, ProducerBoard::kMaxRows> out, std::size_t& count);

// A change the user made to one of an isolated producer's live settings, from the viewer to
// rtviewer-plugin-host: one line on the helper's standard input, pushed there onto its
// producer's board (ProducerBoard::push_change), so that the plugin takes it on its own thread
// as it would in the viewer's process:
//
//   {"set": "level", "value": "7"}
//
// The key is shorter than ProducerBoard::kKeyBytes, the value than kValueBytes; a line is at most
// kMaxChangeLine bytes (its newline not counted).
inline constexpr std::size_t kMaxChangeLine = 1024;
// The line, newline included (the key and value cut to the board's sizes, a byte that is not
// UTF-8 sent as '?').
std::string encode_change(std::string_view key, std::string_view value);
// Parses one line (without its newline) into `key` and `value`: an error naming what is wrong.
Status decode_change(std::string_view line, std::string& key, std::string& value);

} // namespace rtv::wire

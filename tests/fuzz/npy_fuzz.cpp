// libFuzzer target for the .npy parser, the zmq message decoder and the wire header (with its
// shared-memory descriptor), and an isolated producer's rows message and live change line:
// everything that reads bytes from the network or from disk. Input:
// an optional "stream name\n" line, then the payload, which is tried as each of them.
// Built with clang by scripts/fuzz.sh; the seed corpus (corpus/) is replayed by ctest through
// replay_main.cpp with the project's own compiler and sanitizers.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/message.hpp"
#include "wire/npy.hpp"
#include "wire/rows.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto* bytes = reinterpret_cast<const std::byte*>(data);
    std::string_view topic = "fuzz";
    std::size_t skip = 0;
    for (std::size_t i = 0; i < size && i < 80; ++i)
        if (data[i] == '\n') {
            topic = {reinterpret_cast<const char*>(data), i};
            skip = i + 1;
            break;
        }
    const std::span<const std::byte> payload(bytes + skip, size - skip);

    rtv::wire::NpyArray array;
    if (rtv::wire::parse_npy(payload, array)) {
        std::vector<float> out(array.count()); // count * item size == payload bytes: bounded
        rtv::wire::npy_to_float(array, out);
    }
    rtv::wire::WireHeader header;
    if (rtv::wire::decode_header(payload, header)) {
        std::vector<std::byte> again; // what decodes encodes to the same bytes
        rtv::wire::encode_header(header, again);
        if (again.size() != payload.size() ||
            !std::equal(again.begin(), again.end(), payload.begin()))
            __builtin_trap();
    }
    rtv::wire::DecodedFrame frame;
    (void)rtv::wire::decode_frame(topic, payload, frame, {}, true); // shm: a header alone
    if (rtv::wire::decode_frame(topic, payload, frame)) {
        if (frame.kind == rtv::FrameKind::Lines) {
            std::vector<rtv::LinePoint> points(std::size_t{frame.lines} * frame.points);
            rtv::wire::decoded_points(frame, points);
        } else { // the frame's own format, as the zmq producer copies it into its pool slot
            const rtv::ImageDesc desc{frame.width, frame.height, frame.format};
            std::vector<float> slot((desc.byte_size() + 3) / 4);
            rtv::wire::npy_copy_image(frame.array, frame.format,
                                      std::as_writable_bytes(std::span<float>(slot)));
        }
    }
    std::array<rtv::ProducerBoard::Row, rtv::ProducerBoard::kMaxRows> rows;
    std::size_t count = 0;
    if (rtv::wire::decode_rows(payload, rows, count)) { // what decodes encodes to the same rows
        const std::string json = rtv::wire::encode_rows(std::span(rows).first(count));
        std::array<rtv::ProducerBoard::Row, rtv::ProducerBoard::kMaxRows> again;
        std::size_t n = 0;
        if (!rtv::wire::decode_rows(std::as_bytes(std::span(json)), again, n) || n != count)
            __builtin_trap();
        for (std::size_t i = 0; i < n; ++i)
            if (again[i].key_view() != rows[i].key_view() ||
                again[i].value_view() != rows[i].value_view())
                __builtin_trap();
    }
    std::string key, value;
    (void)rtv::wire::decode_change({reinterpret_cast<const char*>(payload.data()), payload.size()},
                                   key, value);
    return 0;
}

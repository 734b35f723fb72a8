#pragma once
// What a recording is made of, whatever its format: one frame of one stream at a time, written
// by the recorder's own thread (app/recorder.hpp owns the ring and the thread). Two formats:
// a directory of .npy files with an index (npy_dir.hpp) and an HDF5 file in the NeXus layout
// (hdf5_writer.hpp).
// Thread: open() on the main thread; the rest on the recorder's writer thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/frame.hpp"
#include "core/status.hpp"

namespace rtv::storage {

struct RecordFrame {
    std::string_view stream; // its name, e.g. "sweep/image"
    FrameKind kind = FrameKind::Image;
    StreamMode mode = StreamMode::Replace;
    ImageDesc image;                     // Image
    LinesDesc capacity;                  // Lines: the stream's declared capacity
    std::uint32_t lines = 0, points = 0; // Lines: this frame's shape
    std::span<const std::byte> data;     // the pixels, or lines * points LinePoints
    std::uint64_t sequence = 0;          // the stream's frame number
    std::uint64_t gaps = 0;              // numbers missing between the previous frame and this
    std::int64_t t_ns = 0;               // submit time, steady clock
};

// What a recording says about itself (HDF5 attributes; the .npy directory keeps none).
struct RecordInfo {
    std::string version;   // the viewer's
    std::string producers; // the --producer specifications, one per line
    std::string started;   // ISO 8601, UTC
};

class RecordWriter {
public:
    virtual ~RecordWriter() = default;
    // Creates the recording (refusing to overwrite one). Thread: main.
    virtual Status open() = 0;
    // Thread: the writer's. An error stops the recording (the caller says so).
    virtual Status write(const RecordFrame& frame) = 0;
    // Makes what was written so far durable and visible to readers. Called at least once a
    // second while frames come, and at close.
    virtual Status flush() = 0;
    virtual Status close() = 0;
    // Bytes of frame data and headers written so far.
    virtual std::uint64_t bytes() const = 0;
    // Lines for the log said since the last call (a stream that got a file of its own), or
    // empty. Thread: the writer's.
    virtual std::string take_notes() { return {}; }
};

enum class Compression { None, Gzip, Lz4, BitshuffleLz4 };
// "none", "gzip", "lz4", "bitshuffle-lz4".
std::string_view compression_name(Compression c);
// The one named, or an error naming the valid choices.
Status parse_compression(std::string_view name, Compression& out);

// OK, or an error naming the filter's Debian package when HDF5 cannot load it.
Status compression_available(Compression c);

// The writer `path` asks for: an HDF5 file for *.h5, *.hdf5, *.nxs and *.nx5, else a directory of
// .npy files. An error when the HDF5 filter `compression` needs is not installed, or when
// compression is asked of a directory.
Status make_record_writer(const std::string& path, Compression compression, RecordInfo info,
                          std::unique_ptr<RecordWriter>& out);
bool is_hdf5_path(std::string_view path);

} // namespace rtv::storage

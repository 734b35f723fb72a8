#pragma once
// Reads frames out of any HDF5 file: an rtviewer recording (hdf5_writer.hpp, every stream), or
// one dataset of frames from any writer (h5py, EPICS areaDetector, a Dectris Eiger): (N, H, W)
// mono, (N, H, W, C) with C 3 or 4, or (H, W), one still frame. Samples of uint8, uint16, int16
// and float32 are read as they are; int8 becomes int16 and every other integer or float type
// float32 (HDF5 converts while reading, straight into the frame's slot). A file being written
// (SWMR) can be followed: refresh() sees the frames appended since.
// Thread: one reader is used by one thread at a time (the hdf5 producer's).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame.hpp"
#include "core/status.hpp"
#include "storage/hdf5_util.hpp"

namespace rtv::storage {

struct Hdf5Stream {
    std::string dataset; // its path in the file, e.g. /entry/data/data
    std::string name;    // the stream's name: a recording's own, else "hdf5" + the path
    FrameKind kind = FrameKind::Image;
    StreamMode mode = StreamMode::Replace;
    ImageDesc image;       // images: the frame and the format it plays as
    LinesDesc capacity;    // lines
    bool still = false;    // a 2-D dataset: one frame
    std::string converted; // e.g. "float64 -> float32", or empty
    std::uint64_t frames = 0;
    bool timed = false; // a t_ns dataset beside it gives each frame's time
};

class Hdf5Reader {
public:
    Hdf5Reader() = default;
    Hdf5Reader(Hdf5Reader&&) = default;
    Hdf5Reader& operator=(Hdf5Reader&&) = default;

    // Opens `path` (for reading while another process writes it when `swmr`) and chooses what
    // to play: `dataset`, or when empty every stream of an rtviewer recording, else the file's
    // one NXdata signal, else its one 3-D dataset, else its one dataset of images. Errors name the
    // file and, when the dataset is missing or ambiguous, list the datasets that could be played.
    Status open(const std::string& path, std::string_view dataset, bool swmr);
    const std::vector<Hdf5Stream>& streams() const { return m_streams; }

    // Frame i of stream s into `out` (the stream's image.byte_size() bytes).
    Status read_image(std::size_t s, std::uint64_t i, std::span<std::byte> out);
    // Lines frame i: its points (capacity) and shape. Replace: the frame as recorded; append:
    // the samples frame i added, `lines` lines of `points` each.
    Status read_lines(std::size_t s, std::uint64_t i, std::span<LinePoint> out,
                      std::uint32_t& lines, std::uint32_t& points);
    // Frame i's recorded time (ns), for streams with timed set.
    Status time_of(std::size_t s, std::uint64_t i, std::int64_t& t_ns);
    // Every frame's time at once (a replay's schedule).
    Status times(std::size_t s, std::vector<std::int64_t>& out);
    // SWMR: the frames stream s has now (HDF5 refreshes its view of the file).
    Status refresh(std::size_t s, std::uint64_t& frames);

private:
    struct Open {
        H5Handle data, t_ns, first, points, lines;
        int rank = 0;
        std::vector<std::byte> scratch; // append lines with several lines: sample-major rows
    };
    Status add(const std::string& path, Hdf5Stream& out);

    std::string m_path;
    H5Handle m_file;
    std::vector<Hdf5Stream> m_streams;
    std::vector<Open> m_open;
};

} // namespace rtv::storage

#pragma once
// The .npy recording: DIR/frames/NNNNNNNNN.npy, one file per frame, and DIR/index.tsv with one
// line per frame:
//   frame  stream  kind  rows  cols  format  t_ns  file
// (images: rows x cols = height x width in their own pixel format (f32, u16, rgba8, ...), a
// (rows, cols) array of that dtype, (rows, cols, 3|4) for RGB and RGBA; lines: rows lines of
// cols points, format xy32f, stored as a (rows * cols, 2) float32 array of x, y). t_ns is the
// frame's submit time on the steady clock. producers/replay.hpp plays it back.

#include <vector>

#include "storage/record_writer.hpp"

namespace rtv::storage {

class NpyDirWriter final : public RecordWriter {
public:
    explicit NpyDirWriter(std::string dir);
    ~NpyDirWriter() override;
    Status open() override;
    Status write(const RecordFrame& frame) override;
    Status flush() override { return Status::ok(); } // every frame is its own file, closed
    Status close() override;
    std::uint64_t bytes() const override { return m_bytes; }

private:
    std::string m_dir;
    int m_index_fd = -1;
    std::uint64_t m_number = 0, m_bytes = 0;
    std::vector<std::byte> m_header; // reused: no allocation per frame
};

} // namespace rtv::storage

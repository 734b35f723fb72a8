#pragma once
// --record FILE.h5: every frame of every stream into one HDF5 file in the NeXus layout, readable
// while it is written (SWMR):
//   /entry                       NX_class NXentry; rtviewer_version, producers, start_time
//     /<stream>                  NX_class NXdata, signal "data"; stream (the name), kind, mode,
//                                format, producer. The group is the stream's name with '/' as '_'
//       data       images (N, H, W) or (N, H, W, C) in the stream's own dtype, one frame a chunk;
//                  lines (N, L, P, 2) float32 (NaN past a frame's shape); append lines (M, 2),
//                  or (M, L, 2), one row per sample
//       sequence   (N,) uint64, the stream's frame numbers
//       t_ns       (N,) int64, submit times on the viewer's steady clock
//       gaps       (N,) uint64, numbers missing before each frame (frames never recorded)
//       lines, points   (N,) uint32: lines frames' shape; first (N,) uint64: append frames'
//                  first row in data
// The file is created with HDF5's latest format; datasets are created as streams send their
// first frame, and the file switches to SWMR writing at its first flush (a second after the
// first frame): from then on readers (h5py with swmr=True, a second rtviewer with follow=1) see
// every frame up to the last flush, as does anyone after the viewer was killed. A stream that
// first sends after that cannot join the file (SWMR allows no new objects): it gets a file of its
// own beside it (FILE.<stream>.h5), said in the log and linked from FILE (an external link) when
// the recording closes.
// Thread: open() on the main thread, the rest on the recorder's writer thread.

#include <vector>

#include "storage/hdf5_util.hpp"
#include "storage/record_writer.hpp"

namespace rtv::storage {

class Hdf5Writer final : public RecordWriter {
public:
    Hdf5Writer(std::string path, Compression compression, RecordInfo info);
    ~Hdf5Writer() override;
    Status open() override;
    Status write(const RecordFrame& frame) override;
    Status flush() override;
    Status close() override;
    std::uint64_t bytes() const override { return m_bytes; }
    std::string take_notes() override;

private:
    struct Dataset {
        H5Handle id;
        int rank = 1;
        hsize_t dims[4] = {};
        hsize_t rows = 0; // along the first axis
        // Kept from write to write (a frame's numbers: no dataspace made and freed per frame).
        H5Handle file_space, memory_space;
        hsize_t memory_rows = 0;
    };
    struct Track {
        std::string name, group;
        FrameKind kind = FrameKind::Image;
        StreamMode mode = StreamMode::Replace;
        ImageDesc image;
        LinesDesc capacity;
        std::size_t file = 0; // index into m_files
        Dataset data, sequence, t_ns, gaps, lines, points, first;
        std::uint64_t frames = 0, samples = 0;
        std::uint64_t flushed_frames = 0, flushed_samples = 0; // as of the last flush
        std::vector<float> scratch; // lines padded or transposed, sized once
        bool shape_noted = false;   // a frame of another shape was said in the log
    };
    struct File {
        std::string path;
        H5Handle id;
        bool swmr = false;
        std::vector<std::string> groups; // linked from the main file at close (side files)
    };
    Status create_file(const std::string& path, File& out);
    Status add_track(const RecordFrame& f, std::size_t file, Track& t);
    Status create_dataset(hid_t group, const char* name, hid_t type, int rank,
                          const hsize_t* frame_dims, hsize_t chunk_rows, bool compressed,
                          Dataset& out);
    Status extend(Dataset& d, hid_t memory_type, hsize_t rows, const void* data, bool direct);
    Status fail(std::string message);

    std::string m_path;
    Compression m_compression;
    RecordInfo m_info;
    std::vector<File> m_files; // [0] the main file, then one per late stream
    std::vector<Track> m_tracks;
    std::uint64_t m_bytes = 0;
    std::string m_notes;
    bool m_failed = false;
};

} // namespace rtv::storage

#include "storage/hdf5_writer.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "core/pixel_format.hpp"

namespace rtv::storage {

namespace {
constexpr H5Z_filter_t kLz4Filter = 32004;        // registered by the HDF Group for LZ4
constexpr H5Z_filter_t kBitshuffleFilter = 32008; // and for Bitshuffle
constexpr hsize_t kScalarChunk = 256;             // per-frame numbers: rows a chunk
constexpr hsize_t kSampleChunk = 4096;            // append lines: samples a chunk

std::string group_name_of(std::string_view stream) {
    std::string g(stream);
    std::replace(g.begin(), g.end(), '/', '_');
    if (g.empty() || g == "." || g == "..") g = "stream";
    return g;
}

// FILE.h5 -> FILE.<group>.h5, beside it.
std::string side_path(const std::string& main, const std::string& group) {
    const std::filesystem::path p(main);
    return (p.parent_path() / (p.stem().string() + "." + group + p.extension().string())).string();
}
} // namespace

Hdf5Writer::Hdf5Writer(std::string path, Compression compression, RecordInfo info)
    : m_path(std::move(path))
    , m_compression(compression)
    , m_info(std::move(info)) {
}

Hdf5Writer::~Hdf5Writer() {
    (void)close();
}

Status Hdf5Writer::fail(std::string message) {
    m_failed = true;
    // Every dataset back to the last flush: what was written since may be half on disk, half
    // in HDF5's cache (a full disk), and a reader must find whole frames only.
    for (Track& t : m_tracks) {
        const bool samples = t.mode == StreamMode::Append && t.kind == FrameKind::Lines;
        for (Dataset* d : {&t.data, &t.sequence, &t.t_ns, &t.gaps, &t.lines, &t.points, &t.first})
            if (d->id) {
                d->rows = d == &t.data && samples ? t.flushed_samples : t.flushed_frames;
                d->dims[0] = d->rows;
                H5Dset_extent(d->id.get(), d->dims);
            }
        t.frames = t.flushed_frames;
        t.samples = t.flushed_samples;
    }
    H5Eclear2(H5E_DEFAULT);
    return Status::error("rtviewer: --record: " + message);
}

Status Hdf5Writer::create_file(const std::string& path, File& out) {
    hdf5_quiet();
    std::error_code ec;
    if (std::filesystem::exists(path, ec))
        return Status::error("rtviewer: --record: " + path +
                             " already exists; choose another file (a recording is never "
                             "overwritten)");
    // SWMR needs the latest file format (h5py 2.5 and later, HDF5 1.10 and later read it).
    H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
    H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    H5Handle file(H5Fcreate(path.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()));
    if (!file) return Status::error(hdf5_error("rtviewer: --record: cannot create " + path));
    H5Handle entry(H5Gcreate2(file.get(), "entry", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const std::string creator = "rtviewer " + m_info.version;
    if (!entry || !write_string_attribute(file.get(), "default", "entry") ||
        !write_string_attribute(file.get(), "creator", creator) ||
        !write_string_attribute(file.get(), "file_time", m_info.started) ||
        !write_string_attribute(entry.get(), "NX_class", "NXentry") ||
        !write_string_attribute(entry.get(), "rtviewer_version", m_info.version) ||
        !write_string_attribute(entry.get(), "producers", m_info.producers) ||
        !write_string_attribute(entry.get(), "start_time", m_info.started))
        return Status::error(hdf5_error("rtviewer: --record: cannot write " + path));
    out.path = path;
    out.id = std::move(file);
    return Status::ok();
}

Status Hdf5Writer::open() {
    File main;
    if (Status s = create_file(m_path, main); !s) return s;
    m_files.push_back(std::move(main));
    m_tracks.reserve(256);
    return Status::ok();
}

Status Hdf5Writer::create_dataset(hid_t group, const char* name, hid_t type, int rank,
                                  const hsize_t* frame_dims, hsize_t chunk_rows, bool compressed,
                                  Dataset& out) {
    hsize_t dims[4] = {0}, max[4] = {H5S_UNLIMITED}, chunk[4] = {chunk_rows};
    for (int i = 1; i < rank; ++i) {
        dims[i] = max[i] = chunk[i] = frame_dims[i - 1];
    }
    H5Handle space(H5Screate_simple(rank, dims, max));
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), rank, chunk);
    if (compressed) {
        switch (m_compression) {
        case Compression::None:
            break;
        case Compression::Gzip:
            H5Pset_shuffle(dcpl.get());
            H5Pset_deflate(dcpl.get(), 4);
            break;
        case Compression::Lz4:
            H5Pset_filter(dcpl.get(), kLz4Filter, H5Z_FLAG_MANDATORY, 0, nullptr);
            break;
        case Compression::BitshuffleLz4: {
            const unsigned values[2] = {0, 2}; // block size: the filter's choice; 2: LZ4
            H5Pset_filter(dcpl.get(), kBitshuffleFilter, H5Z_FLAG_MANDATORY, 2, values);
            break;
        }
        }
    }
    H5Handle d(H5Dcreate2(group, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    if (!d) return Status::error(hdf5_error(std::string("cannot create dataset ") + name));
    out.id = std::move(d);
    out.rank = rank;
    for (int i = 0; i < rank; ++i)
        out.dims[i] = dims[i];
    out.rows = 0;
    return Status::ok();
}

Status Hdf5Writer::add_track(const RecordFrame& f, std::size_t file, Track& t) {
    t.name = std::string(f.stream);
    std::string group = group_name_of(f.stream);
    for (int n = 2; std::any_of(m_tracks.begin(), m_tracks.end(),
                                [&](const Track& o) { return o.group == group; });
         ++n)
        group = group_name_of(f.stream) + "_" + std::to_string(n);
    t.group = group;
    t.kind = f.kind;
    t.mode = f.mode;
    t.image = f.image;
    t.capacity = f.capacity;
    t.file = file;
    const hid_t fid = m_files[file].id.get();
    H5Handle entry(H5Gopen2(fid, "entry", H5P_DEFAULT));
    H5Handle g(H5Gcreate2(entry.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    const bool image = f.kind == FrameKind::Image;
    const bool append = !image && f.mode == StreamMode::Append;
    const std::string_view format = image ? format_name(f.image.format) : "xy32f";
    const std::size_t slash = t.name.find('/');
    if (!g || !write_string_attribute(g.get(), "NX_class", "NXdata") ||
        !write_string_attribute(g.get(), "signal", "data") ||
        !write_string_attribute(g.get(), "stream", t.name) ||
        !write_string_attribute(g.get(), "kind", image ? "image" : "lines") ||
        !write_string_attribute(g.get(), "mode", append ? "append" : "replace") ||
        !write_string_attribute(g.get(), "format", format) ||
        !write_string_attribute(g.get(), "producer", t.name.substr(0, slash)))
        return Status::error(hdf5_error("cannot create group /entry/" + group));
    // The first stream is what NeXus readers (silx, nexpy) show first.
    if (H5Aexists(entry.get(), "default") == 0 &&
        !write_string_attribute(entry.get(), "default", group))
        return Status::error(hdf5_error("cannot write /entry's default"));
    const bool compressed = m_compression != Compression::None;
    const hid_t gid = g.get();
    Status s = Status::ok();
    if (image) {
        const hsize_t dims[3] = {f.image.height, f.image.width, f.image.format.channels};
        s = create_dataset(gid, "data", file_type_of(f.image.format.sample),
                           f.image.format.mono() ? 3 : 4, dims, 1, compressed, t.data);
    } else if (!append) {
        const hsize_t dims[3] = {f.capacity.max_lines, f.capacity.max_points, 2};
        s = create_dataset(gid, "data", H5T_IEEE_F32LE, 4, dims, 1, compressed, t.data);
        t.scratch.resize(std::size_t{f.capacity.max_lines} * f.capacity.max_points * 2);
    } else {
        const hsize_t dims[2] = {f.capacity.max_lines, 2};
        const bool one = f.capacity.max_lines == 1;
        s = create_dataset(gid, "data", H5T_IEEE_F32LE, one ? 2 : 3, one ? dims + 1 : dims,
                           kSampleChunk, false, t.data);
        if (!one) t.scratch.resize(std::size_t{f.capacity.max_lines} * f.capacity.max_points * 2);
    }
    if (!s) return s;
    if (Status e = create_dataset(gid, "sequence", H5T_STD_U64LE, 1, nullptr, kScalarChunk, false,
                                  t.sequence);
        !e)
        return e;
    if (Status e =
            create_dataset(gid, "t_ns", H5T_STD_I64LE, 1, nullptr, kScalarChunk, false, t.t_ns);
        !e)
        return e;
    if (Status e =
            create_dataset(gid, "gaps", H5T_STD_U64LE, 1, nullptr, kScalarChunk, false, t.gaps);
        !e)
        return e;
    if (!image) {
        if (Status e = create_dataset(gid, "points", H5T_STD_U32LE, 1, nullptr, kScalarChunk, false,
                                      t.points);
            !e)
            return e;
        if (Status e = append ? create_dataset(gid, "first", H5T_STD_U64LE, 1, nullptr,
                                               kScalarChunk, false, t.first)
                              : create_dataset(gid, "lines", H5T_STD_U32LE, 1, nullptr,
                                               kScalarChunk, false, t.lines);
            !e)
            return e;
    }
    return Status::ok();
}

Status Hdf5Writer::extend(Dataset& d, hid_t memory_type, hsize_t rows, const void* data,
                          bool direct) {
    hsize_t start[4] = {d.rows}, count[4] = {rows};
    for (int i = 1; i < d.rank; ++i)
        count[i] = d.dims[i];
    d.dims[0] = d.rows + rows;
    if (H5Dset_extent(d.id.get(), d.dims) < 0) return Status::error(hdf5_error("cannot grow"));
    if (direct) { // one frame, one chunk, no filter: straight to the file
        std::size_t bytes = H5Tget_size(memory_type);
        for (int i = 1; i < d.rank; ++i)
            bytes *= d.dims[i];
        if (H5Dwrite_chunk(d.id.get(), H5P_DEFAULT, 0, start, bytes, data) < 0)
            return Status::error(hdf5_error("cannot write"));
    } else {
        hsize_t max[4] = {H5S_UNLIMITED, d.dims[1], d.dims[2], d.dims[3]};
        if (!d.file_space)
            d.file_space = H5Handle(H5Dget_space(d.id.get()));
        else if (H5Sset_extent_simple(d.file_space.get(), d.rank, d.dims, max) < 0)
            d.file_space.reset();
        if (d.memory_rows != rows || !d.memory_space) { // made again after a failed make
            d.memory_space = H5Handle(H5Screate_simple(d.rank, count, nullptr));
            d.memory_rows = rows;
        }
        if (!d.file_space || !d.memory_space ||
            H5Sselect_hyperslab(d.file_space.get(), H5S_SELECT_SET, start, nullptr, count,
                                nullptr) < 0 ||
            H5Dwrite(d.id.get(), memory_type, d.memory_space.get(), d.file_space.get(), H5P_DEFAULT,
                     data) < 0)
            return Status::error(hdf5_error("cannot write"));
    }
    d.rows += rows;
    return Status::ok();
}

Status Hdf5Writer::write(const RecordFrame& f) {
    hdf5_quiet();
    if (m_failed || m_files.empty()) return Status::error("rtviewer: --record: not open");
    auto it = std::find_if(m_tracks.begin(), m_tracks.end(),
                           [&](const Track& t) { return t.name == f.stream; });
    if (it == m_tracks.end()) {
        std::size_t file = 0;
        if (m_files[0].swmr) { // SWMR allows no new objects: a file of its own, beside
            File side;
            const std::string path = side_path(m_path, group_name_of(f.stream));
            if (Status s = create_file(path, side); !s) return fail(s.message());
            m_files.push_back(std::move(side));
            file = m_files.size() - 1;
            m_notes += "rtviewer: --record: stream " + std::string(f.stream) + " began after " +
                       m_path +
                       " was opened for reading while written: it is "
                       "recorded in " +
                       path + ", linked from " + m_path + " at the end\n";
        }
        Track t;
        if (Status s = add_track(f, file, t); !s)
            return fail(m_files[file].path + ": " + s.message());
        m_tracks.push_back(std::move(t));
        it = m_tracks.end() - 1;
        if (file != 0) {
            m_files[0].groups.push_back(it->group);
            if (H5Fstart_swmr_write(m_files[file].id.get()) < 0)
                return fail(hdf5_error("cannot start SWMR writing " + m_files[file].path));
            m_files[file].swmr = true;
        }
    }
    Track& t = *it;
    const bool image = t.kind == FrameKind::Image;
    const bool append = !image && t.mode == StreamMode::Append;
    if (image ? !(f.image == t.image)
              : f.lines > t.capacity.max_lines || f.points > t.capacity.max_points ||
                    (append && f.lines != t.capacity.max_lines)) {
        if (!t.shape_noted) // said once a stream
            m_notes += "rtviewer: --record: " + t.name +
                       ": frames of another shape than the stream's first are not recorded\n";
        t.shape_noted = true;
        return Status::ok();
    }
    const bool direct = m_compression == Compression::None;
    Status s = Status::ok();
    if (image) {
        s = extend(t.data, memory_type_of(t.image.format.sample), 1, f.data.data(), direct);
    } else if (!append) {
        const std::uint32_t P = t.capacity.max_points;
        std::fill(t.scratch.begin(), t.scratch.end(), std::numeric_limits<float>::quiet_NaN());
        const float* src = reinterpret_cast<const float*>(f.data.data());
        for (std::uint32_t l = 0; l < f.lines; ++l)
            std::copy_n(src + std::size_t{l} * f.points * 2, std::size_t{f.points} * 2,
                        t.scratch.data() + std::size_t{l} * P * 2);
        s = extend(t.data, H5T_NATIVE_FLOAT, 1, t.scratch.data(), direct);
    } else if (f.points > 0) {
        const float* src = reinterpret_cast<const float*>(f.data.data());
        if (t.capacity.max_lines > 1) { // line after line -> sample after sample
            const std::uint32_t L = f.lines;
            for (std::uint32_t l = 0; l < L; ++l)
                for (std::uint32_t j = 0; j < f.points; ++j) {
                    t.scratch[(std::size_t{j} * L + l) * 2] =
                        src[(std::size_t{l} * f.points + j) * 2];
                    t.scratch[(std::size_t{j} * L + l) * 2 + 1] =
                        src[(std::size_t{l} * f.points + j) * 2 + 1];
                }
            src = t.scratch.data();
        }
        s = extend(t.data, H5T_NATIVE_FLOAT, f.points, src, false);
    }
    const std::uint64_t sequence = f.sequence, gaps = f.gaps, first = t.samples;
    const std::int64_t t_ns = f.t_ns;
    const std::uint32_t lines = f.lines, points = f.points;
    if (s) s = extend(t.sequence, H5T_NATIVE_UINT64, 1, &sequence, false);
    if (s) s = extend(t.t_ns, H5T_NATIVE_INT64, 1, &t_ns, false);
    if (s) s = extend(t.gaps, H5T_NATIVE_UINT64, 1, &gaps, false);
    if (s && !image) s = extend(t.points, H5T_NATIVE_UINT32, 1, &points, false);
    if (s && !image && !append) s = extend(t.lines, H5T_NATIVE_UINT32, 1, &lines, false);
    if (s && append) s = extend(t.first, H5T_NATIVE_UINT64, 1, &first, false);
    if (!s) return fail(m_files[t.file].path + " " + t.group + ": " + s.message());
    ++t.frames;
    if (append) t.samples += f.points;
    m_bytes += f.data.size();
    return Status::ok();
}

Status Hdf5Writer::flush() {
    hdf5_quiet();
    if (m_failed) return Status::ok();
    for (File& file : m_files) {
        if (!file.id) continue;
        if (!file.swmr) {
            if (H5Fstart_swmr_write(file.id.get()) < 0)
                return fail(hdf5_error("cannot start SWMR writing " + file.path));
            file.swmr = true;
        }
        if (H5Fflush(file.id.get(), H5F_SCOPE_LOCAL) < 0)
            return fail(hdf5_error("cannot flush " + file.path));
    }
    for (Track& t : m_tracks) {
        t.flushed_frames = t.frames;
        t.flushed_samples = t.samples;
    }
    return Status::ok();
}

Status Hdf5Writer::close() {
    hdf5_quiet();
    if (m_files.empty()) return Status::ok();
    Status result = flush();
    if (m_failed) // what was written before the failure: as much of it as can be kept
        for (File& file : m_files)
            if (file.id) H5Fflush(file.id.get(), H5F_SCOPE_LOCAL);
    m_tracks.clear(); // closes the datasets
    bool closed = true;
    for (File& file : m_files) {
        haddr_t eoa = 0;
        const bool know = m_failed && H5Fget_eoa(file.id.get(), &eoa) >= 0;
        closed = file.id.reset() && closed;
        // A write that failed for lack of space may leave the file shorter than HDF5's
        // end-of-allocation, which readers refuse as truncated: extend it (sparse: no disk
        // space needed) to where HDF5 expects it to end.
        std::error_code ec;
        if (know && std::filesystem::file_size(file.path, ec) < eoa && !ec)
            std::filesystem::resize_file(file.path, eoa, ec);
        if (ec)
            m_notes += "rtviewer: --record: " + file.path + " ends before HDF5 expects (" +
                       ec.message() + "); h5clear --increment=0 " + file.path +
                       " repairs it for reading\n";
    }
    H5Eclear2(H5E_DEFAULT);
    if (!closed && result) result = fail(hdf5_error("cannot close " + m_path));
    std::vector<std::string> linked = std::move(m_files[0].groups);
    std::vector<std::string> side;
    for (std::size_t i = 1; i < m_files.size(); ++i)
        side.push_back(std::filesystem::path(m_files[i].path).filename().string());
    m_files.clear();
    if (!linked.empty() && result) { // the late streams' files, linked into the main one
        H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
        H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
        H5Handle main(H5Fopen(m_path.c_str(), H5F_ACC_RDWR, fapl.get()));
        for (std::size_t i = 0; main && i < linked.size(); ++i) {
            const std::string at = "/entry/" + linked[i];
            if (H5Lcreate_external(side[i].c_str(), at.c_str(), main.get(), at.c_str(), H5P_DEFAULT,
                                   H5P_DEFAULT) < 0)
                return Status::error(
                    hdf5_error("rtviewer: --record: cannot link " + side[i] + " from " + m_path));
        }
        if (!main) return Status::error(hdf5_error("rtviewer: --record: cannot reopen " + m_path));
    }
    return result;
}

std::string Hdf5Writer::take_notes() {
    std::string out;
    out.swap(m_notes);
    return out;
}

} // namespace rtv::storage

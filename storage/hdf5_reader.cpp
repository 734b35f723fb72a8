#include "storage/hdf5_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/pixel_format.hpp"

namespace rtv::storage {

namespace {

struct Found {
    std::vector<std::string> datasets; // every dataset, by path
};

herr_t collect(hid_t group, const char* name, const H5L_info_t* info, void* data) {
    if (info->type != H5L_TYPE_HARD) return 0;
    H5Handle o(H5Oopen(group, name, H5P_DEFAULT));
    if (o && H5Iget_type(o.get()) == H5I_DATASET)
        static_cast<Found*>(data)->datasets.push_back(std::string("/") + name);
    return 0;
}

std::string parent_of(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// The type's name as numpy says it: "uint16", "float64", "compound", ...
std::string type_name(hid_t type) {
    const H5T_class_t c = H5Tget_class(type);
    const std::size_t bits = H5Tget_size(type) * 8;
    if (c == H5T_INTEGER)
        return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") +
               std::to_string(bits);
    if (c == H5T_FLOAT) return "float" + std::to_string(bits);
    switch (c) {
    case H5T_COMPOUND:
        return "compound";
    case H5T_STRING:
        return "string";
    case H5T_ENUM:
        return "enum";
    case H5T_ARRAY:
        return "array";
    case H5T_VLEN:
        return "variable-length";
    case H5T_BITFIELD:
        return "bitfield";
    case H5T_OPAQUE:
        return "opaque";
    case H5T_REFERENCE:
        return "reference";
    default:
        return "unknown";
    }
}

// The sample type a dataset of `type` plays as, and a note when HDF5 converts it.
bool sample_of(hid_t type, SampleType& out, std::string& converted) {
    const H5T_class_t c = H5Tget_class(type);
    const std::size_t size = H5Tget_size(type);
    const bool sign = c == H5T_INTEGER && H5Tget_sign(type) != H5T_SGN_NONE;
    if (c != H5T_INTEGER && c != H5T_FLOAT) return false;
    converted.clear();
    if (c == H5T_INTEGER && size == 1 && !sign)
        out = SampleType::U8;
    else if (c == H5T_INTEGER && size == 2)
        out = sign ? SampleType::I16 : SampleType::U16;
    else if (c == H5T_FLOAT && size == 4)
        out = SampleType::F32;
    else {
        out = c == H5T_INTEGER && size == 1 ? SampleType::I16 : SampleType::F32;
        converted = type_name(type) + " -> " + std::string(sample_name(out));
    }
    return true;
}

std::string shape_text(int rank, const hsize_t* dims) {
    std::string s = "(";
    for (int i = 0; i < rank; ++i)
        s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + (rank == 1 ? ",)" : ")");
}

} // namespace

Status Hdf5Reader::add(const std::string& path, Hdf5Stream& out) {
    const std::string where = "hdf5: " + m_path + " " + path;
    H5Handle d(H5Dopen2(m_file.get(), path.c_str(), H5P_DEFAULT));
    if (!d) return Status::error(hdf5_error(where + ": cannot open the dataset"));
    H5Handle type(H5Dget_type(d.get()));
    H5Handle space(H5Dget_space(d.get()));
    const int rank = H5Sget_simple_extent_ndims(space.get());
    hsize_t dims[H5S_MAX_RANK] = {};
    if (rank < 0) return Status::error(hdf5_error(where + ": cannot read its shape"));
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    out = Hdf5Stream{};
    out.dataset = path;
    const std::string group_path = parent_of(path);
    H5Handle group(H5Oopen(m_file.get(), group_path.c_str(), H5P_DEFAULT));
    const auto stream_attr = group ? read_string_attribute(group.get(), "stream") : std::nullopt;
    const auto kind_attr = group ? read_string_attribute(group.get(), "kind") : std::nullopt;
    const auto mode_attr = group ? read_string_attribute(group.get(), "mode") : std::nullopt;
    const bool recorded = stream_attr && kind_attr && path.ends_with("/data");
    out.name = recorded ? *stream_attr : "hdf5" + path;
    auto sibling = [&](const char* name) {
        const std::string p = group_path + (group_path == "/" ? "" : "/") + name;
        return H5Lexists(m_file.get(), p.c_str(), H5P_DEFAULT) > 0
                   ? H5Handle(H5Dopen2(m_file.get(), p.c_str(), H5P_DEFAULT))
                   : H5Handle();
    };
    Open o;
    if (recorded && *kind_attr == "lines") {
        out.kind = FrameKind::Lines;
        const bool append = mode_attr && *mode_attr == "append";
        out.mode = append ? StreamMode::Append : StreamMode::Replace;
        const bool ok = append ? (rank == 2 && dims[1] == 2) || (rank == 3 && dims[2] == 2)
                               : rank == 4 && dims[3] == 2;
        if (!ok || H5Tget_class(type.get()) != H5T_FLOAT)
            return Status::error(where + ": a lines recording of shape " + shape_text(rank, dims) +
                                 " is not the layout rtviewer writes");
        o.points = sibling("points");
        if (append) {
            o.first = sibling("first");
            if (!o.first || !o.points)
                return Status::error(where + ": an append recording without its first and "
                                             "points datasets");
            out.capacity.max_lines = rank == 3 ? std::uint32_t(dims[1]) : 1;
            // The most points one frame added: what a slot must hold.
            H5Handle ps(H5Dget_space(o.points.get()));
            const hssize_t n = H5Sget_simple_extent_npoints(ps.get());
            std::vector<std::uint32_t> points(std::size_t(std::max<hssize_t>(n, 0)));
            if (n > 0 && H5Dread(o.points.get(), H5T_NATIVE_UINT32, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                 points.data()) < 0)
                return Status::error(hdf5_error(where + ": cannot read points"));
            std::uint32_t most = 1;
            for (std::uint32_t p : points)
                most = std::max(most, p);
            out.capacity.max_points = most;
            out.frames = points.size();
            o.scratch.resize(std::size_t{most} * out.capacity.max_lines * sizeof(LinePoint));
        } else {
            o.lines = sibling("lines");
            out.capacity = {std::uint32_t(dims[1]), std::uint32_t(dims[2])};
            out.frames = dims[0];
        }
    } else {
        SampleType sample{};
        if (!sample_of(type.get(), sample, out.converted))
            return Status::error(
                where + ": its dtype is " + type_name(type.get()) +
                ", not one the viewer shows (integers and floats); convert it, e.g. with "
                "numpy: f['" +
                path + "'][...].astype('float32') (np.abs() first for complex)");
        if (rank < 2 || rank > 4)
            return Status::error(
                where + ": its shape " + shape_text(rank, dims) +
                " is not frames: expected (N, H, W), (N, H, W, C) with C 3 or 4, or (H, W) for "
                "one image" +
                (rank < 2 ? " (a 1-D dataset holds values, not images)"
                          : " (select a 4-D part, e.g. with h5py, and save it as its own "
                            "dataset)"));
        out.still = rank == 2;
        const std::uint32_t channels = rank == 4 ? std::uint32_t(dims[3]) : 1;
        if (rank == 4 && channels != 3 && channels != 4)
            return Status::error(where + ": its shape " + shape_text(rank, dims) + " ends in " +
                                 std::to_string(channels) +
                                 " channels: expected 3 (RGB) or 4 (RGBA)");
        out.image.height = std::uint32_t(out.still ? dims[0] : dims[1]);
        out.image.width = std::uint32_t(out.still ? dims[1] : dims[2]);
        out.image.format = {std::uint8_t(channels), sample};
        if (!format_supported(out.image.format))
            return Status::error(where + ": " + std::string(sample_name(sample)) +
                                 " RGB or RGBA is not a format the viewer takes (" + format_list() +
                                 ")");
        out.frames = out.still ? 1 : dims[0];
    }
    o.data = std::move(d);
    o.rank = rank;
    if (!out.still) {
        o.t_ns = sibling("t_ns");
        if (o.t_ns) {
            H5Handle ts(H5Dget_space(o.t_ns.get()));
            hsize_t n = 0;
            out.timed = H5Sget_simple_extent_ndims(ts.get()) == 1 &&
                        H5Sget_simple_extent_dims(ts.get(), &n, nullptr) == 1 && n >= out.frames;
            if (!out.timed) o.t_ns = H5Handle();
        }
    }
    m_open.push_back(std::move(o));
    return Status::ok();
}

Status Hdf5Reader::open(const std::string& path, std::string_view dataset, bool swmr) {
    hdf5_quiet();
    m_path = path;
    m_streams.clear();
    m_open.clear();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return Status::error("hdf5: cannot read " + path + ": " + std::strerror(ENOENT));
    if (H5Fis_hdf5(path.c_str()) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return Status::error("hdf5: " + path + " is not an HDF5 file");
    }
    m_file = H5Handle(
        H5Fopen(path.c_str(), H5F_ACC_RDONLY | (swmr ? H5F_ACC_SWMR_READ : 0u), H5P_DEFAULT));
    if (!m_file) {
        std::string message = hdf5_error("hdf5: cannot open " + path);
        if (!swmr)
            message += " (a file still being written can be read with follow=1 when its "
                       "writer uses SWMR; one a writer left open: h5clear -s FILE)";
        return Status::error(message);
    }
    Found found;
    H5Lvisit(m_file.get(), H5_INDEX_NAME, H5_ITER_NATIVE, collect, &found);
    H5Eclear2(H5E_DEFAULT);
    auto playable_list = [&] {
        std::string list;
        for (const std::string& p : found.datasets) {
            H5Handle d(H5Dopen2(m_file.get(), p.c_str(), H5P_DEFAULT));
            H5Handle space(H5Dget_space(d.get()));
            H5Handle type(H5Dget_type(d.get()));
            const int rank = H5Sget_simple_extent_ndims(space.get());
            hsize_t dims[H5S_MAX_RANK] = {};
            H5Sget_simple_extent_dims(space.get(), dims, nullptr);
            if (rank < 2) continue; // per-frame numbers, not frames
            list += (list.empty() ? "" : ", ") + p + " " + shape_text(rank, dims) + " " +
                    type_name(type.get());
        }
        return list.empty() ? std::string("none") : list;
    };
    std::vector<std::string> chosen;
    if (!dataset.empty()) {
        std::string p(dataset);
        if (!p.starts_with('/')) p = "/" + p;
        if (H5Lexists(m_file.get(), p.c_str(), H5P_DEFAULT) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return Status::error("hdf5: " + path + " has no dataset " + p +
                                 "; datasets that could be played: " + playable_list());
        }
        chosen.push_back(p);
    } else {
        H5Handle entry(H5Lexists(m_file.get(), "/entry", H5P_DEFAULT) > 0
                           ? H5Oopen(m_file.get(), "/entry", H5P_DEFAULT)
                           : H5I_INVALID_HID);
        H5Eclear2(H5E_DEFAULT);
        const bool recording = entry && read_string_attribute(entry.get(), "rtviewer_version");
        if (recording) { // every stream, those in files of their own (external links) too
            H5G_info_t info{};
            H5Gget_info(entry.get(), &info);
            for (hsize_t i = 0; i < info.nlinks; ++i) {
                char name[1024];
                if (H5Lget_name_by_idx(entry.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name,
                                       sizeof name, H5P_DEFAULT) < 0)
                    continue;
                H5Handle g(H5Oopen(entry.get(), name, H5P_DEFAULT));
                if (g && H5Iget_type(g.get()) == H5I_GROUP &&
                    read_string_attribute(g.get(), "stream"))
                    chosen.push_back("/entry/" + std::string(name) + "/data");
            }
            H5Eclear2(H5E_DEFAULT);
        } else {
            std::vector<std::string> signals, cubes, images;
            for (const std::string& p : found.datasets) {
                const std::string g = parent_of(p);
                H5Handle group(H5Oopen(m_file.get(), g.c_str(), H5P_DEFAULT));
                const auto nx = read_string_attribute(group.get(), "NX_class");
                const auto signal = read_string_attribute(group.get(), "signal");
                if (nx == "NXdata" && signal && p == g + "/" + *signal) signals.push_back(p);
                H5Handle d(H5Dopen2(m_file.get(), p.c_str(), H5P_DEFAULT));
                H5Handle space(H5Dget_space(d.get()));
                H5Handle type(H5Dget_type(d.get()));
                const int rank = H5Sget_simple_extent_ndims(space.get());
                const H5T_class_t c = H5Tget_class(type.get());
                if (rank == 3) cubes.push_back(p);
                if (rank >= 2 && rank <= 4 && (c == H5T_INTEGER || c == H5T_FLOAT))
                    images.push_back(p);
            }
            H5Eclear2(H5E_DEFAULT);
            if (signals.size() == 1)
                chosen = signals;
            else if (cubes.size() == 1)
                chosen = cubes;
            else if (images.size() == 1)
                chosen = images;
            else
                return Status::error("hdf5: " + path +
                                     ": say which dataset to play (dataset=...); datasets that "
                                     "could be played: " +
                                     playable_list());
        }
    }
    if (chosen.empty()) return Status::error("hdf5: " + path + " holds no stream to play");
    for (const std::string& p : chosen) {
        Hdf5Stream s;
        if (Status st = add(p, s); !st) return st;
        m_streams.push_back(std::move(s));
    }
    return Status::ok();
}

Status Hdf5Reader::read_image(std::size_t s, std::uint64_t i, std::span<std::byte> out) {
    hdf5_quiet();
    const Hdf5Stream& st = m_streams[s];
    const Open& o = m_open[std::size_t(s)];
    const hsize_t count[4] = {1, st.image.height, st.image.width, st.image.format.channels};
    const hsize_t start[4] = {i, 0, 0, 0};
    herr_t r = 0;
    if (st.still) {
        r = H5Dread(o.data.get(), memory_type_of(st.image.format.sample), H5S_ALL, H5S_ALL,
                    H5P_DEFAULT, out.data());
    } else {
        H5Handle file_space(H5Dget_space(o.data.get()));
        H5Handle memory_space(H5Screate_simple(o.rank, count, nullptr));
        r = H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
        if (r >= 0)
            r = H5Dread(o.data.get(), memory_type_of(st.image.format.sample), memory_space.get(),
                        file_space.get(), H5P_DEFAULT, out.data());
    }
    if (r < 0)
        return Status::error(
            hdf5_error("hdf5: " + m_path + " " + st.dataset + " frame " + std::to_string(i)));
    return Status::ok();
}

namespace {
bool read_scalar(hid_t d, std::uint64_t i, hid_t type, void* out) {
    H5Handle file_space(H5Dget_space(d));
    const hsize_t start = i, count = 1;
    H5Handle memory_space(H5Screate_simple(1, &count, nullptr));
    return H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count,
                               nullptr) >= 0 &&
           H5Dread(d, type, memory_space.get(), file_space.get(), H5P_DEFAULT, out) >= 0;
}
} // namespace

Status Hdf5Reader::read_lines(std::size_t s, std::uint64_t i, std::span<LinePoint> out,
                              std::uint32_t& lines, std::uint32_t& points) {
    hdf5_quiet();
    const Hdf5Stream& st = m_streams[s];
    Open& o = m_open[s];
    const std::string where = "hdf5: " + m_path + " " + st.dataset + " frame " + std::to_string(i);
    const std::uint32_t L = st.capacity.max_lines, P = st.capacity.max_points;
    H5Handle file_space(H5Dget_space(o.data.get()));
    if (st.mode == StreamMode::Replace) {
        const hsize_t start[4] = {i, 0, 0, 0}, count[4] = {1, L, P, 2};
        H5Handle memory_space(H5Screate_simple(4, count, nullptr));
        if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) <
                0 ||
            H5Dread(o.data.get(), H5T_NATIVE_FLOAT, memory_space.get(), file_space.get(),
                    H5P_DEFAULT, out.data()) < 0)
            return Status::error(hdf5_error(where));
        lines = L;
        points = P;
        if (o.lines && !read_scalar(o.lines.get(), i, H5T_NATIVE_UINT32, &lines))
            return Status::error(hdf5_error(where + ": lines"));
        if (o.points && !read_scalar(o.points.get(), i, H5T_NATIVE_UINT32, &points))
            return Status::error(hdf5_error(where + ": points"));
        if (lines > L || points > P)
            return Status::error(where + ": its lines or points exceed the dataset's shape");
        for (std::uint32_t l = 1; l < lines; ++l) // padded rows of P -> packed rows of points
            std::copy_n(out.data() + std::size_t{l} * P, points,
                        out.data() + std::size_t{l} * points);
        return Status::ok();
    }
    std::uint64_t first = 0;
    std::uint32_t n = 0;
    if (!read_scalar(o.first.get(), i, H5T_NATIVE_UINT64, &first) ||
        !read_scalar(o.points.get(), i, H5T_NATIVE_UINT32, &n))
        return Status::error(hdf5_error(where + ": first or points"));
    if (n > P) return Status::error(where + ": more points than the stream holds");
    lines = L;
    points = n;
    if (n == 0) return Status::ok();
    const hsize_t start[3] = {first, 0, 0};
    void* target = L == 1 ? static_cast<void*>(out.data()) : o.scratch.data();
    hsize_t mcount[3] = {n, o.rank == 3 ? L : 2, 2};
    H5Handle mspace(H5Screate_simple(o.rank, mcount, nullptr));
    if (H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, mcount, nullptr) <
            0 ||
        H5Dread(o.data.get(), H5T_NATIVE_FLOAT, mspace.get(), file_space.get(), H5P_DEFAULT,
                target) < 0)
        return Status::error(hdf5_error(where));
    if (L > 1) { // sample after sample -> line after line
        const LinePoint* src = reinterpret_cast<const LinePoint*>(o.scratch.data());
        for (std::uint32_t l = 0; l < L; ++l)
            for (std::uint32_t j = 0; j < n; ++j)
                out[std::size_t{l} * n + j] = src[std::size_t{j} * L + l];
    }
    return Status::ok();
}

Status Hdf5Reader::time_of(std::size_t s, std::uint64_t i, std::int64_t& t_ns) {
    hdf5_quiet();
    if (!m_open[s].t_ns || !read_scalar(m_open[s].t_ns.get(), i, H5T_NATIVE_INT64, &t_ns))
        return Status::error(hdf5_error("hdf5: " + m_path + " " + m_streams[s].dataset +
                                        ": no time for frame " + std::to_string(i)));
    return Status::ok();
}

Status Hdf5Reader::times(std::size_t s, std::vector<std::int64_t>& out) {
    hdf5_quiet();
    out.assign(m_streams[s].frames, 0);
    if (out.empty()) return Status::ok();
    const Open& o = m_open[s];
    H5Handle file_space(H5Dget_space(o.t_ns.get()));
    const hsize_t start = 0, count = out.size();
    H5Handle memory_space(H5Screate_simple(1, &count, nullptr));
    if (!o.t_ns ||
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr) <
            0 ||
        H5Dread(o.t_ns.get(), H5T_NATIVE_INT64, memory_space.get(), file_space.get(), H5P_DEFAULT,
                out.data()) < 0)
        return Status::error(
            hdf5_error("hdf5: " + m_path + " " + m_streams[s].dataset + ": cannot read t_ns"));
    return Status::ok();
}

Status Hdf5Reader::refresh(std::size_t s, std::uint64_t& frames) {
    hdf5_quiet();
    Open& o = m_open[s];
    Hdf5Stream& st = m_streams[s];
    if (st.still) {
        frames = 1;
        return Status::ok();
    }
    // The per-frame datasets first: a frame counts once its numbers are there too.
    for (H5Handle* h : {&o.t_ns, &o.first, &o.points, &o.lines, &o.data})
        if (*h && H5Drefresh(h->get()) < 0)
            return Status::error(
                hdf5_error("hdf5: " + m_path + " " + st.dataset + ": cannot refresh"));
    auto extent = [](hid_t d) {
        H5Handle space(H5Dget_space(d));
        hsize_t dims[H5S_MAX_RANK] = {};
        H5Sget_simple_extent_dims(space.get(), dims, nullptr);
        return dims[0];
    };
    std::uint64_t n = st.mode == StreamMode::Append ? extent(o.points.get()) : extent(o.data.get());
    if (o.t_ns) n = std::min<std::uint64_t>(n, extent(o.t_ns.get()));
    if (o.points && st.mode == StreamMode::Replace)
        n = std::min<std::uint64_t>(n, extent(o.points.get()));
    frames = st.frames = n;
    return Status::ok();
}

} // namespace rtv::storage

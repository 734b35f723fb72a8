// rtviewer-convert: turns a .npy recording (a directory written by --record DIR) into an HDF5
// recording (the layout --record FILE.h5 writes), or an HDF5 recording back into a directory.
//   rtviewer-convert DIR FILE.h5 [--compression none|gzip|lz4|bitshuffle-lz4]
//   rtviewer-convert FILE.h5 DIR
// Exit status: 0 done, 1 a read or write failed (the message says where), 2 bad arguments.

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/pixel_format.hpp"
#include "storage/hdf5_reader.hpp"
#include "storage/hdf5_writer.hpp"
#include "storage/npy_dir.hpp"
#include "wire/npy.hpp"

namespace {

using rtv::FrameKind;
using rtv::Status;

constexpr const char* kUsage =
    "rtviewer-convert: converts from a .npy recording directory to FILE.h5, or back:\n"
    "  rtviewer-convert DIR FILE.h5 [--compression none|gzip|lz4|bitshuffle-lz4]\n"
    "  rtviewer-convert FILE.h5 DIR\n";

int fail(const std::string& message) {
    std::fprintf(stderr, "%s\n", message.c_str());
    return 1;
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    for (std::string f; std::getline(in, f, '\t');)
        out.push_back(f);
    return out;
}

bool read_file(const std::string& path, std::vector<std::byte>& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    in.seekg(0, std::ios::end);
    out.resize(std::size_t(in.tellg()));
    in.seekg(0);
    return bool(in.read(reinterpret_cast<char*>(out.data()), std::streamsize(out.size())));
}

// DIR -> FILE.h5: the index read once for each stream's largest lines frame, then every frame.
int npy_to_hdf5(const std::string& dir, const std::string& file, rtv::storage::Compression c) {
    std::ifstream index(dir + "/index.tsv");
    if (!index)
        return fail("rtviewer-convert: cannot read " + dir + "/index.tsv: " + std::strerror(errno) +
                    " (is it a directory written by --record?)");
    std::string line;
    std::getline(index, line);
    if (line != "frame\tstream\tkind\trows\tcols\tformat\tt_ns\tfile")
        return fail("rtviewer-convert: " + dir + "/index.tsv: not a recording index header");
    std::vector<std::vector<std::string>> rows;
    while (std::getline(index, line)) {
        rows.push_back(split_tabs(line));
        if (rows.back().size() != 8)
            return fail("rtviewer-convert: " + dir + "/index.tsv line " +
                        std::to_string(rows.size() + 1) + ": expected 8 fields");
    }
    std::vector<std::pair<std::string, std::uint32_t>> widest; // lines streams: most points
    for (const auto& r : rows)
        if (r[2] == "lines") {
            const std::uint32_t cols = std::uint32_t(std::stoul(r[4]));
            auto it = std::find_if(widest.begin(), widest.end(),
                                   [&](const auto& w) { return w.first == r[1]; });
            if (it == widest.end())
                widest.emplace_back(r[1], cols);
            else
                it->second = std::max(it->second, cols);
        }
    rtv::storage::RecordInfo info;
    info.version = RTV_VERSION;
    info.producers = "rtviewer-convert " + dir;
    rtv::storage::Hdf5Writer writer(file, c, info);
    if (Status s = writer.open(); !s) return fail(s.message());
    std::vector<std::pair<std::string, std::uint64_t>> sequence;
    std::vector<std::byte> bytes, converted;
    for (const auto& r : rows) {
        const std::string path = dir + "/" + r[7];
        rtv::wire::NpyArray a;
        if (!read_file(path, bytes)) return fail("rtviewer-convert: cannot read " + path);
        if (Status s = rtv::wire::parse_npy(bytes, a); !s)
            return fail("rtviewer-convert: " + path + ": " + s.message());
        rtv::storage::RecordFrame f;
        f.stream = r[1];
        f.kind = r[2] == "image" ? FrameKind::Image : FrameKind::Lines;
        if (f.kind == FrameKind::Image) {
            const auto format = rtv::find_format(r[5]);
            if (!format) return fail("rtviewer-convert: " + path + ": unknown format " + r[5]);
            f.image = {std::uint32_t(std::stoul(r[4])), std::uint32_t(std::stoul(r[3])), *format};
            if (a.data.size() != f.image.byte_size())
                return fail("rtviewer-convert: " + path + ": its size does not match the index");
            f.data = a.data;
        } else {
            f.lines = std::uint32_t(std::stoul(r[3]));
            f.points = std::uint32_t(std::stoul(r[4]));
            f.capacity = {f.lines, std::find_if(widest.begin(), widest.end(), [&](const auto& w) {
                                       return w.first == r[1];
                                   })->second};
            converted.resize(a.count() * sizeof(float));
            rtv::wire::npy_to_float(a, {reinterpret_cast<float*>(converted.data()), a.count()});
            f.data = converted;
        }
        f.t_ns = std::stoll(r[6]);
        auto it = std::find_if(sequence.begin(), sequence.end(),
                               [&](const auto& s) { return s.first == r[1]; });
        if (it == sequence.end()) it = sequence.insert(sequence.end(), {r[1], 0});
        f.sequence = it->second++;
        if (Status s = writer.write(f); !s) return fail(s.message());
    }
    if (Status s = writer.close(); !s) return fail(s.message());
    std::printf("rtviewer-convert: %zu frames from %s to %s\n", rows.size(), dir.c_str(),
                file.c_str());
    return 0;
}

// FILE.h5 -> DIR: every stream of the recording, frames in the order they were recorded.
int hdf5_to_npy(const std::string& file, const std::string& dir) {
    rtv::storage::Hdf5Reader reader;
    if (Status s = reader.open(file, {}, false); !s)
        return fail("rtviewer-convert: " + s.message());
    struct Item {
        std::size_t stream;
        std::uint64_t frame;
        std::int64_t t_ns;
    };
    std::vector<Item> order;
    std::vector<std::int64_t> t;
    for (std::size_t s = 0; s < reader.streams().size(); ++s) {
        const auto& h = reader.streams()[s];
        if (h.timed) {
            if (Status st = reader.times(s, t); !st)
                return fail("rtviewer-convert: " + st.message());
        }
        for (std::uint64_t i = 0; i < h.frames; ++i)
            order.push_back({s, i, h.timed ? t[i] : 0});
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const Item& a, const Item& b) { return a.t_ns < b.t_ns; });
    rtv::storage::NpyDirWriter writer(dir);
    if (Status s = writer.open(); !s) return fail(s.message());
    std::vector<std::byte> buffer;
    for (const Item& it : order) {
        const auto& h = reader.streams()[it.stream];
        rtv::storage::RecordFrame f;
        f.stream = h.name;
        f.kind = h.kind;
        f.t_ns = it.t_ns;
        if (h.kind == FrameKind::Image) {
            f.image = h.image;
            buffer.resize(h.image.byte_size());
            if (Status s = reader.read_image(it.stream, it.frame, buffer); !s)
                return fail("rtviewer-convert: " + s.message());
            f.data = buffer;
        } else {
            buffer.resize(h.capacity.point_capacity() * sizeof(rtv::LinePoint));
            std::span<rtv::LinePoint> points(reinterpret_cast<rtv::LinePoint*>(buffer.data()),
                                             h.capacity.point_capacity());
            if (Status s = reader.read_lines(it.stream, it.frame, points, f.lines, f.points); !s)
                return fail("rtviewer-convert: " + s.message());
            f.data = std::span<const std::byte>(buffer).first(std::size_t{f.lines} * f.points *
                                                              sizeof(rtv::LinePoint));
        }
        if (Status s = writer.write(f); !s) return fail(s.message());
    }
    (void)writer.close();
    std::printf("rtviewer-convert: %zu frames from %s to %s\n", order.size(), file.c_str(),
                dir.c_str());
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    rtv::storage::Compression c = rtv::storage::Compression::None;
    if (args.size() == 4 && args[2] == "--compression") {
        if (Status s = rtv::storage::parse_compression(args[3], c); !s) {
            std::fprintf(stderr, "%s\n%s", s.message().c_str(), kUsage);
            return 2;
        }
        args.resize(2);
    }
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    const bool to_hdf5 = args.size() == 2 && !rtv::storage::is_hdf5_path(args[0]) &&
                         rtv::storage::is_hdf5_path(args[1]);
    const bool to_npy = args.size() == 2 && rtv::storage::is_hdf5_path(args[0]) &&
                        !rtv::storage::is_hdf5_path(args[1]) &&
                        c == rtv::storage::Compression::None;
    if (!to_hdf5 && !to_npy) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    if (to_hdf5) {
        if (Status s = rtv::storage::compression_available(c); !s) {
            std::fprintf(stderr, "%s\n", s.message().c_str());
            return 2;
        }
        return npy_to_hdf5(args[0], args[1], c);
    }
    return hdf5_to_npy(args[0], args[1]);
}

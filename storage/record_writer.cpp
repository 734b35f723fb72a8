#include "storage/record_writer.hpp"

#include <array>

#include "storage/hdf5_util.hpp"
#include "storage/hdf5_writer.hpp"
#include "storage/npy_dir.hpp"

namespace rtv::storage {

namespace {
struct CompressionName {
    Compression c;
    std::string_view name;
    H5Z_filter_t filter; // 0: built into HDF5
    std::string_view package;
};
constexpr std::array kCompressions{
    CompressionName{Compression::None, "none", 0, ""},
    CompressionName{Compression::Gzip, "gzip", 0, ""},
    CompressionName{Compression::Lz4, "lz4", 32004, "hdf5-filter-plugin"},
    CompressionName{Compression::BitshuffleLz4, "bitshuffle-lz4", 32008, "bitshuffle"},
};
} // namespace

std::string_view compression_name(Compression c) {
    for (const auto& n : kCompressions)
        if (n.c == c) return n.name;
    return "?";
}

Status parse_compression(std::string_view name, Compression& out) {
    for (const auto& n : kCompressions)
        if (n.name == name) {
            out = n.c;
            return Status::ok();
        }
    return Status::error("rtviewer: --record-compression: must be none, gzip, lz4 or "
                         "bitshuffle-lz4, got '" +
                         std::string(name) + "'");
}

bool is_hdf5_path(std::string_view path) {
    for (std::string_view ext : {".h5", ".hdf5", ".hdf", ".nxs", ".nx5"})
        if (path.size() > ext.size() && path.ends_with(ext)) return true;
    return false;
}

Status compression_available(Compression c) {
    hdf5_quiet();
    for (const auto& n : kCompressions)
        if (n.c == c && n.filter != 0 && H5Zfilter_avail(n.filter) <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return Status::error(
                "rtviewer: --record-compression " + std::string(n.name) + ": HDF5 filter " +
                std::to_string(n.filter) + " is not installed (Debian package " +
                std::string(n.package) +
                "; HDF5 looks for filters in HDF5_PLUGIN_PATH, else its plugin directory)");
        }
    return Status::ok();
}

Status make_record_writer(const std::string& path, Compression compression, RecordInfo info,
                          std::unique_ptr<RecordWriter>& out) {
    if (!is_hdf5_path(path)) {
        if (compression != Compression::None)
            return Status::error("rtviewer: --record-compression: only for an HDF5 recording "
                                 "(--record FILE.h5), not the .npy directory " +
                                 path);
        out = std::make_unique<NpyDirWriter>(path);
        return Status::ok();
    }
    if (Status s = compression_available(compression); !s) return s;
    out = std::make_unique<Hdf5Writer>(path, compression, std::move(info));
    return Status::ok();
}

} // namespace rtv::storage

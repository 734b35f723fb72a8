#include "storage/hdf5_util.hpp"

#include <mutex>
#include <vector>

namespace rtv::storage {

H5Handle& H5Handle::operator=(H5Handle&& other) noexcept {
    if (this != &other) {
        reset();
        m_id = other.release();
    }
    return *this;
}

bool H5Handle::reset() {
    if (m_id < 0) return true;
    herr_t r = 0;
    switch (H5Iget_type(m_id)) {
    case H5I_FILE:
        r = H5Fclose(m_id);
        break;
    case H5I_GROUP:
        r = H5Gclose(m_id);
        break;
    case H5I_DATASET:
        r = H5Dclose(m_id);
        break;
    case H5I_DATASPACE:
        r = H5Sclose(m_id);
        break;
    case H5I_DATATYPE:
        r = H5Tclose(m_id);
        break;
    case H5I_ATTR:
        r = H5Aclose(m_id);
        break;
    case H5I_GENPROP_LST:
        r = H5Pclose(m_id);
        break;
    default:
        r = H5Idec_ref(m_id);
        break;
    }
    m_id = H5I_INVALID_HID;
    return r >= 0;
}

void hdf5_quiet() {
    thread_local bool quiet = false;
    if (quiet) return;
    // Before the library starts: no clean-up of HDF5's own at exit. It would close again a
    // file whose close already failed (a full disk), and HDF5 1.10 crashes doing so; every
    // file of ours is closed by its owner before exit.
    static std::once_flag once;
    std::call_once(once, [] { H5dont_atexit(); });
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    quiet = true;
}

namespace {
struct Innermost {
    std::string text;
};
herr_t take_innermost(unsigned n, const H5E_error2_t* e, void* data) {
    // Walked from the innermost call outward: the first entry is the most specific reason.
    if (n == 0 && e->desc && *e->desc) static_cast<Innermost*>(data)->text = e->desc;
    return 0;
}
} // namespace

std::string hdf5_error(std::string_view what) {
    Innermost inner;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &inner);
    H5Eclear2(H5E_DEFAULT);
    std::string out(what);
    std::string text = inner.text.substr(0, inner.text.find('\n'));
    // A failed system call: HDF5 says "file write failed: time = ..., errno = 28, error message
    // = 'No space left on device', ..."; the reason is the part worth a line.
    const std::size_t quoted = inner.text.find("error message = '");
    if (quoted != std::string::npos) {
        const std::size_t from = quoted + 17, to = inner.text.find('\'', from);
        text = text.substr(0, text.find(':')) + ": " + inner.text.substr(from, to - from);
    }
    if (!text.empty()) out += ": " + text;
    return out;
}

bool write_string_attribute(hid_t object, const char* name, std::string_view value) {
    // Variable-length UTF-8, as h5py writes strings: Python reads them back as str.
    H5Handle type(H5Tcopy(H5T_C_S1));
    if (!type || H5Tset_size(type.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(type.get(), H5T_CSET_UTF8) < 0)
        return false;
    H5Handle space(H5Screate(H5S_SCALAR));
    H5Handle attr(H5Acreate2(object, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!attr) return false;
    const std::string text(value); // NUL-terminated
    const char* p = text.c_str();
    return H5Awrite(attr.get(), type.get(), &p) >= 0;
}

std::optional<std::string> read_string_attribute(hid_t object, const char* name) {
    if (H5Aexists(object, name) <= 0) return std::nullopt;
    H5Handle attr(H5Aopen(object, name, H5P_DEFAULT));
    if (!attr) return std::nullopt;
    H5Handle type(H5Aget_type(attr.get()));
    H5Handle space(H5Aget_space(attr.get()));
    if (!type || H5Tget_class(type.get()) != H5T_STRING ||
        H5Sget_simple_extent_npoints(space.get()) != 1)
        return std::nullopt;
    if (H5Tis_variable_str(type.get()) > 0) {
        H5Handle mem(H5Tcopy(H5T_C_S1));
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        char* text = nullptr;
        if (H5Aread(attr.get(), mem.get(), &text) < 0) return std::nullopt;
        std::string out = text ? text : "";
        H5free_memory(text);
        return out;
    }
    const std::size_t size = H5Tget_size(type.get());
    std::vector<char> buf(size + 1, 0);
    if (H5Aread(attr.get(), type.get(), buf.data()) < 0) return std::nullopt;
    return std::string(buf.data());
}

hid_t file_type_of(SampleType sample) {
    switch (sample) {
    case SampleType::U8:
        return H5T_STD_U8LE;
    case SampleType::U16:
        return H5T_STD_U16LE;
    case SampleType::I16:
        return H5T_STD_I16LE;
    case SampleType::F32:
        break;
    }
    return H5T_IEEE_F32LE;
}

hid_t memory_type_of(SampleType sample) {
    switch (sample) {
    case SampleType::U8:
        return H5T_NATIVE_UINT8;
    case SampleType::U16:
        return H5T_NATIVE_UINT16;
    case SampleType::I16:
        return H5T_NATIVE_INT16;
    case SampleType::F32:
        break;
    }
    return H5T_NATIVE_FLOAT;
}

} // namespace rtv::storage

#pragma once
// What storage's HDF5 code shares: a handle that closes itself, HDF5's error stack turned into
// one line of ours (HDF5 prints nothing), string attributes, and the sample types the viewer
// takes. Thread: any (Debian's libhdf5 is built thread-safe); HDF5's error state is per thread,
// so every entry point calls hdf5_quiet() on its own thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <hdf5.h>

#include "core/frame.hpp"

namespace rtv::storage {

// Owns one HDF5 identifier (file, group, dataset, dataspace, datatype, property list,
// attribute) and closes it with the call its type needs.
class H5Handle {
public:
    H5Handle() = default;
    explicit H5Handle(hid_t id)
        : m_id(id) {}
    H5Handle(H5Handle&& other) noexcept
        : m_id(other.release()) {}
    H5Handle& operator=(H5Handle&& other) noexcept;
    H5Handle(const H5Handle&) = delete;
    H5Handle& operator=(const H5Handle&) = delete;
    ~H5Handle() { reset(); }

    hid_t get() const { return m_id; }
    explicit operator bool() const { return m_id >= 0; }
    hid_t release() {
        const hid_t id = m_id;
        m_id = H5I_INVALID_HID;
        return id;
    }
    // Closes it; false if HDF5 reported an error doing so (a file whose last write failed).
    bool reset();

private:
    hid_t m_id = H5I_INVALID_HID;
};

// Turns off HDF5's printing of its error stack on this thread. Cheap after the first call.
void hdf5_quiet();
// "<what>: <HDF5's innermost reason>" from this thread's error stack, which it then clears.
std::string hdf5_error(std::string_view what);

bool write_string_attribute(hid_t object, const char* name, std::string_view value);
// A string attribute (fixed or variable length), or nothing when absent or not a string.
std::optional<std::string> read_string_attribute(hid_t object, const char* name);

// The file type and the in-memory type of a sample type.
hid_t file_type_of(SampleType sample);
hid_t memory_type_of(SampleType sample);

} // namespace rtv::storage

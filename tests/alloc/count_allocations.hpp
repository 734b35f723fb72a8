#pragma once
// The process-wide count of operator new calls (count_allocations.cpp replaces operator new).

#include <cstdint>

namespace rtv::test {
std::uint64_t allocation_count();
}

#pragma once
// Stream-name patterns: '*' matches any run of characters (none too), everything else itself.
// One definition for the layout files' stream lists and the zmq producer's streams= setting.

#include <string_view>

namespace rtv {

inline bool glob_match(std::string_view pattern, std::string_view name) {
    // Iterative, with one backtrack point: the last star, retried one character further on.
    std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            resume = n;
        } else if (p < pattern.size() && pattern[p] == name[n]) {
            ++p;
            ++n;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            n = ++resume;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

} // namespace rtv

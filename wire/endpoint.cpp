#include "wire/endpoint.hpp"

#include <string>

namespace rtv::wire {

bool split_tcp_endpoint(std::string_view endpoint, std::string_view& host, std::string_view& port) {
    if (!endpoint.starts_with("tcp://")) return false;
    std::string_view rest = endpoint.substr(6);
    if (const std::size_t semi = rest.find(';'); semi != std::string_view::npos)
        rest = rest.substr(semi + 1); // a source address first: the peer is after ';'
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    return !host.empty() && !port.empty();
}

Status check_endpoint(std::string_view endpoint, bool bind, std::string_view who) {
    const auto bad = [&](std::string_view why) {
        return Status::error(std::string(who) + " endpoint '" + std::string(endpoint) + "' " +
                             std::string(why) +
                             ", expected tcp://HOST:PORT, ipc:///PATH or inproc://NAME (e.g. "
                             "tcp://127.0.0.1:5555)");
    };
    const std::size_t scheme = endpoint.find("://");
    if (scheme == std::string_view::npos || scheme == 0 || endpoint.size() <= scheme + 3)
        return bad("is not a ZeroMQ endpoint");
    if (!endpoint.starts_with("tcp://")) return Status::ok();
    std::string_view host, port;
    if (!split_tcp_endpoint(endpoint, host, port)) return bad("has no HOST:PORT");
    if (port == "*") return bind ? Status::ok() : bad("has port *, which only a bind takes");
    unsigned long value = 0;
    for (const char c : port) {
        if (c < '0' || c > '9' || value > 65535) return bad("has a port that is not 0..65535");
        value = value * 10 + unsigned(c - '0');
    }
    if (value > 65535 || (value == 0 && !bind)) return bad("has a port outside 1..65535");
    return Status::ok();
}

bool is_local_endpoint(std::string_view endpoint) {
    if (endpoint.starts_with("ipc://") || endpoint.starts_with("inproc://")) return true;
    std::string_view host, port;
    if (!split_tcp_endpoint(endpoint, host, port)) return false;
    if (endpoint.find(';') != std::string_view::npos) return false; // a source address too
    if (host == "localhost" || host == "::1" || host == "lo" || host == "ip6-localhost")
        return true;
    if (!host.starts_with("127.")) return false;
    for (const char c : host)
        if (c != '.' && (c < '0' || c > '9')) return false;
    return true;
}

} // namespace rtv::wire

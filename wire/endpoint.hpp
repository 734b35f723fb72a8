#pragma once
// ZeroMQ endpoints as text, checked before ZeroMQ sees them (the zmq producer, the broker): what
// parses, and what stays on this machine. No ZeroMQ here. Thread: any. Allocates: the error path.

#include <string_view>

#include "core/status.hpp"

namespace rtv::wire {

// The peer host and port text of a tcp:// endpoint ("tcp://HOST:PORT", "tcp://[::1]:PORT",
// "tcp://SOURCE;HOST:PORT"): false when it has no host or no ':PORT'.
bool split_tcp_endpoint(std::string_view endpoint, std::string_view& host, std::string_view& port);

// Whether `endpoint` is one to bind (`bind`) or connect to: tcp://HOST:PORT (port 1..65535, or *
// and 0 for a bind: a free port), ipc://PATH, inproc://NAME or another scheme ZeroMQ knows. The
// error names `who` ("zmq: bind", "--frontend") and the forms expected.
Status check_endpoint(std::string_view endpoint, bool bind, std::string_view who);

// Whether `endpoint` stays on this machine: ipc://, inproc://, or tcp:// to 127.0.0.0/8, ::1,
// localhost or the loopback interface (lo).
bool is_local_endpoint(std::string_view endpoint);

} // namespace rtv::wire

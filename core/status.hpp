#pragma once
// Success, or a human-readable reason. Only the error path allocates.
// Messages follow "<who>: <what is wrong>, got <value>, expected <what>"; tests compare them whole.

#include <string>

namespace rtv {

class [[nodiscard]] Status {
public:
    static Status ok() { return Status{}; }
    static Status error(std::string message); // asserts that message is non-empty

    bool is_ok() const { return m_message.empty(); }
    explicit operator bool() const { return is_ok(); }
    const std::string& message() const { return m_message; }

private:
    Status() = default;
    explicit Status(std::string message)
        : m_message(std::move(message)) {}
    std::string m_message;
};

} // namespace rtv

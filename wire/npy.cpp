#include "wire/npy.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <utility>

// Index:
// [SECTION] Header: a Python literal as numpy reads it (HeaderParser)
// [SECTION] Dtypes: numpy's spellings of the six types taken (dtype_of)
// [SECTION] Reading: numpy's checks of the header, then the viewer's (parse)
// [SECTION] Converting and writing

namespace rtv::wire {

static_assert(std::endian::native == std::endian::little,
              "data are handed on as they lie (little-endian); a big-endian host would swap");

namespace {

constexpr std::array<std::string_view, 6> kDescr{"<f4", "<f8", "|u1", "<u2", "<i2", "<i4"};
constexpr std::array<std::size_t, 6> kSize{4, 8, 1, 2, 2, 4};
constexpr std::string_view kMagic{"\x93NUMPY", 6};

std::string shape_text(unsigned dims, const std::uint64_t* shape) {
    std::string s = "(";
    for (unsigned i = 0; i < dims; ++i)
        s += std::to_string(shape[i]) + (dims == 1 ? "," : i + 1 < dims ? ", " : "");
    return s + ")";
}

// [SECTION] Header: a Python literal, read by numpy with ast.literal_eval, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (600, 800), }
// The reader takes what literal_eval takes (Python 3.11, as Debian 12's numpy 1.24 runs it):
// any literal as a value, keys in any order (a repeated key: the last one counts), either quote,
// string prefixes, escapes and implicit concatenation, comments, line continuations, trailing
// commas, ints in any base, parentheses around anything; and numpy's own filter for versions 1.0
// and 2.0, which drops the 'L' that Python 2 wrote after a long (2L). It keeps only what the
// checks need, in fixed-size fields: no allocation.

constexpr unsigned kMaxDepth = 32; // Python stops at 200 nested brackets
constexpr std::uint64_t kMaxDimension = 1000000000000000000ull; // 10^18: no product overflows

// A literal as the header's checks see it.
struct Literal {
    enum class Kind : std::uint8_t {
        Str,
        Bytes,
        Int,
        Float,
        Complex,
        Bool,
        None,
        Tuple,
        List,
        Set,
        Dict
    };
    Kind kind = Kind::None;
    bool plain = true;              // a number as written, not a sign or a sum (literal_eval
                                    // takes a sign or a sum only of plain numbers)
    bool hashable = true;           // may be a dict key or a set element
    std::size_t begin = 0, end = 0; // where it is in the header
    char text[64] = {};             // Str: the value; a non-ASCII character as 0x80
    std::uint8_t size = 0;          // Str: characters in text
    bool truncated = false;         // Str: longer than text (it matches nothing)
    std::uint64_t magnitude = 0;    // Int
    bool negative = false;          // Int, below zero
    bool huge = false;              // Int, over 10^18
    bool truth = false;             // Bool
    unsigned items = 0;             // Tuple: its length
    std::uint64_t dims[8] = {};     // Tuple: its first 8 items where they are ints
    bool ints = true;               // Tuple: every item is an int (not a bool)
    bool any_negative = false;      // Tuple: an item is below zero
    bool any_huge = false;          // Tuple: an item is over 10^18

    std::string_view value() const { return {text, size}; }
    void put(char c) {
        if (size < sizeof text)
            text[size++] = c;
        else
            truncated = true;
    }
};

// The header dictionary: the last value of each key numpy expects, and the first other key.
struct HeaderDict {
    bool is_dict = false;
    Literal descr, fortran_order, shape;
    bool has_descr = false, has_fortran_order = false, has_shape = false;
    bool other_key = false;
    std::size_t other_begin = 0, other_end = 0;

    void add(const Literal& key, const Literal& value) {
        if (key.kind == Literal::Kind::Str && !key.truncated) {
            if (key.value() == "descr") {
                descr = value;
                has_descr = true;
                return;
            }
            if (key.value() == "fortran_order") {
                fortran_order = value;
                has_fortran_order = true;
                return;
            }
            if (key.value() == "shape") {
                shape = value;
                has_shape = true;
                return;
            }
        }
        if (!other_key) {
            other_key = true;
            other_begin = key.begin;
            other_end = key.end;
        }
    }
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
char lower(char c) {
    return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c;
}
int digit_value(char c, unsigned base) {
    const int d = is_digit(c)                          ? c - '0'
                  : lower(c) >= 'a' && lower(c) <= 'f' ? lower(c) - 'a' + 10
                                                       : 99;
    return d < int(base) ? d : -1;
}

// Reads the header text into a HeaderDict. On failure, error() and error_at() say what Python
// would have stumbled on, and where.
class HeaderParser {
public:
    HeaderParser(std::string_view text, bool utf8)
        : m_s(text)
        , m_utf8(utf8) {}

    bool parse(HeaderDict& out) {
        if (const std::size_t nul = m_s.find('\0'); nul != std::string_view::npos)
            return fail_at(nul, "a NUL byte");
        if (!leading()) return false;
        Literal top;
        if (!value(top, 0, &out)) return false;
        if (!trailing()) return false;
        out.is_dict = top.kind == Literal::Kind::Dict;
        return true;
    }
    const char* error() const { return m_error; }
    std::size_t error_at() const { return m_error_at; }

private:
    using Kind = Literal::Kind;

    bool fail(const char* what) { return fail_at(m_i, what); }
    bool fail_at(std::size_t at, const char* what) {
        m_error = what;
        m_error_at = at;
        return false;
    }
    // The character at i, or '\0' past the end (the text holds no NUL: parse() refuses it).
    char at(std::size_t i) const { return i < m_s.size() ? m_s[i] : '\0'; }
    std::size_t newline_at(std::size_t i) const {
        return at(i) == '\r' && at(i + 1) == '\n' ? 2 : at(i) == '\n' || at(i) == '\r' ? 1 : 0;
    }
    void skip_comment() {
        while (m_i < m_s.size() && m_s[m_i] != '\n' && m_s[m_i] != '\r')
            ++m_i;
    }
    void skip_blanks() {
        while (at(m_i) == ' ' || at(m_i) == '\t' || at(m_i) == '\f')
            ++m_i;
    }
    // Between the tokens inside brackets, where lines may break.
    void space() {
        for (;;) {
            const char c = at(m_i);
            if (c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == '\r')
                ++m_i;
            else if (c == '#')
                skip_comment();
            else if (c == '\\' && newline_at(m_i + 1))
                m_i += 1 + newline_at(m_i + 1);
            else
                return;
        }
    }

    // literal_eval strips leading spaces and tabs; blank and comment lines may follow; then the
    // value starts its line (Python refuses an indented one), which a '\\' may continue.
    bool leading() {
        while (at(m_i) == ' ' || at(m_i) == '\t')
            ++m_i;
        for (bool first_line = true;; first_line = false) {
            const std::size_t line = m_i;
            skip_blanks();
            const std::size_t indent = m_i;
            while (at(m_i) == '\\' && newline_at(m_i + 1)) {
                m_i += 1 + newline_at(m_i + 1);
                skip_blanks();
            }
            if (at(m_i) == '#') skip_comment();
            if (const std::size_t nl = newline_at(m_i)) {
                // numpy's filter for versions 1.0 and 2.0 breaks on a lone '\r' here
                if (!m_utf8 && nl == 1 && m_s[m_i] == '\r')
                    return fail("a carriage return without a line feed before the value");
                m_i += nl;
                continue;
            }
            if (m_i >= m_s.size()) return fail("no value");
            unsigned column = 0;
            for (std::size_t k = line; k < indent; ++k)
                column = m_s[k] == '\f' ? 0 : m_s[k] == '\t' ? (column / 8 + 1) * 8 : column + 1;
            // The filter of versions 1.0 and 2.0 turns a form feed on a later line into a space.
            if (column != 0 || (!m_utf8 && !first_line && indent != line))
                return fail_at(indent, "an indented value");
            return true;
        }
    }

    // After the value: spaces, a comment and line continuations on its line, then blank lines.
    bool trailing() {
        bool value_line = true, lone_cr = false;
        for (;;) {
            const std::size_t line = m_i;
            skip_blanks();
            const bool comment = at(m_i) == '#';
            if (comment) skip_comment();
            if (m_i >= m_s.size()) {
                // Python 3.11 refuses a last line of spaces after the value's line. The filter
                // of versions 1.0 and 2.0 drops it first, unless a lone '\r' began it.
                unsigned column = 0;
                for (std::size_t k = line; k < m_i; ++k)
                    column = m_s[k] == '\f' ? 0 : column + 1;
                if ((m_utf8 || lone_cr) && !value_line && !comment && column != 0)
                    return fail_at(line, "an indented line after the value");
                return true;
            }
            if (value_line && m_s[m_i] == '\\' && newline_at(m_i + 1) &&
                m_i + 1 + newline_at(m_i + 1) < m_s.size()) {
                m_i += 1 + newline_at(m_i + 1);
                continue;
            }
            const std::size_t nl = newline_at(m_i);
            if (nl == 0) return fail("text after the value");
            lone_cr = nl == 1 && m_s[m_i] == '\r';
            m_i += nl;
            value_line = false;
        }
    }

    // A value: a term, or literal_eval's one sum, a real number plus or minus an imaginary one.
    bool value(Literal& v, unsigned depth, HeaderDict* top) {
        if (!term(v, depth, top)) return false;
        const std::size_t after = m_i;
        space();
        if (at(m_i) != '+' && at(m_i) != '-') {
            m_i = after;
            return true;
        }
        const std::size_t op = m_i++;
        space();
        Literal right;
        if (!term(right, depth + 1, nullptr)) return false;
        if ((v.kind != Kind::Int && v.kind != Kind::Float) || right.kind != Kind::Complex ||
            !right.plain)
            return fail_at(op, "an operator other than a real plus or minus an imaginary number");
        v.kind = Kind::Complex;
        v.plain = false;
        v.end = m_i;
        return true;
    }

    bool term(Literal& v, unsigned depth, HeaderDict* top) {
        if (depth > kMaxDepth) return fail("brackets nested more than 32 deep");
        const std::size_t begin = m_i;
        const char c = at(m_i);
        bool ok = false;
        if (c == '(')
            ok = parens(v, depth, top);
        else if (c == '[')
            ok = list(v, depth);
        else if (c == '{')
            ok = braces(v, depth, top);
        else if (c == '+' || c == '-') {
            ++m_i;
            space();
            if (!term(v, depth + 1, nullptr)) return false;
            if (!v.plain ||
                (v.kind != Kind::Int && v.kind != Kind::Float && v.kind != Kind::Complex))
                return fail_at(begin, "a sign before something other than a number");
            v.negative = c == '-' && v.magnitude != 0;
            v.plain = false;
            ok = true;
        } else if (string_prefix(m_i) != std::string_view::npos)
            ok = strings(v);
        else if (is_digit(c) || (c == '.' && is_digit(at(m_i + 1))))
            ok = number(v);
        else if (m_s.substr(m_i, 3) == "...") { // Ellipsis, a constant too
            v = Literal{};
            m_i += 3;
            ok = true;
        } else if (is_name_char(c) && static_cast<unsigned char>(c) < 0x80)
            ok = name(v);
        else
            return fail("no value where one was expected");
        v.begin = begin;
        v.end = m_i;
        return ok;
    }

    // '(' starts a tuple, or a group: (x) is x.
    bool parens(Literal& v, unsigned depth, HeaderDict* top) {
        ++m_i;
        space();
        v = Literal{};
        v.kind = Kind::Tuple;
        if (at(m_i) == ')') {
            ++m_i;
            return true;
        }
        Literal first;
        if (!value(first, depth + 1, top)) return false;
        space();
        if (at(m_i) == ')') {
            ++m_i;
            v = first;
            return true;
        }
        add_item(v, first);
        while (at(m_i) == ',') {
            ++m_i;
            space();
            if (at(m_i) == ')') break;
            Literal item;
            if (!value(item, depth + 1, nullptr)) return false;
            add_item(v, item);
            space();
        }
        if (at(m_i) != ')') return fail("expected ',' or ')'");
        ++m_i;
        return true;
    }
    static void add_item(Literal& tuple, const Literal& item) {
        tuple.hashable = tuple.hashable && item.hashable;
        if (item.kind != Kind::Int)
            tuple.ints = false;
        else {
            if (tuple.items < 8) tuple.dims[tuple.items] = item.magnitude;
            tuple.any_negative = tuple.any_negative || item.negative;
            tuple.any_huge = tuple.any_huge || item.huge;
        }
        ++tuple.items;
    }

    bool list(Literal& v, unsigned depth) {
        ++m_i;
        space();
        v = Literal{};
        v.kind = Kind::List;
        v.hashable = false;
        while (at(m_i) != ']') {
            Literal item;
            if (!value(item, depth + 1, nullptr)) return false;
            space();
            if (at(m_i) == ']') break;
            if (at(m_i) != ',') return fail("expected ',' or ']'");
            ++m_i;
            space();
        }
        ++m_i;
        return true;
    }

    // '{' starts a dict, or a set. `top`: the header's own dict records its entries there.
    bool braces(Literal& v, unsigned depth, HeaderDict* top) {
        ++m_i;
        space();
        v = Literal{};
        v.kind = Kind::Dict;
        v.hashable = false;
        if (at(m_i) == '}') {
            ++m_i;
            return true;
        }
        Literal key;
        if (!value(key, depth + 1, nullptr)) return false;
        space();
        v.kind = at(m_i) == ':' ? Kind::Dict : Kind::Set;
        for (;;) {
            if (!key.hashable)
                return fail_at(key.begin, v.kind == Kind::Dict ? "a list, dict or set as a key"
                                                               : "a list, dict or set in a set");
            if (v.kind == Kind::Dict) {
                if (at(m_i) != ':') return fail("expected ':' after a key");
                ++m_i;
                space();
                Literal item;
                if (!value(item, depth + 1, nullptr)) return false;
                if (top) top->add(key, item);
                space();
            }
            if (at(m_i) == '}') break;
            if (at(m_i) != ',')
                return fail(v.kind == Kind::Dict ? "expected ',' or '}'"
                                                 : "expected ',' or '}' in a set");
            ++m_i;
            space();
            if (at(m_i) == '}') break;
            if (!value(key, depth + 1, nullptr)) return false;
            space();
        }
        ++m_i;
        return true;
    }

    // True, False, None and set() (an empty set); any other name is not a literal.
    bool name(Literal& v) {
        const std::size_t begin = m_i;
        while (is_name_char(at(m_i)))
            ++m_i;
        const std::string_view word = m_s.substr(begin, m_i - begin);
        v = Literal{};
        if (word == "True" || word == "False") {
            v.kind = Kind::Bool;
            v.truth = word == "True";
            return true;
        }
        if (word == "None") return true;
        if (word == "set") {
            space();
            if (at(m_i) == '(') {
                ++m_i;
                space();
                if (at(m_i) == ')') {
                    ++m_i;
                    v.kind = Kind::Set;
                    v.hashable = false;
                    return true;
                }
            }
        }
        return fail_at(begin, "a name other than True, False or None");
    }

    // Ints (with '_', in bases 2, 8, 10, 16), floats and imaginary numbers, as Python writes them.
    bool number(Literal& v) {
        v = Literal{};
        v.kind = Kind::Int;
        const char base_char = lower(at(m_i + 1));
        if (at(m_i) == '0' && (base_char == 'x' || base_char == 'o' || base_char == 'b')) {
            const unsigned base = base_char == 'x' ? 16 : base_char == 'o' ? 8 : 2;
            m_i += 2;
            unsigned digits = 0;
            for (;; ++m_i, ++digits) {
                if (at(m_i) == '_' && digit_value(at(m_i + 1), base) >= 0) ++m_i;
                const int d = digit_value(at(m_i), base);
                if (d < 0) break;
                accumulate(v, unsigned(d), base);
            }
            if (digits == 0) return fail("an int with no digits after its base");
        } else {
            const std::size_t begin = m_i;
            bool nonzero = false;
            if (!digit_run(v, nonzero)) return false;
            const bool leading_zero = m_i > begin && m_s[begin] == '0' && nonzero;
            bool real = false;
            if (at(m_i) == '.') {
                ++m_i;
                real = true;
                if (is_digit(at(m_i)) && !digit_run(v, nonzero)) return false;
            }
            if (lower(at(m_i)) == 'e') {
                const std::size_t sign = at(m_i + 1) == '+' || at(m_i + 1) == '-' ? 1 : 0;
                if (is_digit(at(m_i + 1 + sign))) {
                    m_i += 1 + sign;
                    if (!digit_run(v, nonzero)) return false;
                    real = true;
                }
            }
            if (lower(at(m_i)) == 'j') {
                ++m_i;
                v.kind = Kind::Complex;
            } else if (real)
                v.kind = Kind::Float;
            else if (leading_zero)
                return fail_at(begin, "leading zeros in an int");
        }
        if (!m_utf8) {
            // numpy's _filter_header (versions 1.0 and 2.0) drops any 'L' names after a number.
            for (;;) {
                std::size_t j = m_i;
                for (;;) {
                    if (at(j) == ' ' || at(j) == '\t' || at(j) == '\f')
                        ++j;
                    else if (at(j) == '\\' && newline_at(j + 1))
                        j += 1 + newline_at(j + 1);
                    else
                        break;
                }
                if (at(j) != 'L' || is_name_char(at(j + 1))) break;
                m_i = j + 1;
            }
        }
        if (is_name_char(at(m_i))) return fail("a number run into a name");
        return true;
    }
    // Digits with single '_' between them; for an int, its value.
    bool digit_run(Literal& v, bool& nonzero) {
        for (;; ++m_i) {
            if (at(m_i) == '_') {
                if (!is_digit(at(m_i + 1))) return fail("a '_' not between digits");
                ++m_i;
            }
            if (!is_digit(at(m_i))) return true;
            nonzero = nonzero || at(m_i) != '0';
            accumulate(v, unsigned(at(m_i) - '0'), 10);
        }
    }
    static void accumulate(Literal& v, unsigned digit, unsigned base) {
        if (v.huge) return;
        v.magnitude = v.magnitude * base + digit; // below 2^64: magnitude was at most 10^18
        v.huge = v.magnitude > kMaxDimension;
    }

    // The length of the string prefix at i (r, u, b, rb, br in any case; f counts, to be
    // refused), or npos when no string starts there.
    std::size_t string_prefix(std::size_t i) const {
        std::size_t n = 0;
        while (n < 3 && std::string_view("rRuUbBfF").find(at(i + n)) != std::string_view::npos)
            ++n;
        if (at(i + n) != '\'' && at(i + n) != '"') return std::string_view::npos;
        const std::string_view p = m_s.substr(i, n);
        const auto has = [&](char c) {
            return p.find(c) != std::string_view::npos ||
                   p.find(char(c - 'a' + 'A')) != std::string_view::npos;
        };
        const bool ok = n == 0 || (n == 1) || (n == 2 && has('r') && (has('b') || has('f')));
        return ok ? n : std::string_view::npos;
    }

    // Adjacent strings, joined as Python joins them.
    bool strings(Literal& v) {
        v = Literal{};
        for (bool first = true;; first = false) {
            const std::size_t begin = m_i;
            const std::size_t n = string_prefix(m_i);
            bool raw = false, bytes = false;
            for (std::size_t k = 0; k < n; ++k) {
                const char p = lower(m_s[m_i + k]);
                if (p == 'f') return fail("an f-string, which is not a literal");
                raw = raw || p == 'r';
                bytes = bytes || p == 'b';
            }
            if (first)
                v.kind = bytes ? Kind::Bytes : Kind::Str;
            else if (bytes != (v.kind == Kind::Bytes))
                return fail_at(begin, "bytes and str joined");
            m_i += n;
            if (!string_body(v, raw, bytes)) return false;
            const std::size_t after = m_i;
            space();
            if (string_prefix(m_i) == std::string_view::npos) {
                m_i = after;
                return true;
            }
        }
    }
    bool string_body(Literal& v, bool raw, bool bytes) {
        const std::size_t begin = m_i;
        const char quote = m_s[m_i];
        const bool triple = at(m_i + 1) == quote && at(m_i + 2) == quote;
        m_i += triple ? 3 : 1;
        for (;;) {
            if (m_i >= m_s.size()) return fail_at(begin, "a string that does not end");
            const char c = m_s[m_i];
            if (c == quote && (!triple || (at(m_i + 1) == quote && at(m_i + 2) == quote))) {
                m_i += triple ? 3 : 1;
                return true;
            }
            if (const std::size_t nl = newline_at(m_i)) {
                if (!triple) return fail_at(begin, "a string that does not end on its line");
                v.put('\n');
                m_i += nl;
            } else if (c == '\\') {
                if (!escape(v, raw, bytes)) return false;
            } else if (static_cast<unsigned char>(c) >= 0x80) {
                if (bytes) return fail("a non-ASCII character in bytes");
                if (!m_utf8 || (static_cast<unsigned char>(c) & 0xC0) != 0x80) v.put('\x80');
                ++m_i;
            } else {
                v.put(c);
                ++m_i;
            }
        }
    }
    bool escape(Literal& v, bool raw, bool bytes) {
        const char e = at(m_i + 1);
        if (m_i + 1 >= m_s.size()) return fail("a string that does not end");
        if (const std::size_t nl = newline_at(m_i + 1)) { // a continued line
            if (raw) {
                v.put('\\');
                v.put('\n');
            }
            m_i += 1 + nl;
            return true;
        }
        if (raw) { // the backslash stays; a quote or backslash after it is taken as it is
            v.put('\\');
            if (e == '\\' || e == '\'' || e == '"') {
                v.put(e);
                ++m_i;
            }
            ++m_i;
            return true;
        }
        const std::string_view simple("\\\\''\"\"a\ab\bf\fn\nr\rt\tv\v");
        for (std::size_t k = 0; k < simple.size(); k += 2)
            if (simple[k] == e) {
                v.put(simple[k + 1]);
                m_i += 2;
                return true;
            }
        if (e >= '0' && e <= '7') {
            unsigned code = 0;
            ++m_i;
            for (int k = 0; k < 3 && at(m_i) >= '0' && at(m_i) <= '7'; ++k, ++m_i)
                code = code * 8 + unsigned(at(m_i) - '0');
            v.put(code < 0x80 ? char(code) : '\x80');
            return true;
        }
        const int hex = e == 'x' ? 2 : bytes ? 0 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
        if (hex != 0) {
            unsigned long code = 0;
            for (int k = 0; k < hex; ++k) {
                const int d = digit_value(at(m_i + 2 + std::size_t(k)), 16);
                if (d < 0) return fail("an escape with too few hex digits");
                code = code * 16 + unsigned(d);
            }
            if (code > 0x10FFFF) return fail("an escape beyond Unicode");
            v.put(code < 0x80 ? char(code) : '\x80');
            m_i += 2 + std::size_t(hex);
            return true;
        }
        if (e == 'N' && !bytes) return named(v);
        v.put('\\'); // an unknown escape keeps its backslash (Python warns, and goes on)
        ++m_i;
        return true;
    }
    // \N{name}: the names of the characters the checks compare; others count as non-ASCII.
    bool named(Literal& v) {
        const std::size_t begin = m_i; // at the backslash, then 'N'
        const std::size_t close = at(m_i + 2) == '{' ? m_s.find('}', m_i + 3) : m_s.npos;
        const std::size_t length = close == std::string_view::npos ? 0 : close - m_i - 3;
        if (length == 0) return fail_at(begin, "\\N without {name}");
        char upper[48] = {};
        const std::string_view name = m_s.substr(m_i + 3, length);
        for (std::size_t k = 0; k < name.size(); ++k) {
            const char c = name[k];
            if (!(is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == ' ' || c == '-'))
                return fail_at(begin, "\\N{name} with a character no name has");
            if (k < sizeof upper) upper[k] = c >= 'a' && c <= 'z' ? char(c - 'a' + 'A') : c;
        }
        m_i = close + 1;
        const std::string_view n(upper, std::min(name.size(), sizeof upper));
        static constexpr std::string_view kSmall = "LATIN SMALL LETTER ";
        static constexpr std::string_view kCapital = "LATIN CAPITAL LETTER ";
        static constexpr std::string_view kDigits[10] = {"ZERO", "ONE", "TWO",   "THREE", "FOUR",
                                                         "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"};
        static constexpr std::pair<std::string_view, char> kSigns[] = {
            {"LESS-THAN SIGN", '<'}, {"GREATER-THAN SIGN", '>'}, {"EQUALS SIGN", '='},
            {"VERTICAL LINE", '|'},  {"LOW LINE", '_'},          {"SPACE", ' '},
            {"PLUS SIGN", '+'},      {"HYPHEN-MINUS", '-'},      {"COMMA", ','}};
        if (n.size() == kSmall.size() + 1 && n.starts_with(kSmall))
            return v.put(char(n.back() - 'A' + 'a')), true;
        if (n.size() == kCapital.size() + 1 && n.starts_with(kCapital))
            return v.put(n.back()), true;
        for (int d = 0; d < 10; ++d)
            if (n.starts_with("DIGIT ") && n.substr(6) == kDigits[d])
                return v.put(char('0' + d)), true;
        for (const auto& [sign_name, c] : kSigns)
            if (n == sign_name) return v.put(c), true;
        v.put('\x80');
        return true;
    }

    std::string_view m_s;
    bool m_utf8; // version 3.0; 1.0 and 2.0 are Latin-1
    std::size_t m_i = 0;
    const char* m_error = "";
    std::size_t m_error_at = 0;
};

// Where `text` stops being UTF-8 as Python decodes it, or npos.
std::size_t utf8_error(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        const unsigned c = static_cast<unsigned char>(text[i]);
        const std::size_t n = c < 0x80                 ? 1
                              : c >= 0xC2 && c <= 0xDF ? 2
                              : c >= 0xE0 && c <= 0xEF ? 3
                              : c >= 0xF0 && c <= 0xF4 ? 4
                                                       : 0;
        if (n == 0 || i + n > text.size()) return i;
        unsigned code = n == 1 ? c : c & (0x7F >> n);
        for (std::size_t k = 1; k < n; ++k) {
            const unsigned b = static_cast<unsigned char>(text[i + k]);
            if ((b & 0xC0) != 0x80) return i;
            code = code << 6 | (b & 0x3F);
        }
        if ((n == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
            (n == 4 && (code < 0x10000 || code > 0x10FFFF)))
            return i;
        i += n;
    }
    return std::string_view::npos;
}

// [SECTION] Dtypes: numpy.dtype(text) for the six types taken. A name; or after an optional byte
// order a letter code, or a kind and a size as C's strtol reads it (spaces and a sign before the
// digits, then cut to an int: numpy takes "f 4", "f+04" and "f4294967300" as float32).
bool dtype_of(std::string_view text, std::size_t& type, bool& big_endian) {
    static constexpr std::pair<std::string_view, std::size_t> kNames[] = {
        {"float32", 0}, {"single", 0}, {"float64", 1}, {"double", 1}, {"float", 1},
        {"float_", 1},  {"uint8", 2},  {"ubyte", 2},   {"uint16", 3}, {"ushort", 3},
        {"int16", 4},   {"short", 4},  {"int32", 5},   {"intc", 5}};
    static constexpr std::string_view kCodes = "fdBHhi"; // in NpyType's order
    static constexpr struct {
        char kind;
        std::int32_t size;
    } kSized[] = {{'f', 4}, {'f', 8}, {'u', 1}, {'u', 2}, {'i', 2}, {'i', 4}};
    big_endian = false;
    for (const auto& [name, t] : kNames)
        if (text == name) return type = t, true;
    if (text.empty()) return false;
    if (text[0] == '<' || text[0] == '=' || text[0] == '|' || text[0] == '>') {
        big_endian = text[0] == '>';
        text.remove_prefix(1);
    }
    type = kCodes.size();
    if (text.size() == 1) {
        type = kCodes.find(text[0]);
    } else if (text.size() > 1) {
        std::size_t i = 1;
        while (i < text.size() && std::string_view(" \t\n\v\f\r").find(text[i]) != text.npos)
            ++i;
        const bool minus = i < text.size() && text[i] == '-';
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        if (i == text.size()) return false;
        constexpr std::uint64_t kOver = 1ull << 63; // past LONG_MAX: strtol's overflow
        std::uint64_t size = 0;
        for (; i < text.size(); ++i) {
            if (!is_digit(text[i])) return false;
            const unsigned d = unsigned(text[i] - '0');
            size = size > (kOver - d) / 10 ? kOver : size * 10 + d;
        }
        // strtol's long (LONG_MAX or LONG_MIN on overflow), then numpy's cast to int
        const std::uint64_t value = minus ? ~size + 1 : std::min(size, kOver - 1);
        const auto elsize = static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
        for (std::size_t t = 0; t < std::size(kSized); ++t)
            if (text[0] == kSized[t].kind && elsize == kSized[t].size) type = t;
    }
    if (type >= kCodes.size()) return false;
    if (type == 2) big_endian = false; // one byte has no byte order
    return true;
}

// A part of the header for a one-line message: whitespace as one space, other control and
// non-ASCII bytes as '?', at most 60 characters.
std::string source_text(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const bool blank = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
        if (blank) {
            if (!out.empty() && out.back() != ' ') out += ' ';
        } else
            out += static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F
                       ? c
                       : '?';
    }
    if (out.size() > 60) out = out.substr(0, 57) + "...";
    return out;
}

std::uint32_t read_le(const std::byte* p, int bytes) {
    std::uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = v << 8 | std::uint32_t(p[i]);
    return v;
}

} // namespace

std::string_view npy_descr(NpyType type) {
    return kDescr[static_cast<std::size_t>(type)];
}
std::size_t npy_item_size(NpyType type) {
    return kSize[static_cast<std::size_t>(type)];
}

// [SECTION] Reading: numpy's checks of the header, then the viewer's

namespace {
constexpr const char* kTaken = " is not supported, expected one of: <f4, <f8, |u1, <u2, <i2, <i4 "
                               "(little-endian; arr.astype('<f4') converts)";

// The header's dict, checked in numpy's order (keys, shape, fortran_order, descr), then what the
// viewer takes. `type`, `big_endian`, `dims`, `shape` and `fortran` are set on success.
Status check_header(const HeaderDict& h, std::size_t& type, bool& big_endian, unsigned& dims,
                    std::uint64_t* shape, bool& fortran, std::string_view header) {
    const auto source = [&](const Literal& v) {
        return source_text(header.substr(v.begin, v.end - v.begin));
    };
    if (!h.is_dict) return Status::error("npy: header is not a dictionary");
    if (h.other_key)
        return Status::error(
            "npy: header does not contain the correct keys: " +
            source_text(header.substr(h.other_begin, h.other_end - h.other_begin)) +
            " is not one of 'descr', 'fortran_order', 'shape'");
    if (!h.has_descr || !h.has_fortran_order || !h.has_shape)
        return Status::error("npy: header does not contain the correct keys: " +
                             std::string(!h.has_descr           ? "'descr'"
                                         : !h.has_fortran_order ? "'fortran_order'"
                                                                : "'shape'") +
                             " is missing");
    const Literal& s = h.shape;
    if (s.kind != Literal::Kind::Tuple || !s.ints)
        return Status::error("npy: shape is not valid: " + source(s) +
                             ", expected a tuple of integers");
    if (s.any_negative)
        return Status::error("npy: shape is not valid: " + source(s) +
                             ", negative dimensions are not allowed");
    if (s.any_huge) return Status::error("npy: shape has a dimension over 10^18");
    if (h.fortran_order.kind != Literal::Kind::Bool)
        return Status::error("npy: fortran_order is not a valid bool: " + source(h.fortran_order));
    const Literal& d = h.descr;
    if (d.kind == Literal::Kind::List || d.kind == Literal::Kind::Tuple)
        return Status::error("npy: dtype " + source(d) +
                             (d.kind == Literal::Kind::List ? " (structured)" : " (subarray)") +
                             kTaken);
    if (d.kind != Literal::Kind::Str)
        return Status::error("npy: descr is not a valid dtype descriptor: " + source(d));
    if (d.truncated || !dtype_of(d.value(), type, big_endian)) {
        // Say what the dtype is when it is a common one, then what is taken.
        const std::string_view v = d.value();
        bool printable = !d.truncated;
        for (const char c : v)
            printable = printable && c >= 0x20 && c < 0x7F;
        const char* what = v.ends_with("f2")                         ? " (float16)"
                           : v.ends_with("c8") || v.ends_with("c16") ? " (complex)"
                           : v == "|b1"                              ? " (bool)"
                                                                     : "";
        return Status::error("npy: dtype " + (printable ? "'" + std::string(v) + "'" : source(d)) +
                             what + kTaken);
    }
    if (s.items == 0 || s.items > 3)
        return Status::error(
            "npy: shape " +
            (s.items <= 8 ? shape_text(s.items, s.dims) + " has " : std::string("has ")) +
            std::to_string(s.items) + " dimensions, expected 1 to 3");
    dims = s.items;
    for (unsigned i = 0; i < dims; ++i)
        shape[i] = s.dims[i];
    fortran = h.fortran_order.truth;
    return Status::ok();
}

Status parse(std::span<const std::byte> bytes, NpyArray& out, const NpyLimits& limits,
             bool header_only) {
    if (bytes.size() < kMagic.size() ||
        std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0)
        return Status::error("npy: bad magic, expected \\x93NUMPY at the start");
    if (bytes.size() < 10)
        return Status::error("npy: truncated header, got " + std::to_string(bytes.size()) +
                             " bytes, expected at least 10");
    const unsigned major = unsigned(bytes[6]), minor = unsigned(bytes[7]);
    if (major < 1 || major > 3 || minor != 0)
        return Status::error("npy: version " + std::to_string(major) + "." + std::to_string(minor) +
                             " is not supported, expected 1.0, 2.0 or 3.0");
    const std::size_t prefix = major == 1 ? 10 : 12;
    if (bytes.size() < prefix)
        return Status::error("npy: truncated header, got " + std::to_string(bytes.size()) +
                             " bytes, expected at least " + std::to_string(prefix));
    const std::size_t header_len = read_le(bytes.data() + 8, major == 1 ? 2 : 4);
    if (header_len > limits.max_header_bytes)
        return Status::error("npy: header is " + std::to_string(header_len) +
                             " bytes, over the limit of " +
                             std::to_string(limits.max_header_bytes));
    if (bytes.size() - prefix < header_len)
        return Status::error("npy: truncated header, got " + std::to_string(bytes.size()) +
                             " bytes, expected at least " + std::to_string(prefix + header_len));
    const std::string_view header(reinterpret_cast<const char*>(bytes.data()) + prefix, header_len);
    // Versions 1.0 and 2.0 are Latin-1, where every byte is a character; 3.0 is UTF-8.
    if (const std::size_t bad = major == 3 ? utf8_error(header) : std::string_view::npos;
        bad != std::string_view::npos)
        return Status::error("npy: header is not UTF-8 (version 3.0) at offset " +
                             std::to_string(bad));
    HeaderDict dict;
    HeaderParser parser(header, major == 3);
    if (!parser.parse(dict))
        return Status::error("npy: cannot parse header: " + std::string(parser.error()) +
                             " at offset " + std::to_string(parser.error_at()));
    std::size_t type = 0;
    bool big_endian = false, fortran = false;
    unsigned dims = 0;
    std::uint64_t shape[3] = {0, 0, 0};
    if (Status s = check_header(dict, type, big_endian, dims, shape, fortran, header); !s) return s;
    if (big_endian && header_only)
        return Status::error("npy: dtype '>" + std::string(kDescr[type].substr(1)) +
                             "' is big-endian, expected little-endian when the data are elsewhere "
                             "(shared memory)");
    // The element count, without overflow: each dimension is at most 10^18.
    std::uint64_t count = shape[0];
    unsigned long_dims = shape[0] > 1;
    for (unsigned i = 1; i < dims; ++i) {
        long_dims += shape[i] > 1;
        if (shape[i] != 0 && count > limits.max_elements / shape[i])
            count = limits.max_elements + 1;
        else
            count *= shape[i];
    }
    // Fortran order lays out the same bytes as C order when at most one dimension is over 1.
    if (fortran && long_dims > 1 && count != 0)
        return Status::error(
            "npy: Fortran order is not supported, expected C order (np.ascontiguousarray)");
    if (count > limits.max_elements)
        return Status::error("npy: shape " + shape_text(dims, shape) + " is over the limit of " +
                             std::to_string(limits.max_elements) + " elements");
    const std::uint64_t want = count * kSize[type];
    const std::size_t have = bytes.size() - prefix - header_len;
    if (header_only && have != 0)
        return Status::error("npy: " + std::to_string(have) +
                             " bytes follow the header, expected none (the data are elsewhere)");
    if (!header_only && have != want)
        return Status::error("npy: data is " + std::to_string(have) + " bytes, expected " +
                             std::to_string(want) + " for shape " + shape_text(dims, shape) +
                             " of " + (big_endian ? ">" : "") +
                             std::string(big_endian ? kDescr[type].substr(1) : kDescr[type]));
    out.type = static_cast<NpyType>(type);
    out.dims = dims;
    for (unsigned i = 0; i < 3; ++i)
        out.shape[i] = i < dims ? shape[i] : 0;
    out.data = bytes.subspan(prefix + header_len);
    out.data_bytes = want;
    out.big_endian = big_endian;
    return Status::ok();
}
} // namespace

Status parse_npy(std::span<const std::byte> bytes, NpyArray& out, const NpyLimits& limits) {
    return parse(bytes, out, limits, false);
}

Status parse_npy_header(std::span<const std::byte> bytes, NpyArray& out, const NpyLimits& limits) {
    return parse(bytes, out, limits, true);
}

// [SECTION] Converting and writing

namespace {
// One element of `size` bytes at `src`, byte order reversed.
void swap_copy(const std::byte* src, std::byte* dst, std::size_t size) {
    for (std::size_t k = 0; k < size; ++k)
        dst[k] = src[size - 1 - k];
}
template <class T> void convert(const std::byte* src, std::size_t n, float* dst, bool swap) {
    for (std::size_t i = 0; i < n; ++i) {
        T v;
        if (swap)
            swap_copy(src + i * sizeof(T), reinterpret_cast<std::byte*>(&v), sizeof(T));
        else
            std::memcpy(&v, src + i * sizeof(T), sizeof(T)); // unaligned-safe, little-endian host
        dst[i] = static_cast<float>(v);
    }
}
} // namespace

void npy_to_float(const NpyArray& a, std::span<float> out) {
    const std::size_t n = a.count();
    if (n == 0) return; // an empty array's spans may be null: memcpy must not see them
    const std::byte* src = a.data.data();
    const bool swap = a.big_endian;
    switch (a.type) {
    case NpyType::F4:
        if (swap)
            convert<float>(src, n, out.data(), true);
        else
            std::memcpy(out.data(), src, n * sizeof(float));
        break;
    case NpyType::F8:
        convert<double>(src, n, out.data(), swap);
        break;
    case NpyType::U1:
        convert<std::uint8_t>(src, n, out.data(), false);
        break;
    case NpyType::U2:
        convert<std::uint16_t>(src, n, out.data(), swap);
        break;
    case NpyType::I2:
        convert<std::int16_t>(src, n, out.data(), swap);
        break;
    case NpyType::I4:
        convert<std::int32_t>(src, n, out.data(), swap);
        break;
    }
}

NpyType npy_type_of(SampleType type) {
    switch (type) {
    case SampleType::U8:
        return NpyType::U1;
    case SampleType::U16:
        return NpyType::U2;
    case SampleType::I16:
        return NpyType::I2;
    case SampleType::F32:
        break;
    }
    return NpyType::F4;
}

Status npy_image_format(const NpyArray& a, PixelFormat& format) {
    const auto shape = [&] { return shape_text(a.dims, a.shape); }; // error paths only
    if (a.dims == 2) {
        format.channels = 1;
        switch (a.type) {
        case NpyType::U1:
            format.sample = SampleType::U8;
            break;
        case NpyType::U2:
            format.sample = SampleType::U16;
            break;
        case NpyType::I2:
            format.sample = SampleType::I16;
            break;
        case NpyType::F4:
        case NpyType::F8: // converted
        case NpyType::I4: // converted
            format.sample = SampleType::F32;
            break;
        }
        return Status::ok();
    }
    if (a.dims != 3)
        return Status::error("image " + shape() + " has " + std::to_string(a.dims) +
                             " dimension(s), expected (H, W), (H, W, 3) or (H, W, 4)");
    if (a.shape[2] != 3 && a.shape[2] != 4)
        return Status::error("image " + shape() + " has " + std::to_string(a.shape[2]) +
                             " channels, expected (H, W, 3) for RGB or (H, W, 4) for RGBA");
    format.channels = static_cast<std::uint8_t>(a.shape[2]);
    switch (a.type) {
    case NpyType::U1:
        format.sample = SampleType::U8;
        return Status::ok();
    case NpyType::U2:
        format.sample = SampleType::U16;
        return Status::ok();
    case NpyType::F4:
    case NpyType::F8: // converted
        format.sample = SampleType::F32;
        return Status::ok();
    case NpyType::I2:
    case NpyType::I4:
        break;
    }
    return Status::error("RGB/RGBA image " + shape() + " of " + std::string(npy_descr(a.type)) +
                         " is not supported, expected uint8, uint16 or float32 samples");
}

void npy_copy_image(const NpyArray& a, PixelFormat format, std::span<std::byte> out) {
    const std::size_t n = a.count();
    if (n == 0) return;
    if (npy_type_of(format.sample) == a.type) {
        const std::size_t size = npy_item_size(a.type);
        if (!a.big_endian)
            std::memcpy(out.data(), a.data.data(), n * size);
        else
            for (std::size_t i = 0; i < n; ++i)
                swap_copy(a.data.data() + i * size, out.data() + i * size, size);
        return;
    }
    npy_to_float(a, {reinterpret_cast<float*>(out.data()), n}); // the frame is float32
}

void write_npy_header(std::vector<std::byte>& out, NpyType type, unsigned dims,
                      const std::uint64_t* shape, unsigned version) {
    char text[192]; // formatted without allocating: the recorder writes a header per frame
    const auto d = [&](unsigned i) { return static_cast<unsigned long long>(shape[i]); };
    const char* descr = npy_descr(type).data();
    const int len =
        dims == 1 ? std::snprintf(text, sizeof text,
                                  "{'descr': '%s', 'fortran_order': False, 'shape': (%llu,), }",
                                  descr, d(0))
        : dims == 2
            ? std::snprintf(text, sizeof text,
                            "{'descr': '%s', 'fortran_order': False, 'shape': (%llu, %llu), }",
                            descr, d(0), d(1))
            : std::snprintf(text, sizeof text,
                            "{'descr': '%s', 'fortran_order': False, 'shape': (%llu, "
                            "%llu, %llu), }",
                            descr, d(0), d(1), d(2));
    const std::size_t prefix = version == 1 ? 10 : 12;
    const std::size_t header = std::size_t(len);
    const std::size_t total = (prefix + header + 1 + 63) / 64 * 64; // padded as numpy pads
    const std::size_t padded = total - prefix;
    out.resize(total);
    std::byte* p = out.data();
    std::memcpy(p, kMagic.data(), kMagic.size());
    p[6] = std::byte(version);
    p[7] = std::byte{0};
    for (std::size_t i = 0; i < prefix - 8; ++i)
        p[8 + i] = std::byte((padded >> (8 * i)) & 0xFF);
    std::memcpy(p + prefix, text, header);
    std::memset(p + prefix + header, ' ', padded - header - 1);
    p[total - 1] = std::byte{'\n'};
}

void write_npy_raw(std::vector<std::byte>& out, NpyType type, std::span<const std::byte> data,
                   unsigned dims, const std::uint64_t* shape, unsigned version) {
    write_npy_header(out, type, dims, shape, version);
    out.insert(out.end(), data.begin(), data.end());
}

void write_npy(std::vector<std::byte>& out, std::span<const float> data, std::uint64_t rows,
               std::uint64_t cols) {
    const std::uint64_t shape1[1] = {cols};
    const std::uint64_t shape2[2] = {rows, cols};
    write_npy_raw(out, NpyType::F4, std::as_bytes(data), rows == 0 ? 1 : 2,
                  rows == 0 ? shape1 : shape2);
}

} // namespace rtv::wire

// Small re-implementations of the Go standard library behaviours that knative's and the Tigera
// operator's messages depend on, so that promtls can reproduce those messages byte for byte.
// Performs no I/O; all functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace promtls::core::go {

// strconv.Quote: wraps in double quotes, escapes `"` and `\`, writes \a \b \f \n \r \t \v,
// other control characters and bytes of invalid UTF-8 as \xNN, non-printable runes as \uNNNN.
std::string quote(std::string_view s);

// strings.TrimSpace: removes leading and trailing Unicode white space (ASCII \t \n \v \f \r and
// space, U+0085, U+00A0 and the other Unicode White_Space runes) from UTF-8 text.
std::string_view trim_space(std::string_view s);

// strings.ToLower for ASCII letters only. Go folds all of Unicode; the difference only matters
// for exotic inputs such as U+0130 (spec/knative-env.md §8.3).
std::string to_lower_ascii(std::string_view s);
// strings.ToUpper for ASCII letters; other bytes are kept.
std::string to_upper_ascii(std::string_view s);

// strings.EqualFold for ASCII.
bool equal_fold_ascii(std::string_view a, std::string_view b);

// strconv.ParseUint(s, 10, bits): on failure returns nullopt and sets `error` to the message Go
// produces, e.g. `strconv.ParseUint: parsing "x": invalid syntax` or `...: value out of range`.
std::optional<std::uint64_t> parse_uint(std::string_view s, int bits, std::string& error);

// strconv.Atoi for values that fit in 64 bits (accepts a leading + or -).
std::optional<std::int64_t> atoi(std::string_view s);

// The message of an *os.PathError for `op` ("open", "read") on `path` with errno `err`, as Go
// prints it: "open /x: no such file or directory".
std::string path_error(std::string_view op, std::string_view path, int err);

}  // namespace promtls::core::go

// The cheap check a socket line passes before it is spooled: one well-formed JSON object.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string_view>

namespace nv::spool {

/// Tells whether a line is exactly one well-formed JSON object (valid UTF-8, no trailing
/// content). It checks syntax only; the import pipeline applies the record rules later.
/// Reuses one DOM parser whose capacity is capped, so a long line is a reject, not a large
/// allocation. Not thread-safe.
class object_line_check {
 public:
  /// Makes a check for lines of at most `max_line_bytes`.
  explicit object_line_check(std::size_t max_line_bytes);

  /// Returns "" when `line` is one JSON object, else why not (a static text, e.g. "a JSON
  /// array, not an object", or simdjson's message). `line` must be followed by at least
  /// simdjson::SIMDJSON_PADDING readable bytes (line_reader guarantees it).
  std::string_view problem(std::string_view line);

 private:
  simdjson::dom::parser parser_;
};

}  // namespace nv::spool

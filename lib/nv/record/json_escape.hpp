// Writing strings as JSON: the wire's escaping, and the quoting of values inside reject messages.
#pragma once

#include <string>
#include <string_view>

#include "nv/record/text_buffer.hpp"

namespace nv::record {

/// Appends `text` (valid UTF-8) to `out` as a quoted JSON string: quote, backslash and control
/// characters escaped (\b \f \n \r \t, else \u00XX), everything else, non-ASCII included, as is.
void append_json_string(std::string& out, std::string_view text);

/// Writes `text` as append_json_string() does at `out`, which must have room for
/// json_string_bound(text.size()) bytes; returns the end of what was written.
char* write_json_string(char* out, std::string_view text) noexcept;

/// Returns the most bytes a string of `size` bytes takes as a quoted JSON string (every byte
/// a \u00XX escape).
constexpr std::size_t json_string_bound(std::size_t size) noexcept {
  return 6 * size + 2;
}

/// Returns the most bytes write_quoted() writes for `text`.
constexpr std::size_t quoted_bound(std::string_view text, bool plain) noexcept {
  return plain ? text.size() + 2 : json_string_bound(text.size());
}

/// Writes `text` at `out` as a quoted JSON string: between quotes as it is when `plain` (it
/// needs no escape), else as write_json_string() does. A plain text must be followed by
/// copy_padding readable bytes, and `out` must have room for quoted_bound() bytes and
/// copy_padding more (a text_buffer's room() has that slack). Returns the end of what was
/// written.
inline char* write_quoted(char* out, std::string_view text, bool plain) noexcept {
  if (!plain) return write_json_string(out, text);
  *out = '"';
  copy_padded(out + 1, text.data(), text.size());
  out[text.size() + 1] = '"';
  return out + text.size() + 2;
}

/// Returns `text` shortened to `max_chars` code points and quoted for a one-line message: the
/// JSON escapes, plus \u escapes for DEL, the C1 controls and U+2028/U+2029, so a message never
/// carries a raw control or line-breaking character. Bytes that are not valid UTF-8 show as \xNN.
std::string quote_for_message(std::string_view text, std::size_t max_chars = 40);

}  // namespace nv::record

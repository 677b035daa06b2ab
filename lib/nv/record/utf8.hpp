// UTF-8 helpers for the record rules: lengths are counted in code points, not bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace nv::record {

/// Returns the number of code points in `text`, which must be valid UTF-8 (it counts the bytes
/// that do not continue a sequence).
std::size_t count_code_points(std::string_view text) noexcept;

/// Returns whether `text` (valid UTF-8) has more than `limit` code points; skips counting when
/// the byte length alone settles it.
inline bool exceeds_code_points(std::string_view text, std::size_t limit) noexcept {
  return text.size() > limit && count_code_points(text) > limit;
}

/// Returns the length (1 to 4) of the valid UTF-8 sequence that starts at `text[i]`, or 0 when
/// it is not one (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept;

/// Returns the byte offset of the first byte that breaks UTF-8 (RFC 3629: no overlong forms,
/// no surrogates, nothing above U+10FFFF), or `std::string_view::npos` when `text` is valid.
std::size_t first_invalid_utf8(std::string_view text) noexcept;

}  // namespace nv::record

// The JSON number grammar, checked on the input text that the wire keeps as is.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nv::record {

namespace detail {
bool is_json_number_general(std::string_view text) noexcept;
}  // namespace detail

/// Returns whether `text` is exactly one JSON number (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?
/// ([eE][+-]?[0-9]+)?), with nothing before or after it. Inline for the common case, a short
/// unsigned integer.
inline bool is_json_number(std::string_view text) noexcept {
  if (!text.empty() && text.size() <= 8 && (text[0] != '0' || text.size() == 1)) {
    bool digits = true;
    for (char c : text) digits &= static_cast<unsigned char>(c - '0') < 10;
    if (digits) return true;
  }
  return detail::is_json_number_general(text);
}

/// Returns whether the JSON number `text` fits (number_fits()) without being parsed: an integer
/// of at most 18 characters fits a 64-bit integer, and a fraction without exponent of at most
/// 20 characters is below 10^18, a finite double.
inline bool is_short_number(std::string_view text) noexcept {
  if (text.size() > 20) return false;
  bool integer = true;
  bool exponent = false;
  for (char c : text) {
    integer &= static_cast<unsigned char>(c - '0') < 10 || c == '-';
    exponent |= (c | 0x20) == 'e';
  }
  return integer ? text.size() <= 18 : !exponent;
}

/// Returns the value of the JSON number `text` when it is exactly an integer in [0, 999999]
/// ("1", "1.0", "10e-1", "-0" all qualify; "1.5", "-1", "1e7" do not), else nothing. Exact:
/// digits are compared, never rounded through a double.
std::optional<std::uint32_t> exact_small_integer(std::string_view text) noexcept;

/// Returns `text` without the JSON white space (space, tab, CR, LF) at its end.
inline std::string_view trim_json_space_right(std::string_view text) noexcept {
  while (!text.empty()) {
    const char c = text.back();
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') break;
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace nv::record

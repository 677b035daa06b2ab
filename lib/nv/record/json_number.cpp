// The JSON number grammar and exact small-integer values, for numbers kept as their input text.
#include "nv/record/json_number.hpp"

namespace nv::record {
namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// The parts of a number that passed is_json_number().
struct number_parts {
  bool negative = false;
  std::string_view integer;   // no sign
  std::string_view fraction;  // after '.', may be empty
  std::string_view exponent;  // digits after e/E and sign, may be empty
  bool exponent_negative = false;
};

std::optional<number_parts> split_number(std::string_view text) noexcept {
  number_parts parts;
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (i < n && text[i] == '-') {
    parts.negative = true;
    ++i;
  }
  const std::size_t int_start = i;
  if (i < n && text[i] == '0') {
    ++i;
  } else if (i < n && text[i] >= '1' && text[i] <= '9') {
    while (i < n && is_digit(text[i])) ++i;
  } else {
    return std::nullopt;
  }
  parts.integer = text.substr(int_start, i - int_start);
  if (i < n && text[i] == '.') {
    const std::size_t start = ++i;
    while (i < n && is_digit(text[i])) ++i;
    if (i == start) return std::nullopt;
    parts.fraction = text.substr(start, i - start);
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) parts.exponent_negative = text[i++] == '-';
    const std::size_t start = i;
    while (i < n && is_digit(text[i])) ++i;
    if (i == start) return std::nullopt;
    parts.exponent = text.substr(start, i - start);
  }
  if (i != n) return std::nullopt;
  return parts;
}

}  // namespace

bool detail::is_json_number_general(std::string_view text) noexcept {
  return split_number(text).has_value();
}

std::optional<std::uint32_t> exact_small_integer(std::string_view text) noexcept {
  const auto parts = split_number(text);
  if (!parts) return std::nullopt;
  // The value is D × 10^(exponent − |fraction|), D the digits of integer and fraction together.
  const std::size_t int_size = parts->integer.size();
  const std::size_t total = int_size + parts->fraction.size();
  auto digit_at = [&](std::size_t k) {
    return k < int_size ? parts->integer[k] : parts->fraction[k - int_size];
  };
  std::size_t first = 0;
  while (first < total && digit_at(first) == '0') ++first;
  if (first == total) return 0;  // zero, whatever the sign and exponent
  if (parts->negative) return std::nullopt;
  std::size_t last = total - 1;
  while (digit_at(last) == '0') --last;
  if (last - first + 1 > 6) return std::nullopt;  // more significant digits than 999999 has
  long long exponent = 0;
  for (char c : parts->exponent) {
    exponent = exponent * 10 + (c - '0');
    if (exponent > 100) return std::nullopt;  // far outside the range either way
  }
  // Power of ten applied to the significant digits D[first..last].
  const long long scale = (parts->exponent_negative ? -exponent : exponent) -
                          static_cast<long long>(parts->fraction.size()) +
                          static_cast<long long>(total - 1 - last);
  if (scale < 0) return std::nullopt;  // a fraction remains
  if (static_cast<long long>(last - first + 1) + scale > 6) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t k = first; k <= last; ++k) value = value * 10 + (digit_at(k) - '0');
  for (long long k = 0; k < scale; ++k) value *= 10;
  return value;
}

}  // namespace nv::record

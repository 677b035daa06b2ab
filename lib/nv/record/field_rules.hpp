// The value rules of API.md for standard attributes, as pure functions on text.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <string_view>

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nv/record/text_buffer.hpp"
#include "nv/record/wire_literals.hpp"

namespace nv::record {

// The checks of the common fields are inline: they run on every record.

/// Returns whether `text` is a plausible e-mail address: exactly one `@`, with a non-empty local
/// part before it and a non-empty domain after it (API.md asks no more).
inline bool is_plausible_email(std::string_view text) noexcept {
  // One pass without a branch per byte (a search for the '@' was a libc call per record).
  std::size_t ats = 0, at = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool is_at = text[i] == '@';
    ats += is_at;
    at = is_at ? i : at;
  }
  return ats == 1 && at > 0 && at + 1 < text.size();
}

/// Returns whether `text` is an E.164 number: `+`, then 8 to 15 digits, the first not 0.
inline bool is_e164(std::string_view text) noexcept {
  if (text.size() < 9 || text.size() > 16 || text[0] != '+' || text[1] == '0') return false;
  unsigned not_digits = 0;
  for (std::size_t i = 1; i < text.size(); ++i) {
    not_digits |= static_cast<unsigned>(static_cast<unsigned char>(text[i]) - '0') > 9;
  }
  return not_digits == 0;
}

/// Bytes that must be readable from `text.data()` for the padded checks below (the input line
/// and the parser's string buffer have them).
inline constexpr std::size_t rule_padding = 32;

/// Returns is_plausible_email(text), reading rule_padding bytes from `text.data()`: up to 32
/// bytes, the '@'s are found by one vector comparison instead of a loop over the bytes.
inline bool is_plausible_padded_email(std::string_view text) noexcept {
#if defined(__AVX2__)
  if (text.size() <= 32) {
    const auto chunk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data()));
    const auto marks = static_cast<std::uint32_t>(
                           _mm256_movemask_epi8(_mm256_cmpeq_epi8(chunk, _mm256_set1_epi8('@')))) &
                       static_cast<std::uint32_t>((std::uint64_t{1} << text.size()) - 1);
    const auto at = static_cast<std::size_t>(std::countr_zero(marks));
    return std::popcount(marks) == 1 && at > 0 && at + 1 < text.size();
  }
#endif
  return is_plausible_email(text);
}

/// Returns is_e164(text), reading rule_padding bytes from `text.data()`: the digits are
/// checked by one vector comparison instead of a loop over the bytes.
inline bool is_padded_e164(std::string_view text) noexcept {
#if defined(__SSE2__)
  if (text.size() < 9 || text.size() > 16 || text[0] != '+' || text[1] == '0') return false;
  const auto chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data()));
  // Bytes '0'..'9' minus '0' are 0..9: unsigned min with 9 leaves exactly those unchanged.
  const auto offset = _mm_sub_epi8(chunk, _mm_set1_epi8('0'));
  const auto digits = static_cast<std::uint32_t>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(offset, _mm_set1_epi8(9)), offset)));
  const auto wanted = static_cast<std::uint32_t>((1u << text.size()) - 2);  // bytes 1..size-1
  return (digits & wanted) == wanted;
#else
  return is_e164(text);
#endif
}

/// Returns whether year-month-day is a real date of the proleptic Gregorian calendar with a
/// year from 1 to 9999.
bool is_calendar_date(int year, int month, int day) noexcept;

/// Returns the `YYYY-MM-DD` date that `text` gives: `text` itself when it is such a real date,
/// or its first ten characters when it is an ISO 8601 date-time on such a date
/// (`1986-08-19T15:45:00-0800`: a `T`, `t` or space, then `hh:mm[:ss[.f…]]` or `hhmm[ss[.f…]]`,
/// then optionally `Z` or an offset `±hh[[:]mm]`). Nothing for anything else.
std::optional<std::string_view> birth_date_of(std::string_view text) noexcept;

/// Returns "male", "female" or "other" when `text` is one of them in any ASCII case.
inline std::optional<std::string_view> canonical_gender(std::string_view text) noexcept {
  // One candidate per length; compare case-insensitively (ASCII letters only).
  std::string_view candidate;
  switch (text.size()) {
    case 4:
      candidate = wire_male;
      break;
    case 5:
      candidate = wire_other;
      break;
    case 6:
      candidate = wire_female;
      break;
    default:
      return std::nullopt;
  }
  unsigned differ = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    differ |= static_cast<unsigned>(c != candidate[i]);
  }
  if (differ != 0) return std::nullopt;
  return candidate;
}

namespace detail {

/// `text`'s bytes as a little-endian word (text.size() <= 8), for masked comparisons.
constexpr std::uint64_t little_endian_word(std::string_view text) noexcept {
  std::uint64_t word = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    word |= std::uint64_t{static_cast<unsigned char>(text[i])} << (8 * i);
  }
  return word;
}

}  // namespace detail

/// Returns canonical_gender(text), reading 8 bytes from `text.data()` (rule_padding): one
/// masked word comparison whatever the gender. The genders of a file come in no order, and
/// the choice of a candidate by length was a branch mispredicted on most records.
inline std::optional<std::string_view> canonical_padded_gender(std::string_view text) noexcept {
  if constexpr (std::endian::native != std::endian::little) {
    return canonical_gender(text);
  } else {
    const std::size_t index = text.size() - 4;  // male, other, female: 4, 5 and 6 bytes
    if (index > 2) return std::nullopt;
    static constexpr std::uint64_t words[3] = {detail::little_endian_word(wire_male),
                                               detail::little_endian_word(wire_other),
                                               detail::little_endian_word(wire_female)};
    static constexpr std::string_view names[3] = {wire_male, wire_other, wire_female};
    // OR 0x20 lower-cases A-Z, and turns no other byte into a lower-case letter.
    const std::uint64_t mask = (std::uint64_t{1} << (8 * text.size())) - 1;
    if (((load_word(text.data()) | 0x2020202020202020ull) & mask) != words[index]) {
      return std::nullopt;
    }
    return names[index];
  }
}

/// Returns wire_true or wire_false when `token` is exactly `true` or `false`, reading 8 bytes
/// from `token.data()` (the padded input line): two masked word comparisons, no branch on
/// which literal it is.
inline std::optional<std::string_view> boolean_literal(std::string_view token) noexcept {
  if constexpr (std::endian::native != std::endian::little) {
    if (token == wire_true) return wire_true;
    if (token == wire_false) return wire_false;
    return std::nullopt;
  } else {
    const std::uint64_t word = load_word(token.data());
    // `&`, not `&&`: the size decides nothing before the words are compared.
    const bool is_true =
        (token.size() == 4) & ((word & 0xFFFFFFFFull) == detail::little_endian_word(wire_true));
    const bool is_false =
        (token.size() == 5) & ((word & 0xFFFFFFFFFFull) == detail::little_endian_word(wire_false));
    if (!(is_true | is_false)) return std::nullopt;
    static constexpr std::string_view literals[2] = {wire_false, wire_true};
    return literals[is_true];
  }
}

}  // namespace nv::record

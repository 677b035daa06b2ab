// Reading on-demand values without copies where possible, and re-serialising them compactly
// with validation: object values of custom attributes go to the wire this way, and a rejected
// record's remaining values are walked this way so that malformed JSON is reported as such.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nv/record/json_number.hpp"
#include "nv/record/text_buffer.hpp"

namespace nv::record {

namespace detail {

// Without SSE2, eight bytes at a time (SWAR): keys and strings are short, so a libc call costs
// more than it saves. Little-endian only; elsewhere the byte loops below do the work.
inline constexpr bool use_words = std::endian::native == std::endian::little;
inline constexpr std::uint64_t ones = 0x0101010101010101ull;
inline constexpr std::uint64_t highs = 0x8080808080808080ull;

/// Marks (high bit) the bytes of `word` equal to `byte`; the lowest mark is exact.
constexpr std::uint64_t bytes_equal(std::uint64_t word, unsigned char byte) noexcept {
  const std::uint64_t x = word ^ (ones * byte);
  return (x - ones) & ~x & highs;
}

/// Returns the first '"' or '\\' from `p`; one must follow before the buffer's padding ends.
/// Sixteen bytes at a time where SSE2 exists: the loads may read up to 15 bytes past the
/// byte found, which stay inside the line or its SIMDJSON_PADDING.
inline const char* find_quote_or_backslash(const char* p) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (;; p += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto marks = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash))));
    if (marks != 0) return p + std::countr_zero(marks);
  }
#else
  if constexpr (use_words) {
    for (;; p += 8) {
      const std::uint64_t word = load_word(p);
      const std::uint64_t marks = bytes_equal(word, '"') | bytes_equal(word, '\\');
      if (marks != 0) return p + std::countr_zero(marks) / 8;
    }
  }
  while (*p != '"' && *p != '\\') ++p;
  return p;
#endif
}

}  // namespace detail

/// Views in place the JSON string whose text starts at `start` (after its opening quote) when
/// it holds no escape: returns whether it does, and then sets `text`. The parser has checked
/// that the closing quote exists inside the line, and the line is followed by
/// SIMDJSON_PADDING bytes, so the scan stops in time and reads nothing past them; with no
/// backslash before it, the first '"' or '\\' it finds is that closing quote.
inline bool view_plain_string(const char* start, std::string_view& text) noexcept {
  const char* end = detail::find_quote_or_backslash(start);
  if (*end != '"') return false;
  text = std::string_view(start, static_cast<std::size_t>(end - start));
  return true;
}

/// Reads the key of `field`. A key without escapes is viewed in the input (no copy, `plain`
/// set); otherwise it is unescaped into the parser's string buffer.
inline simdjson::error_code read_key(simdjson::ondemand::field& field, std::string_view& key,
                                     bool& plain) {
  plain = view_plain_string(field.key().raw(), key);
  if (plain) return simdjson::SUCCESS;
  return field.unescaped_key().get(key);
}

/// Reads a string value the same way: viewed in the input when it holds no escape (`plain`:
/// it can go to the wire between quotes as is), else unescaped.
inline simdjson::error_code read_string(simdjson::ondemand::value& value, std::string_view& text,
                                        bool& plain) {
  plain = view_plain_string(value.raw_json_token().data() + 1, text);
  if (plain) {
    // Consume the token: simdjson 3.0.1 skips an unread string followed by ':' as if it were a
    // key, which would let `{"a":"b":"c"}` through.
    simdjson::ondemand::raw_json_string consumed;
    return value.get_raw_json_string().get(consumed);
  }
  return value.get_string().get(text);
}

/// Returns whether the number `value` (already checked against the grammar) fits a 64-bit
/// integer or a finite double, as simdjson and most JSON stacks read numbers; `1e400` and
/// integers past 64 bits do not. Consumes the value.
inline bool number_fits(simdjson::ondemand::value& value) noexcept {
  simdjson::ondemand::number number;
  return value.get_number().get(number) == simdjson::SUCCESS;
}

/// How a walk ended. `too_deep`: a container sat deeper than allowed; `bad_number`: a number
/// does not fit (number_fits()); the value is then only partly consumed and its remaining text
/// unchecked.
enum class walk_status : unsigned char { ok, malformed, too_deep, bad_number };

struct walk_result {
  walk_status status = walk_status::ok;
  simdjson::error_code error = simdjson::SUCCESS;  // why, when malformed
};

/// Appends `value` to `out` as compact JSON: strings re-escaped, numbers as written (checked
/// against the JSON grammar and number_fits()), literals, and containers nested at most
/// `depth_left` levels (a container at the top counts as one).
walk_result write_compact(simdjson::ondemand::value& value, text_buffer& out,
                          std::size_t depth_left);

/// Appends the elements of an already started array, with the brackets, as write_compact does.
walk_result write_compact_array(simdjson::ondemand::array& array, text_buffer& out,
                                std::size_t depth_left);

/// Appends the fields of an already started object, with the braces, as write_compact does.
walk_result write_compact_object(simdjson::ondemand::object& object, text_buffer& out,
                                 std::size_t depth_left);

}  // namespace nv::record

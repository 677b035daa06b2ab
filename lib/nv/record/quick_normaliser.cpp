// One pass over a line of the common shape: the same field decisions as the on-demand path,
// made while the bytes are read, bailing out at the first thing outside the shape.
#include "nv/record/quick_normaliser.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>

#include <simdjson.h>

#if defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

#include "nv/record/field_checks.hpp"
#include "nv/record/standard_fields.hpp"
#include "nv/record/text_buffer.hpp"
#include "nv/record/utf8.hpp"

namespace nv::record {
namespace {

bool is_json_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_digit(char c) noexcept {
  return static_cast<unsigned char>(c - '0') < 10;
}

/// Returns whether `c` may follow a number or literal: white space or the end of a container
/// or a field. Anything else (an exponent, a second token) is left to the full path.
bool is_delimiter(char c) noexcept {
  return c == ',' || c == '}' || c == ']' || is_json_space(c);
}

/// Marks of one 64-byte block of a line: its quotes, its backslashes and control characters
/// (which send the line to the full path), and its bytes above ASCII (which need a UTF-8 check).
struct block_marks {
  std::uint64_t quotes = 0;
  std::uint64_t stops = 0;
  std::uint64_t high = 0;
};

/// Returns the marks of the 64 bytes at `p`; they may run into the line's SIMDJSON_PADDING
/// (the caller drops marks past the line's end).
block_marks mark_block(const char* p) noexcept {
  block_marks marks;
#if defined(__AVX2__)
  const __m256i quote = _mm256_set1_epi8('"');
  const __m256i backslash = _mm256_set1_epi8('\\');
  const __m256i last_control = _mm256_set1_epi8(0x1F);
  for (int half = 0; half < 2; ++half) {
    const __m256i chunk = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * half));
    const __m256i control = _mm256_cmpeq_epi8(_mm256_max_epu8(chunk, last_control), last_control);
    const __m256i stops = _mm256_or_si256(_mm256_cmpeq_epi8(chunk, backslash), control);
    const int shift = 32 * half;
    marks.quotes |= std::uint64_t{static_cast<std::uint32_t>(
                        _mm256_movemask_epi8(_mm256_cmpeq_epi8(chunk, quote)))}
                    << shift;
    marks.stops |= std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(stops))} << shift;
    marks.high |= std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(chunk))} << shift;
  }
#elif defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1F);
  for (int quarter = 0; quarter < 4; ++quarter) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * quarter));
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(chunk, last_control), last_control);
    const __m128i stops = _mm_or_si128(_mm_cmpeq_epi8(chunk, backslash), control);
    const int shift = 16 * quarter;
    marks.quotes |=
        std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(chunk, quote)))}
        << shift;
    marks.stops |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(stops))} << shift;
    marks.high |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(chunk))} << shift;
  }
#else
  for (int i = 0; i < 64; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    marks.quotes |= std::uint64_t{c == '"'} << i;
    marks.stops |= std::uint64_t{c == '\\' || c < 0x20} << i;
    marks.high |= std::uint64_t{c >= 0x80} << i;
  }
#endif
  return marks;
}

/// Appends `text`, which needs no escaping, between quotes.
void append_quoted(text_buffer& out, std::string_view text) {
  char* at = out.room(text.size() + 2);
  *at = '"';
  copy_bytes(at + 1, text.data(), text.size());
  at[text.size() + 1] = '"';
  out.commit(at + text.size() + 2);
}

/// The reading position in one line and the record being filled. Every member function
/// returns false as soon as the line leaves the common shape or breaks a rule.
class quick_scan {
 public:
  quick_scan(std::string_view json, const normaliser_options& options, const attribute_types& types,
             record_fields& fields) noexcept
      : begin_(json.data()),
        p_(json.data()),
        end_(json.data() + json.size()),
        options_(options),
        types_(types),
        fields_(fields) {}

  bool run();

 private:
  bool take_top_field(std::string_view key);
  bool take_container(std::string_view key);
  [[gnu::always_inline]] inline bool take_named(field_id id);
  bool take_custom(std::string_view name);
  bool admit_type(attr_type type, std::optional<attr_type> known) noexcept;

  [[gnu::always_inline]] inline bool read_key(std::string_view& key);
  [[gnu::always_inline]] inline bool read_plain_string(std::string_view& text) noexcept;
  [[gnu::always_inline]] inline bool read_number(std::string_view& text) noexcept;
  bool read_literal(std::string_view word) noexcept;
  [[gnu::always_inline]] inline bool read_scalar(json_scalar& value) noexcept;
  bool write_value(text_buffer& out, std::size_t depth_left);
  bool write_object(text_buffer& out, std::size_t depth_left);
  bool write_array(text_buffer& out, std::size_t depth_left);
  /// Steps over a ',' (true, `more` set) or the closing `close` (true, `more` cleared).
  [[gnu::always_inline]] inline bool next_member(char close, bool& more) noexcept;

  void skip_space() noexcept {
    while (p_ != end_ && is_json_space(*p_)) ++p_;
  }
  /// Skips white space; returns whether a byte follows.
  bool at_token() noexcept {
    skip_space();
    return p_ != end_;
  }

  /// Marks every quote of the line in quotes_ and notes whether it is all ASCII; false when
  /// the line is too long for the index or holds a backslash or a control character anywhere.
  bool index_quotes() noexcept;

  const char* begin_;
  const char* p_;
  const char* end_;
  // Bit i of word i / 64: the line's byte i is a quote. With no backslash in the line, every
  // second quote closes a string, so the next quote after an opening one closes it.
  std::array<std::uint64_t, quick_max_line_bytes / 64> quotes_;
  const normaliser_options& options_;
  const attribute_types& types_;
  record_fields& fields_;
  std::size_t new_names_ = 0;  // custom names this record would add to `types_`
  bool ascii_ = false;         // index_quotes() saw no byte above 0x7F
};

bool quick_scan::run() {
  if (!index_quotes()) return false;
  // An ASCII line is valid UTF-8 as it stands; most lines of most exports are.
  if (!ascii_ && !simdjson::validate_utf8(p_, static_cast<std::size_t>(end_ - p_))) return false;
  if (!at_token() || *p_ != '{') return false;
  ++p_;
  for (bool more = true; more;) {
    std::string_view key;
    if (!read_key(key) || !take_top_field(key) || !next_member('}', more)) return false;
  }
  skip_space();
  return p_ == end_ && fields_.has_identity();
}

bool quick_scan::take_top_field(std::string_view key) {
  const auto id = find_field(key);
  if (!id) return take_custom(key);
  if (!fields_.claim(*id, key, {})) return false;  // duplicate_key
  if (*id == field_id::attributes) return take_container(key);
  return take_named(*id);
}

bool quick_scan::take_container(std::string_view key) {
  if (*p_ == 'n') return read_literal("null");  // not provided
  if (*p_ != '{') return false;
  ++p_;
  if (!at_token()) return false;
  if (*p_ == '}') {
    ++p_;
    return true;
  }
  for (bool more = true; more;) {
    std::string_view name;
    if (!read_key(name)) return false;
    const auto id = find_field(name);
    if (!id || !is_standard(*id)) {
      if (!take_custom(name)) return false;  // identity names are refused there
    } else if (!fields_.claim(*id, name, key) || !take_named(*id)) {
      return false;
    }
    if (!next_member('}', more)) return false;
  }
  return true;
}

bool quick_scan::take_named(field_id id) {
  json_scalar scalar;
  if (!read_scalar(scalar)) return false;
  const auto text = is_identity(id) ? identity_text(id, scalar) : standard_text(id, scalar);
  if (!text) return false;
  // Quick strings hold no escape, and canonical texts are plain ASCII.
  fields_.set(id, {*text, true});
  return true;
}

bool quick_scan::take_custom(std::string_view name) {
  bool cached = false;
  std::optional<attr_type> known;
  if (!fields_.claim_custom(name, cached, known)) return false;  // duplicate_key
  if (!cached && !is_valid_attr_name(name)) return false;
  if (!known) known = types_.find(name);
  if (*p_ == '{') {
    if (options_.max_depth == 0) return false;
    auto& buffer = fields_.object_buffer();
    const std::size_t offset = buffer.size();
    if (!write_object(buffer, std::min(options_.max_depth, quick_max_depth) - 1)) return false;
    if (!admit_type(attr_type::object, known)) return false;
    fields_.add_object({name, true}, offset, known.has_value());
    return true;
  }
  json_scalar scalar;
  if (!read_scalar(scalar)) return false;           // an array is bad_attr_value
  if (scalar.kind == json_kind::null) return true;  // not provided
  if (scalar.kind == json_kind::string && exceeds_code_points(scalar.text, max_attr_value_chars)) {
    return false;
  }
  const auto type = attr_type_of(scalar.kind);
  if (!admit_type(type, known)) return false;
  fields_.add_custom({name, true}, type, {scalar.text, true}, known.has_value());
  return true;
}

bool quick_scan::admit_type(attr_type type, std::optional<attr_type> known) noexcept {
  if (known) return *known == type;  // else attr_type_changed
  return types_.size() + ++new_names_ <= options_.max_attribute_names;
}

bool quick_scan::read_key(std::string_view& key) {
  if (!at_token() || *p_ != '"' || !read_plain_string(key)) return false;
  if (!at_token() || *p_ != ':') return false;
  ++p_;
  return at_token();
}

bool quick_scan::index_quotes() noexcept {
  const auto size = static_cast<std::size_t>(end_ - begin_);
  if (size > quick_max_line_bytes) return false;
  std::uint64_t stops = 0, high = 0;
  for (std::size_t block = 0; block * 64 < size; ++block) {
    const block_marks marks = mark_block(begin_ + block * 64);
    const std::size_t left = size - block * 64;
    const std::uint64_t in_line = left >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << left) - 1;
    quotes_[block] = marks.quotes & in_line;
    stops |= marks.stops & in_line;
    high |= marks.high & in_line;
  }
  ascii_ = high == 0;
  return stops == 0;
}

bool quick_scan::read_plain_string(std::string_view& text) noexcept {
  // p_ is at an opening quote: the next marked quote closes the string.
  const auto from = static_cast<std::size_t>(p_ - begin_) + 1;
  const auto size = static_cast<std::size_t>(end_ - begin_);
  if (from >= size) return false;  // not closed
  std::size_t block = from / 64;
  std::uint64_t later = quotes_[block] & (~std::uint64_t{0} << (from % 64));
  while (later == 0) {
    if (++block * 64 >= size) return false;  // not closed
    later = quotes_[block];
  }
  const std::size_t close = block * 64 + static_cast<std::size_t>(std::countr_zero(later));
  text = std::string_view(p_ + 1, close - from);
  p_ = begin_ + close + 1;
  return true;
}

bool quick_scan::read_number(std::string_view& text) noexcept {
  const char* q = p_;
  if (*q == '-') ++q;
  const char* digits = q;
  if (q != end_ && *q == '0') {
    ++q;
  } else {
    while (q != end_ && is_digit(*q)) ++q;
  }
  if (q == digits || static_cast<std::size_t>(q - digits) > quick_max_number_digits) {
    return false;
  }
  if (q != end_ && *q == '.') {
    const char* fraction = ++q;
    while (q != end_ && is_digit(*q)) ++q;
    if (q == fraction || static_cast<std::size_t>(q - fraction) > quick_max_number_digits) {
      return false;
    }
  }
  if (q != end_ && !is_delimiter(*q)) return false;
  text = std::string_view(p_, static_cast<std::size_t>(q - p_));
  p_ = q;
  return true;
}

bool quick_scan::read_literal(std::string_view word) noexcept {
  if (static_cast<std::size_t>(end_ - p_) < word.size() ||
      std::memcmp(p_, word.data(), word.size()) != 0) {
    return false;
  }
  const char* q = p_ + word.size();
  if (q != end_ && !is_delimiter(*q)) return false;
  p_ = q;
  return true;
}

bool quick_scan::read_scalar(json_scalar& value) noexcept {
  switch (*p_) {
    case '"':
      value.kind = json_kind::string;
      return read_plain_string(value.text);
    case 't':
      value = {json_kind::boolean, "true"};
      return read_literal("true");
    case 'f':
      value = {json_kind::boolean, "false"};
      return read_literal("false");
    case 'n':
      value = {json_kind::null, {}};
      return read_literal("null");
    default:
      value.kind = json_kind::number;
      return read_number(value.text);
  }
}

bool quick_scan::next_member(char close, bool& more) noexcept {
  if (!at_token()) return false;
  if (*p_ == ',') {
    ++p_;
    more = true;
    return true;
  }
  if (*p_ != close) return false;
  ++p_;
  more = false;
  return true;
}

// The compact JSON of object values, as write_compact() writes it on the on-demand path:
// white space dropped, strings and numbers as written (quick ones need no re-escaping).

bool quick_scan::write_value(text_buffer& out, std::size_t depth_left) {
  if (*p_ == '{' || *p_ == '[') {
    if (depth_left == 0) return false;  // too deep: bad_attr_value
    return *p_ == '{' ? write_object(out, depth_left - 1) : write_array(out, depth_left - 1);
  }
  json_scalar value;
  if (!read_scalar(value)) return false;
  switch (value.kind) {
    case json_kind::string:
      append_quoted(out, value.text);
      break;
    case json_kind::null:
      out.append("null");
      break;
    default:
      out.append(value.text);
      break;
  }
  return true;
}

bool quick_scan::write_object(text_buffer& out, std::size_t depth_left) {
  ++p_;
  out.push_back('{');
  if (!at_token()) return false;
  if (*p_ == '}') {
    ++p_;
    out.push_back('}');
    return true;
  }
  for (bool more = true; more;) {
    std::string_view key;
    if (!read_key(key)) return false;
    append_quoted(out, key);
    out.push_back(':');
    if (!write_value(out, depth_left) || !next_member('}', more)) return false;
    out.push_back(more ? ',' : '}');
  }
  return true;
}

bool quick_scan::write_array(text_buffer& out, std::size_t depth_left) {
  ++p_;
  out.push_back('[');
  if (!at_token()) return false;
  if (*p_ == ']') {
    ++p_;
    out.push_back(']');
    return true;
  }
  for (bool more = true; more;) {
    if (!at_token() || !write_value(out, depth_left) || !next_member(']', more)) return false;
    out.push_back(more ? ',' : ']');
  }
  return true;
}

}  // namespace

bool quick_normalise(std::string_view json, const normaliser_options& options,
                     const attribute_types& types, record_fields& fields) {
  return quick_scan(json, options, types, fields).run();
}

}  // namespace nv::record

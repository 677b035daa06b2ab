// Realistic NDJSON user records (about 350 bytes) and broken or unusual lines of every kind.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace nv::bench {

/// The kinds of line the generator writes; each maps to one expected outcome.
enum class line_kind : std::uint8_t {
  // Valid records, in the plain shape and in every other accepted shape.
  normal,
  crlf,
  trailing_space,
  other_spellings,
  wire_shape,
  // Not a record.
  blank,
  // Broken: each is rejected with the code expected_code() names.
  bad_json,
  not_object,
  bad_email,
  bad_mobile,
  bad_birth_date,
  bad_gender,
  bad_opt_in,
  user_id_too_long,
  missing_user_id,
  attr_type_changed,
  invalid_utf8,
  attr_name_too_long,
  duplicate_key,
  line_too_long,
};

inline constexpr std::size_t line_kind_count =
    static_cast<std::size_t>(line_kind::line_too_long) + 1;
inline constexpr line_kind first_broken = line_kind::bad_json;

/// Returns the reject code name a line of `kind` must get, "" for valid ones and blank lines.
std::string_view expected_code(line_kind kind) noexcept;
/// Returns a short name of `kind`.
std::string_view kind_name(line_kind kind) noexcept;

/// A small fast deterministic generator (splitmix64): the same seed gives the same file.
class rng {
 public:
  explicit rng(std::uint64_t seed) : state_(seed) {}
  /// Returns the next 64 random bits.
  std::uint64_t next() noexcept;
  /// Returns a number in [0, bound).
  std::uint64_t below(std::uint64_t bound) noexcept { return next() % bound; }
  /// Returns a number in [0, 1).
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

/// Appends lines to a string; the caller writes and clears it.
class record_generator {
 public:
  /// Makes a generator whose too-long lines are `long_line_bytes` long.
  record_generator(std::uint64_t seed, std::size_t long_line_bytes);
  /// Appends one line of `kind` (terminator included) for record number `index`.
  void append(std::string& out, line_kind kind, std::uint64_t index);
  /// Returns the generator's random source, to pick kinds.
  rng& random() noexcept { return rng_; }

 private:
  struct person;
  person make_person(std::uint64_t index);
  void append_normal(std::string& out, const person& p, line_kind kind);
  void append_broken(std::string& out, const person& p, line_kind kind);

  rng rng_;
  std::size_t long_line_bytes_;
};

}  // namespace nv::bench

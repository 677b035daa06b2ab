// The keys of recent records by position, to guess the next record's keys: the lines of one
// file usually repeat the previous line's key order, and one vector comparison of the raw key
// against the guess replaces both the scan for its closing quote and the hash, table load and
// comparison of find_padded_field().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__AVX2__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nv/record/attribute_types.hpp"
#include "nv/record/standard_fields.hpp"

namespace nv::record {

/// Field numbers of find_padded_field() for the keys of one record in parse order (top-level
/// keys and the keys of `attributes`), learnt from the records before it. Each key position
/// remembers the last key seen there, its field number and, for a custom attribute name, the
/// type the run registered for it.
class recent_keys {
 public:
  /// Bytes that must be readable from the start of every key for guess() and lookup(): keys
  /// in the padded input line and the parser's string buffer have them.
  static constexpr std::size_t key_padding = 32;

  /// What guess() found: the key's field number (find_padded_field()) and length, or
  /// `field == not_guessed`.
  struct guessed {
    int field;
    std::uint32_t size;
  };
  static constexpr int not_guessed = -2;

  /// Starts a record: the next guess() or lookup() is for its first key.
  void start() noexcept {
    position_ = 0;
    on_track_ = true;
  }

  /// Returns the field of the key whose raw text (after its opening quote) starts at `raw`
  /// when it is the plain key seen last at this position, followed by its closing quote: the
  /// key then needs no reading (its size is returned). Else returns not_guessed; read the key
  /// and pass it to lookup().
  guessed guess(const char* raw) noexcept {
    if (position_ < guesses_.size()) {
      const guess_slot& known = guesses_[position_];
      if (same_raw_bytes(known, raw)) {
        ++position_;
        return {known.field, known.size};
      }
    }
    return {not_guessed, 0};
  }

  /// Returns find_padded_field(key) for the key at this position after guess() missed, and
  /// remembers the key there (when `plain`: the guess compares raw text).
  int lookup(std::string_view key, bool plain) noexcept { return learn(position_++, key, plain); }

  /// Returns whether the custom attribute name just looked up differs from every key before
  /// it in this record without comparing: all of them, and it, matched the keys of one
  /// accepted record (whose custom names were distinct) at the same positions.
  bool distinct_custom() const noexcept { return on_track_ && position_ <= distinct_until_; }

  /// Returns the type the run registered for the custom attribute name just looked up, when
  /// known here (-1 otherwise: ask the registry, then cache_type()).
  int cached_type() const noexcept {
    return position_ <= guesses_.size() ? guesses_[position_ - 1].type : -1;
  }

  /// Remembers that the run registered `type` for the name just looked up (a registered
  /// type never changes, so it stays true while the name stays at this position).
  void cache_type(attr_type type) noexcept {
    if (position_ <= guesses_.size()) {
      guesses_[position_ - 1].type = static_cast<std::int8_t>(type);
    }
  }

  /// Marks the record's keys as those of an accepted record: its custom names were distinct.
  void accepted() noexcept {
    distinct_until_ = position_ < guesses_.size() ? position_ : guesses_.size();
  }

 private:
  /// Bytes compared: keys of up to 31 bytes are guessed, with their closing quote.
  static constexpr std::size_t compared_bytes = 32;
  static_assert(compared_bytes <= key_padding);

  struct guess_slot {
    alignas(32) char bytes[compared_bytes] = {};  // the key and its closing quote
    std::uint32_t wanted = 0;  // a bit per byte of `bytes` to compare; none: never guessed
    std::uint32_t size = 0;
    int field = -1;
    std::int8_t type = -1;  // attr_type registered for a custom name, or -1
  };

  /// Returns whether the bytes at `raw` start with the key and quote that `known` holds.
  static bool same_raw_bytes(const guess_slot& known, const char* raw) noexcept {
#if defined(__AVX2__)
    const auto given = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw));
    const auto expected = _mm256_load_si256(reinterpret_cast<const __m256i*>(known.bytes));
    const auto equal =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(given, expected)));
#elif defined(__SSE2__)
    const auto* given = reinterpret_cast<const __m128i*>(raw);
    const auto* expected = reinterpret_cast<const __m128i*>(known.bytes);
    const auto low = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(given), _mm_load_si128(expected))));
    const auto high = static_cast<std::uint32_t>(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(given + 1), _mm_load_si128(expected + 1))));
    const std::uint32_t equal = low | high << 16;
#else
    std::uint32_t equal = 0;
    for (std::size_t i = 0; i < compared_bytes; ++i) {
      equal |= static_cast<std::uint32_t>(raw[i] == known.bytes[i]) << i;
    }
#endif
    return known.wanted != 0 && (~equal & known.wanted) == 0;
  }

  /// The key at `position` was not guessed: looks it up and remembers it there.
  int learn(std::size_t position, std::string_view key, bool plain) noexcept {
    on_track_ = false;
    const int field = find_padded_field(key);
    if (position < guesses_.size()) {
      if (position < distinct_until_) distinct_until_ = position;
      guess_slot& slot = guesses_[position];
      if (plain && key.size() < compared_bytes) {
        std::memcpy(slot.bytes, key.data(), key.size());
        slot.bytes[key.size()] = '"';
        slot.wanted = static_cast<std::uint32_t>((std::uint64_t{1} << (key.size() + 1)) - 1);
        slot.size = static_cast<std::uint32_t>(key.size());
      } else {
        slot.wanted = 0;  // escaped (its raw text differs) or too long: never guessed
      }
      slot.field = field;
      slot.type = -1;
    }
    return field;
  }

  std::array<guess_slot, 64> guesses_{};  // records with more keys are looked up past these
  std::size_t position_ = 0;              // keys looked up in this record
  std::size_t distinct_until_ = 0;        // guesses_ before this hold one accepted record's keys
  bool on_track_ = true;                  // every key of this record so far was guessed
};

}  // namespace nv::record

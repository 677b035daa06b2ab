// The keys of recent records by position, to guess the next record's keys: the lines of one
// file usually repeat the previous line's key order, and one vector comparison against the
// guess is shorter than the hash, table load and comparison of find_padded_field().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nv/record/attribute_types.hpp"
#include "nv/record/same_text.hpp"
#include "nv/record/standard_fields.hpp"

namespace nv::record {

/// Field numbers of find_padded_field() for the keys of one record in parse order (top-level
/// keys and the keys of `attributes`), learnt from the records before it. Each key position
/// remembers the last key seen there, its field number and, for a custom attribute name, the
/// type the run registered for it.
class recent_keys {
 public:
  /// Bytes every key must be followed by (readable) for lookup(): keys in the padded input
  /// line and the parser's string buffer are.
  static constexpr std::size_t key_padding = 32;

  /// Starts a record: the next lookup() is for its first key.
  void start() noexcept {
    position_ = 0;
    on_track_ = true;
  }

  /// Returns find_padded_field(key): the guess for this position when `key` is the key seen
  /// there last, else from the hash, and then remembered for this position.
  int lookup(std::string_view key) noexcept {
    const std::size_t position = position_++;
    if (position < guesses_.size()) {
      const guess& known = guesses_[position];
      if (known.size == key.size() && same_bytes(known.bytes, key)) return known.field;
    }
    return learn(position, key);
  }

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
    if (position_ <= guesses_.size()) guesses_[position_ - 1].type = static_cast<std::int8_t>(type);
  }

  /// Marks the record's keys as those of an accepted record: its custom names were distinct.
  void accepted() noexcept {
    distinct_until_ = position_ < guesses_.size() ? position_ : guesses_.size();
  }

 private:
  /// Longest key guessed: two 16-byte comparisons.
  static constexpr std::size_t max_guessed_size = 32;

  struct guess {
    alignas(16) char bytes[max_guessed_size] = {};
    std::size_t size = ~std::size_t{0};  // never a key's size until learnt
    int field = -1;
    std::int8_t type = -1;  // attr_type registered for a custom name, or -1
  };

  /// Returns whether the first `key.size()` bytes at `bytes` equal `key` (at most
  /// max_guessed_size bytes; `key` is followed by key_padding readable bytes).
  static bool same_bytes(const char* bytes, std::string_view key) noexcept {
#if defined(__SSE2__)
    const auto* given = reinterpret_cast<const __m128i*>(key.data());
    const auto* known = reinterpret_cast<const __m128i*>(bytes);
    const auto low = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(given), _mm_load_si128(known))));
    const auto high = static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(given + 1), _mm_load_si128(known + 1))));
    const std::uint64_t wanted = (std::uint64_t{1} << key.size()) - 1;  // size <= 32
    return (~(low | high << 16) & wanted) == 0;
#else
    return same_text(std::string_view(bytes, key.size()), key);
#endif
  }

  /// The key at `position` differs from the guess: looks it up and remembers it there.
  int learn(std::size_t position, std::string_view key) noexcept {
    on_track_ = false;
    const int field = find_padded_field(key);
    if (position < guesses_.size()) {
      if (position < distinct_until_) distinct_until_ = position;
      guess& slot = guesses_[position];
      if (key.size() <= max_guessed_size) {
        std::memcpy(slot.bytes, key.data(), max_guessed_size);  // key_padding readable bytes
        slot.size = key.size();
      } else {
        slot.size = ~std::size_t{0};
      }
      slot.field = field;
      slot.type = -1;
    }
    return field;
  }

  std::array<guess, 64> guesses_{};  // records with more keys are looked up past these
  std::size_t position_ = 0;         // keys looked up in this record
  std::size_t distinct_until_ = 0;   // guesses_ before this hold one accepted record's keys
  bool on_track_ = true;             // every key of this record so far matched its guess
};

}  // namespace nv::record

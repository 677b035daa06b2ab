// A growable byte buffer with inline appends, for the compact JSON of object values and the
// wire pieces: short pieces are copied without a library call, and the capacity is kept from
// record to record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace nv::record {

/// Copies `size` bytes from `from` to `out`; pieces of up to 16 bytes use overlapping word
/// moves (reading and writing only inside both ranges) instead of a call to memcpy.
inline void copy_bytes(char* out, const char* from, std::size_t size) noexcept {
  if (size >= 8 && size <= 16) {
    std::uint64_t head, tail;
    std::memcpy(&head, from, 8);
    std::memcpy(&tail, from + size - 8, 8);
    std::memcpy(out, &head, 8);
    std::memcpy(out + size - 8, &tail, 8);
  } else if (size >= 4 && size < 8) {
    std::uint32_t head, tail;
    std::memcpy(&head, from, 4);
    std::memcpy(&tail, from + size - 4, 4);
    std::memcpy(out, &head, 4);
    std::memcpy(out + size - 4, &tail, 4);
  } else if (size < 4) {
    for (std::size_t i = 0; i < size; ++i) out[i] = from[i];
  } else {
    std::memcpy(out, from, size);
  }
}

/// Returns the 8 bytes at `from` as one word, in the machine's byte order.
inline std::uint64_t load_word(const char* from) noexcept {
  std::uint64_t word;
  std::memcpy(&word, from, sizeof word);
  return word;
}

/// Bytes a padded source must have readable past the end of a piece for copy_padded().
inline constexpr std::size_t copy_padding = 32;

/// Copies one block of copy_padding bytes: a single 32-byte move where AVX2 exists (GCC splits
/// a 32-byte memcpy into two 16-byte moves for its generic tuning).
inline void copy_block(char* out, const char* from) noexcept {
#if defined(__AVX2__)
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from)));
#else
  std::memcpy(out, from, copy_padding);
#endif
}

/// Copies `size` bytes from `from` to `out` in 32-byte blocks: one block for most wire pieces,
/// copied before any test of the size. Reads and writes up to copy_padding - 1 bytes past both
/// ends (copy_padding when `size` is 0), so both buffers need that much readable (and, at
/// `out`, writable) slack; `from` is never null.
inline void copy_padded(char* out, const char* from, std::size_t size) noexcept {
  copy_block(out, from);
  for (std::size_t i = copy_padding; i < size; i += copy_padding) copy_block(out + i, from + i);
}

/// Bytes appended at the end; cleared, never shrunk. Not a string: no terminator. The storage
/// has copy_padding bytes of slack past the capacity, so copy_padded() may read any piece.
class text_buffer {
 public:
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {data_.get(), size_}; }

  /// Forgets the contents; keeps the capacity.
  void clear() noexcept { size_ = 0; }

  /// Cuts the contents back to `size` bytes (at most size()).
  void truncate(std::size_t size) noexcept { size_ = size < size_ ? size : size_; }

  void push_back(char c) {
    *room(1) = c;
    ++size_;
  }

  void append(std::string_view text) {
    copy_bytes(room(text.size()), text.data(), text.size());
    size_ += text.size();
  }

  /// Returns where `bytes` more bytes can be written; commit() what was written.
  char* room(std::size_t bytes) {
    if (capacity_ - size_ < bytes) grow(bytes);
    return data_.get() + size_;
  }

  /// Ends a write started with room() at `end`.
  void commit(const char* end) noexcept { size_ = static_cast<std::size_t>(end - data_.get()); }

 private:
  void grow(std::size_t bytes) {
    std::size_t capacity = capacity_ < 256 ? 256 : capacity_ * 2;
    while (capacity - size_ < bytes) capacity *= 2;
    // Not zero-filled: a request body reserves room for a user's worst case (every character
    // escaped), and pages never written then stay out of the resident set.
    auto grown = std::make_unique_for_overwrite<char[]>(capacity + copy_padding);
    if (size_ != 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace nv::record

// The compressed side of a decompressing source: one fixed buffer over the wrapped source.
#pragma once

#include "nv/source/byte_source.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <system_error>

namespace nv::source {

/// Reads a wrapped byte_source into one buffer of fixed size and counts the compressed bytes,
/// so a decompressor's memory stays flat and its errors can say where the input ended.
class compressed_input {
 public:
  /// Size of the buffer; large enough that a read(2) costs little per decompressed byte.
  static constexpr std::size_t capacity = std::size_t{128} << 10;

  /// Takes ownership of `compressed`.
  explicit compressed_input(std::unique_ptr<byte_source> compressed);

  /// Returns the bytes read and not yet consumed.
  std::span<const char> available() const noexcept {
    return {buffer_.get() + begin_, end_ - begin_};
  }
  /// Marks the first `bytes` of available() as used by the decompressor.
  void consume(std::size_t bytes) noexcept { begin_ += bytes; }
  /// Reads from the wrapped source until available() holds `at_least` bytes or it ends.
  /// Errors returned: the wrapped source's, whose error_detail() then explains it.
  std::error_code fill(std::size_t at_least = 1);
  /// Returns true once the wrapped source reported its end (available() may still hold bytes).
  bool ended() const noexcept { return ended_; }
  /// Returns true when nothing is left: the wrapped source ended and everything was consumed.
  bool exhausted() const noexcept { return ended_ && begin_ == end_; }
  /// Returns how many compressed bytes were consumed so far.
  std::uint64_t consumed() const noexcept { return read_total_ - (end_ - begin_); }
  /// Returns how many compressed bytes were read from the wrapped source so far.
  std::uint64_t read_total() const noexcept { return read_total_; }
  /// Returns the wrapped source.
  const byte_source& compressed() const noexcept { return *compressed_; }

 private:
  std::unique_ptr<byte_source> compressed_;
  std::unique_ptr<char[]> buffer_;  // `capacity` bytes, never reallocated
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  bool ended_ = false;
  std::uint64_t read_total_ = 0;
};

}  // namespace nv::source

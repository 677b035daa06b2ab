// A place in a source: the byte offset where a line starts and that line's number.
#pragma once

#include <compare>
#include <cstdint>

namespace nv::checkpoint {

/// The start of a line: its byte offset (in the decompressed stream for a compressed file) and
/// its 1-based line number. Everything before it is what a checkpoint says is finished.
struct position {
  std::uint64_t offset = 0;
  std::uint64_t line = 1;

  // Offset first: within one source the line number grows with it, so this is reading order.
  friend auto operator<=>(const position&, const position&) = default;
};

}  // namespace nv::checkpoint

// Byte sources behind one small synchronous interface: a file, standard input or a pipe.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

namespace nv::source {

/// What one read_some() did: bytes placed, end of stream reached, or an error.
struct read_result {
  std::size_t bytes = 0;
  bool eof = false;
  std::error_code error;
};

/// A stream of bytes read in pieces. Later sources (a decompressor, an asynchronous socket)
/// implement the same call, so the line reader and the record stage never change.
class byte_source {
 public:
  virtual ~byte_source() = default;
  /// Reads up to `into.size()` bytes; 0 bytes with eof at the end of the stream.
  virtual read_result read_some(std::span<char> into) = 0;
  /// Returns the name used in messages and the reject file (the path, or "stdin").
  virtual std::string_view name() const noexcept = 0;
};

/// A source that was opened, or the one-line reason it could not be.
struct open_result {
  std::unique_ptr<byte_source> source;  ///< Null when `error` is set.
  std::string error;                    ///< E.g. `cannot open "x": No such file or directory`.
};

/// Opens the regular file (or FIFO) at `path` for sequential reading.
open_result open_file(const std::string& path);

/// Returns a source over standard input (a file, a pipe or a terminal); it does not close fd 0.
std::unique_ptr<byte_source> open_stdin();

/// Opens `path`, or standard input when `path` is "-".
open_result open_path(const std::string& path);

}  // namespace nv::source

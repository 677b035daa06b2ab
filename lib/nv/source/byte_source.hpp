// Byte sources behind one small synchronous interface: a file, standard input or a pipe,
// decompressed on the fly when the file name ends in .gz or .zst.
#pragma once

#include <cstddef>
#include <cstdint>
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

/// Errors of the stream's content (as opposed to the system's); byte_source::error_detail()
/// says where and what exactly.
enum class stream_error : int {
  truncated = 1,  ///< The input ended inside a compressed member or frame.
  corrupt,        ///< The compressed data does not decode, or fails its check.
  wrong_format,   ///< The input is not in the format its file name promises.
  skip_past_end,  ///< skip() asked for bytes beyond the end: the file is not the one expected.
};

/// Returns the category of stream_error codes ("nv.source").
const std::error_category& stream_error_category() noexcept;

/// Makes an error_code from `error`, so stream_error compares with std::error_code.
inline std::error_code make_error_code(stream_error error) noexcept {
  return {static_cast<int>(error), stream_error_category()};
}

/// A stream of bytes read in pieces. Later sources (a decompressor, an asynchronous socket)
/// implement the same call, so the line reader and the record stage never change.
class byte_source {
 public:
  virtual ~byte_source() = default;
  /// Reads up to `into.size()` bytes; 0 bytes with eof at the end of the stream.
  virtual read_result read_some(std::span<char> into) = 0;
  /// Advances the stream by `bytes` (decompressed bytes for a compressed source), as if they
  /// had been read, to resume after a checkpoint. Errors returned: stream_error::skip_past_end
  /// when the stream ends first (it changed since the checkpoint), or any read error.
  /// This default reads and discards through a fixed buffer.
  virtual std::error_code skip(std::uint64_t bytes);
  /// Returns the name used in messages and the reject file (the path, or "stdin").
  virtual std::string_view name() const noexcept = 0;
  /// Returns what the last error of read_some() or skip() means here, e.g. "truncated gzip
  /// stream (input ended at compressed byte 812)"; empty when the error code's message is all.
  const std::string& error_detail() const noexcept { return error_detail_; }

 protected:
  /// Records `detail` for error_detail() and returns `error`, for `return fail(…)`.
  std::error_code fail(std::error_code error, std::string detail);

 private:
  std::string error_detail_;
};

/// Returns `cannot read "<name>": <why>` for `error`, which `source` reported: the detail
/// when there is one, else the error code's message.
std::string read_error_message(const byte_source& source, std::error_code error);

/// A source that was opened, or the one-line reason it could not be.
struct open_result {
  std::unique_ptr<byte_source> source;  ///< Null when `error` is set.
  std::string error;                    ///< E.g. `cannot open "x": No such file or directory`.
};

/// Opens the regular file (or FIFO) at `path` for sequential reading; a name ending in ".gz"
/// or ".zst" is decompressed on the fly (gzip_source, zstd_source). name() is `path`.
open_result open_file(const std::string& path);

/// Returns a source over standard input (a file, a pipe or a terminal); it does not close fd 0.
std::unique_ptr<byte_source> open_stdin();

/// Opens `path`, or standard input when `path` is "-".
open_result open_path(const std::string& path);

}  // namespace nv::source

template <>
struct std::is_error_code_enum<nv::source::stream_error> : std::true_type {};

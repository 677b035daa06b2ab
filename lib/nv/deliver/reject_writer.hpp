// The reject file: one NDJSON line per rejected record, always valid JSON whatever the input.
#pragma once

#include "nv/record/reject.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace nv::deliver {

/// One rejected record: where it came from, why, and its original line.
struct reject_entry {
  std::string_view source;   ///< Source name (a path, or "stdin").
  std::uint64_t line = 0;    ///< 1-based line number.
  std::uint64_t offset = 0;  ///< Byte offset of the line in the source.
  const record::reject& reason;
  std::string_view record;  ///< The original line, without its terminator; any bytes.
};

/// Appends to `out` the reject line for `entry`, newline included:
/// {"source":…,"line":…,"offset":…,"code":…,"reason":…,"record":"…"}.
/// Bytes that are not valid UTF-8 (in any string) are written as \u00XX of the raw byte, so a
/// byte 0xE9 reads back as U+00E9: the file stays valid JSON and the byte's value is kept for
/// whoever fixes the input. Valid UTF-8 is written as is.
void append_reject_line(std::string& out, const reject_entry& entry);

/// Appends `text` (any bytes) to `out` as a quoted JSON string, escaping as above.
void append_json_bytes(std::string& out, std::string_view text);

/// How reject_writer::open() treats an existing file.
enum class open_mode { truncate, append };

/// Buffers reject lines and writes them to a file in large pieces; flushes on close and on
/// destruction. Not thread-safe by design: one writer per run, fed by the one stage that owns
/// the rejects.
class reject_writer {
 public:
  /// Opens (creating it) the reject file at `path`; on failure returns null and sets `error`
  /// to a one-line reason such as `cannot open reject file "x": Permission denied`.
  static std::unique_ptr<reject_writer> open(const std::string& path, open_mode mode,
                                             std::string& error);
  reject_writer(const reject_writer&) = delete;
  reject_writer& operator=(const reject_writer&) = delete;
  /// Flushes what is buffered (errors are lost here: call close() to see them) and closes.
  ~reject_writer();

  /// Appends one reject line; returns a write error of an intermediate flush, if any.
  std::error_code write(const reject_entry& entry);
  /// Writes out everything buffered.
  std::error_code flush();
  /// Writes out everything buffered and waits until it is on disk (before a checkpoint that
  /// moves past these rejects is written).
  std::error_code sync();
  /// Flushes and closes the file; later writes fail.
  std::error_code close();

  /// Returns the number of reject lines written so far.
  std::uint64_t lines() const noexcept { return lines_; }
  /// Returns the file's path.
  const std::string& path() const noexcept { return path_; }

 private:
  reject_writer(int fd, std::string path);

  int fd_;
  std::string path_;
  std::string buffer_;
  std::uint64_t lines_ = 0;
};

}  // namespace nv::deliver

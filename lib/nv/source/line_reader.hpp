// Splits a byte stream into NDJSON lines inside one reused, padded, bounded buffer; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nv::source {

/// A place in a stream: the offset of a line's first byte and that line's 1-based number.
struct stream_position {
  std::uint64_t offset = 0;
  std::uint64_t line = 1;
  friend bool operator==(const stream_position&, const stream_position&) = default;
};

/// Limits of a line_reader; the buffer holds about max_line_bytes + read_chunk bytes.
struct line_reader_options {
  std::size_t max_line_bytes = std::size_t{1} << 20;  ///< Longer lines are too_long.
  std::size_t read_chunk = std::size_t{256} << 10;    ///< Size of the span prepare() offers.
  std::size_t too_long_prefix = 1024;                 ///< Bytes of a too-long line kept.
};

/// What line_reader::next() found.
enum class line_kind : std::uint8_t {
  line,       ///< A non-blank line in `text`.
  blank,      ///< An empty or whitespace-only line (skipped, counted by the caller).
  too_long,   ///< A line over the maximum; `text` holds only its first bytes.
  need_more,  ///< The buffer holds no complete line: prepare(), read, commit() or finish().
  end,        ///< The stream is finished and every line was returned.
};

/// One result of line_reader::next(); `text` stays valid until the next call on the reader.
struct line_event {
  line_kind kind = line_kind::need_more;
  /// The line without terminator and trailing whitespace (line), or a prefix (too_long).
  std::string_view text;
  std::uint64_t number = 0;      ///< 1-based line number.
  std::uint64_t offset = 0;      ///< Stream offset of the line's first byte.
  std::uint64_t end_offset = 0;  ///< Stream offset just past the line's terminator.
  std::uint64_t length = 0;      ///< Bytes of the line without its "\n" or "\r\n".
};

/// Cuts a stream into lines: the caller fills prepare() with bytes, commit()s them, calls
/// finish() at end of stream, and calls next() until it returns need_more or end.
/// Every returned `text` is followed by at least simdjson::SIMDJSON_PADDING readable bytes.
/// A UTF-8 byte order mark is skipped only at stream offset 0; "\r\n" and trailing spaces and
/// tabs are accepted; a final line without a newline is still a line. UTF-8 is not checked
/// here (the parser does it). Not thread-safe.
class line_reader {
 public:
  /// Makes a reader with a buffer sized from `options`.
  explicit line_reader(line_reader_options options = {});

  /// Starts a new stream whose first byte is at `offset` and first line is `number`.
  void reset(std::uint64_t offset = 0, std::uint64_t number = 1);

  /// Returns writable space of read_chunk bytes; call only after next() returned need_more.
  std::span<char> prepare();
  /// Appends the first `bytes` of the span prepare() returned to the stream.
  void commit(std::size_t bytes);
  /// Marks the end of the stream: a pending final line is returned without a newline.
  void finish();

  /// Returns the next line, blank, too-long line, or need_more / end.
  line_event next();

  /// Returns the options the reader was made with.
  const line_reader_options& options() const noexcept { return options_; }

 private:
  line_event next_in_line();
  line_event next_discarding();
  line_event complete_line(std::size_t newline, std::size_t next_begin);
  line_event make_too_long(std::uint64_t end_offset, std::uint64_t length);
  void start_discarding();
  bool skip_bom();
  void consume(std::size_t next_begin);
  void consume_bytes(std::size_t bytes);

  line_reader_options options_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0;           // first unread byte
  std::size_t scan_ = 0;            // bytes before this were searched for '\n' already
  std::size_t end_ = 0;             // one past the last committed byte
  std::uint64_t begin_offset_ = 0;  // stream offset of buffer_[begin_]
  std::uint64_t number_ = 1;        // number of the line at begin_
  bool bom_checked_ = false;
  bool finished_ = false;
  bool ended_ = false;
  // While discarding the rest of a too-long line: its start, and the prefix kept from it.
  bool discarding_ = false;
  std::uint64_t long_offset_ = 0;
  std::uint64_t long_length_ = 0;
  bool long_ends_with_cr_ = false;
  std::string long_prefix_;
};

}  // namespace nv::source

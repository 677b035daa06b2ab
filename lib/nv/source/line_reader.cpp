// The line splitter: a buffer machine that never holds more than one maximal line plus a chunk.
#include "nv/source/line_reader.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cassert>
#include <cstring>

namespace nv::source {
namespace {

constexpr std::string_view bom = "\xEF\xBB\xBF";

bool is_trailing_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r';
}

/// Returns how many bytes of `text` fit in `limit` without splitting a UTF-8 sequence.
std::size_t cut_at_code_point(std::string_view text, std::size_t limit) noexcept {
  if (text.size() <= limit) return text.size();
  std::size_t cut = limit;
  // Step back over continuation bytes (at most three) so the prefix ends on a boundary.
  for (int i = 0; i < 3 && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80; ++i) {
    --cut;
  }
  return cut;
}

}  // namespace

line_reader::line_reader(line_reader_options options)
    : options_(options),
      // One maximal line with "\r\n", one read chunk, and the parser's padding after both.
      buffer_(options.max_line_bytes + 2 + options.read_chunk + simdjson::SIMDJSON_PADDING) {
  long_prefix_.reserve(options_.too_long_prefix);
}

void line_reader::reset(std::uint64_t offset, std::uint64_t number) {
  begin_ = scan_ = end_ = 0;
  begin_offset_ = offset;
  number_ = number;
  bom_checked_ = offset != 0;
  finished_ = ended_ = discarding_ = false;
  long_length_ = 0;
  long_ends_with_cr_ = false;
}

std::span<char> line_reader::prepare() {
  const std::size_t data_capacity = buffer_.size() - simdjson::SIMDJSON_PADDING;
  if (begin_ == end_) {
    begin_ = scan_ = end_ = 0;
  } else if (begin_ != 0 && (end_ - begin_ <= options_.read_chunk / 8 ||
                             data_capacity - end_ < options_.read_chunk)) {
    // Only a partial line (at most max_line_bytes + 1 bytes) is left. A short one moves to the
    // front before every read, so reads and parsing stay in the first chunk of the buffer,
    // warm in the cache, instead of walking through all of it (cachegrind, 1 MiB last level:
    // a tenth of the misses; CPU time within noise); a long one moves only when a chunk no
    // longer fits behind it, which bounds the copying to an eighth of what is read.
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    scan_ -= begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  assert(data_capacity > end_);
  return {buffer_.data() + end_, std::min(options_.read_chunk, data_capacity - end_)};
}

void line_reader::commit(std::size_t bytes) {
  end_ += bytes;
}

void line_reader::finish() {
  finished_ = true;
}

line_event line_reader::next() {
  if (ended_) return {.kind = line_kind::end, .number = number_, .offset = begin_offset_};
  return discarding_ ? next_discarding() : next_in_line();
}

line_event line_reader::next_in_line() {
  if (!bom_checked_ && !skip_bom()) return {.kind = line_kind::need_more};
  const char* data = buffer_.data();
  if (const void* found = std::memchr(data + scan_, '\n', end_ - scan_)) {
    auto newline = static_cast<std::size_t>(static_cast<const char*>(found) - data);
    return complete_line(newline, newline + 1);
  }
  scan_ = end_;
  if (finished_) {
    if (begin_ == end_) {
      ended_ = true;
      return {.kind = line_kind::end, .number = number_, .offset = begin_offset_};
    }
    return complete_line(end_, end_);
  }
  // More than a maximal line and its "\r" without a newline: the line is surely too long.
  if (end_ - begin_ > options_.max_line_bytes + 1) {
    start_discarding();
    return next_discarding();
  }
  return {.kind = line_kind::need_more};
}

line_event line_reader::complete_line(std::size_t stop, std::size_t next_begin) {
  const std::string_view raw(buffer_.data() + begin_, stop - begin_);
  std::size_t length = raw.size();
  if (length > 0 && raw[length - 1] == '\r') --length;
  line_event event{.number = number_,
                   .offset = begin_offset_,
                   .end_offset = begin_offset_ + (next_begin - begin_),
                   .length = length};
  if (length > options_.max_line_bytes) {
    event.kind = line_kind::too_long;
    event.text = raw.substr(0, cut_at_code_point(raw, options_.too_long_prefix));
  } else {
    std::size_t size = raw.size();
    while (size > 0 && is_trailing_space(raw[size - 1])) --size;
    event.kind = size == 0 ? line_kind::blank : line_kind::line;
    event.text = raw.substr(0, size);
  }
  // The text stays in place: the buffer only moves in prepare().
  consume(next_begin);
  return event;
}

void line_reader::start_discarding() {
  const std::string_view held(buffer_.data() + begin_, end_ - begin_);
  long_prefix_.assign(held.substr(0, cut_at_code_point(held, options_.too_long_prefix)));
  long_offset_ = begin_offset_;
  long_length_ = 0;
  long_ends_with_cr_ = false;
  discarding_ = true;
}

line_event line_reader::next_discarding() {
  const char* data = buffer_.data();
  const void* found = std::memchr(data + begin_, '\n', end_ - begin_);
  const std::size_t stop =
      found ? static_cast<std::size_t>(static_cast<const char*>(found) - data) : end_;
  if (stop > begin_) {
    long_length_ += stop - begin_;
    long_ends_with_cr_ = data[stop - 1] == '\r';
  }
  if (!found) {
    // Drop what was read of the long line; only its prefix and length are kept.
    begin_offset_ += end_ - begin_;
    begin_ = scan_ = end_;
    if (!finished_) return {.kind = line_kind::need_more};
    discarding_ = false;
    return make_too_long(begin_offset_, long_length_);
  }
  const std::uint64_t end_offset = begin_offset_ + (stop + 1 - begin_);
  begin_offset_ = end_offset;
  begin_ = scan_ = stop + 1;
  discarding_ = false;
  return make_too_long(end_offset, long_length_ - (long_ends_with_cr_ ? 1 : 0));
}

line_event line_reader::make_too_long(std::uint64_t end_offset, std::uint64_t length) {
  return {.kind = line_kind::too_long,
          .text = long_prefix_,
          .number = number_++,
          .offset = long_offset_,
          .end_offset = end_offset,
          .length = length};
}

bool line_reader::skip_bom() {
  const std::string_view held(buffer_.data() + begin_, end_ - begin_);
  if (held.size() < bom.size() && !finished_ && bom.starts_with(held)) return false;
  bom_checked_ = true;
  if (held.starts_with(bom)) consume_bytes(bom.size());
  return true;
}

void line_reader::consume(std::size_t next_begin) {
  begin_offset_ += next_begin - begin_;
  begin_ = scan_ = next_begin;
  ++number_;
}

void line_reader::consume_bytes(std::size_t bytes) {
  begin_offset_ += bytes;
  begin_ += bytes;
  scan_ = std::max(scan_, begin_);
}

}  // namespace nv::source

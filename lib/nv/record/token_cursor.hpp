// A forward cursor over the tokens simdjson's stage 1 found in one line, for the normaliser's
// fast path. On-demand's object iteration spends about 65 instructions per field on
// bookkeeping that a flat record does not need (depth tracking, skipping unread children,
// error states); reading the token index directly costs a few loads per field. The cursor does
// not check the grammar: its user decides from each token's first byte, in order.
#pragma once

#include <cstdint>
#include <string_view>

#include <simdjson.h>

namespace nv::record {

class token_cursor {
 public:
  /// Tokens of `iter`, from parser::iterate_raw(): stage 1 has run, nothing is read yet.
  explicit token_cursor(simdjson::ondemand::json_iterator& iter) noexcept
      : iter_(&iter),
        at_(iter.position()),
        buf_(reinterpret_cast<const char*>(iter.peek()) - *iter.position()) {}

  /// The first byte of the token `ahead` tokens on. Stage 1 ends the index with two entries
  /// at the line's end and one at its start, so up to two tokens past the last one point at
  /// readable bytes; what they hold means nothing, so a token may only be acted on when the
  /// tokens before it were (see last_is_close()).
  const char* peek(int ahead = 0) const noexcept { return buf_ + at_[ahead]; }

  /// The token `ahead` tokens on, up to the next token: a scalar and the spaces after it.
  std::string_view token(int ahead = 0) const noexcept {
    return {peek(ahead), at_[ahead + 1] - at_[ahead]};
  }

  /// Moves on. The position is the cursor's own, not the iterator's: a walk that keeps the
  /// cursor in a local has it in a register, where the iterator's went through memory on every
  /// token (a store and a reload in the chain of each token's loads).
  void advance(int count) noexcept { at_ += count; }

  /// Unescapes the string whose opening quote is at `quote` into the parser's string buffer,
  /// as on-demand's get_string() does.
  simdjson::error_code unescape(const char* quote, std::string_view& text) noexcept {
    return iter_
        ->unescape(
            simdjson::ondemand::raw_json_string(reinterpret_cast<const std::uint8_t*>(quote + 1)))
        .get(text);
  }

  /// Returns whether every token has been consumed: the iterator is moved on to the cursor
  /// and asked. It never moves back, so ask the copy that is furthest on.
  bool at_end() noexcept {
    for (auto left = at_ - iter_->position(); left > 0; --left) {
      iter_->return_current_and_advance();
    }
    return iter_->at_end();
  }

  /// Returns whether the last token is a '}'. A walk that acts on each token only after the
  /// ones before it then never reads past the end unnoticed: the '}' either closes the object
  /// at the top, which must leave the cursor at_end(), or closes a nested one, after which it
  /// must not be at_end(), or is refused where it stands.
  bool last_is_close() const noexcept { return *iter_->peek_last() == '}'; }

 private:
  simdjson::ondemand::json_iterator* iter_;
  const std::uint32_t* at_;  // the next token's entry in stage 1's index
  const char* buf_;          // the line the index points into
};

}  // namespace nv::record

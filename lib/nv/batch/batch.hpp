// One request body {"nv":[…]} and, for each user in it, where it came from and its original line.
#pragma once

#include "nv/record/text_buffer.hpp"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nv::batch {

/// Where one user of a batch came from and where its wire object sits in the body.
struct batch_user {
  std::uint64_t line = 0;        ///< 1-based line number in the source.
  std::uint64_t offset = 0;      ///< Source offset of the line's first byte.
  std::uint64_t end_offset = 0;  ///< Source offset just past the line's terminator.
  std::uint32_t wire_begin = 0;  ///< The wire object is body()[wire_begin, wire_end).
  std::uint32_t wire_end = 0;
  std::uint32_t original_begin = 0;  ///< Its original line is in the batch's line store.
  std::uint32_t original_end = 0;
};

/// A request body of one source's users, in source order, covering the source byte range
/// [first_offset(), end_offset()). Reused: clear() keeps every buffer's capacity.
/// Not thread-safe; hand it between threads, do not share it.
class batch {
 public:
  /// What opens and closes the body around the users.
  static constexpr std::string_view body_open = "{\"nv\":[";
  static constexpr std::string_view body_close = "]}";
  /// The bytes of {"nv":[ and ]} around the users.
  static constexpr std::size_t framing_bytes = body_open.size() + body_close.size();

  /// Returns the request body {"nv":[…]}; empty while the batch has no user.
  std::string_view body() const noexcept { return body_.view(); }
  /// Returns the number of users.
  std::size_t size() const noexcept { return users_.size(); }
  /// Returns true when the batch holds no user.
  bool empty() const noexcept { return users_.empty(); }
  /// Returns the origin and body position of user `index`.
  const batch_user& user(std::size_t index) const noexcept { return users_[index]; }
  /// Returns the wire object of user `index` as it appears in the body.
  std::string_view wire(std::size_t index) const noexcept;
  /// Returns the original input line of user `index`, for the reject file.
  std::string_view original_line(std::size_t index) const noexcept;

  /// Returns the id of the source the users came from (the record stage numbers sources).
  std::uint32_t source_id() const noexcept { return source_id_; }
  /// Returns the source offset of the first user's line.
  std::uint64_t first_offset() const noexcept;
  /// Returns the source offset just past the last user's line.
  std::uint64_t end_offset() const noexcept;

  /// Writes into `out` (cleared first) the body for users [first, first + count), e.g. a half.
  void build_body(std::size_t first, std::size_t count, std::string& out) const;

  // The in-place user's steps are inline: they run for every user.

  /// Starts a user written in place: writes the separator before it and returns the body, for
  /// the caller to append the user's wire object to (a normaliser writes it there, no copy);
  /// then commit_user() or cancel_user().
  record::text_buffer& open_user() {
    assert(!closed_);
    user_start_ = body_.size();
    if (users_.empty()) {
      body_.append(body_open);
    } else {
      body_.push_back(',');
    }
    wire_start_ = body_.size();
    return body_;
  }
  /// Returns the wire object appended since open_user().
  std::string_view open_wire() const noexcept { return body_.view().substr(wire_start_); }
  /// Returns the body size once closed, with the user being written.
  std::size_t closed_size() const noexcept { return body_.size() + body_close.size(); }
  /// Ends the user started by open_user(): its wire object is open_wire().
  void commit_user(const batch_user& origin, std::string_view original) {
    batch_user& u = users_.emplace_back(origin);
    u.wire_begin = static_cast<std::uint32_t>(wire_start_);
    u.wire_end = static_cast<std::uint32_t>(body_.size());
    u.original_begin = static_cast<std::uint32_t>(lines_.size());
    lines_.append(original);
    u.original_end = static_cast<std::uint32_t>(lines_.size());
  }
  /// Takes back the user started by open_user(): the body is as it was before.
  void cancel_user() noexcept { body_.truncate(user_start_); }
  /// Empties the batch for `source_id`, keeping the capacity of its buffers.
  void clear(std::uint32_t source_id = 0);

 private:
  // Not strings: a wire object written in place needs room past the end that a string would
  // fill with zeros first.
  record::text_buffer body_;   // "{\"nv\":[" + wires joined by ',' (+ "]}" once closed)
  record::text_buffer lines_;  // original lines, back to back
  std::vector<batch_user> users_;
  std::uint32_t source_id_ = 0;
  bool closed_ = false;
  std::size_t user_start_ = 0;  // body size before the user being written (its separator)
  std::size_t wire_start_ = 0;  // where its wire object starts

  friend class batch_builder;
  void close();
};

}  // namespace nv::batch

// Building and slicing request bodies in place.
#include "nv/batch/batch.hpp"

#include <cassert>

namespace nv::batch {

std::string_view batch::wire(std::size_t index) const noexcept {
  const auto& u = users_[index];
  return body_.view().substr(u.wire_begin, u.wire_end - u.wire_begin);
}

std::string_view batch::original_line(std::size_t index) const noexcept {
  const auto& u = users_[index];
  return lines_.view().substr(u.original_begin, u.original_end - u.original_begin);
}

std::uint64_t batch::first_offset() const noexcept {
  return users_.empty() ? 0 : users_.front().offset;
}

std::uint64_t batch::end_offset() const noexcept {
  return users_.empty() ? 0 : users_.back().end_offset;
}

void batch::build_body(std::size_t first, std::size_t count, std::string& out) const {
  assert(first + count <= users_.size());
  out.clear();
  out.append(body_open);
  for (std::size_t i = first; i < first + count; ++i) {
    if (i != first) out.push_back(',');
    out.append(wire(i));
  }
  out.append(body_close);
}

void batch::close() {
  if (!closed_ && !users_.empty()) body_.append(body_close);
  closed_ = true;
}

void batch::clear(std::uint32_t source_id) {
  body_.clear();
  lines_.clear();
  users_.clear();
  source_id_ = source_id;
  closed_ = false;
}

}  // namespace nv::batch

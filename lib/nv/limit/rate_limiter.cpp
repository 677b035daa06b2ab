// The start ticket: reports a request's answer to its limiter exactly once.
#include "nv/limit/rate_limiter.hpp"

namespace nv::limit {

start_ticket& start_ticket::operator=(start_ticket&& other) noexcept {
  if (this != &other) {
    answered();
    owner_ = std::exchange(other.owner_, nullptr);
    index_ = other.index_;
  }
  return *this;
}

void start_ticket::answered() {
  if (auto* owner = std::exchange(owner_, nullptr)) owner->answered(index_);
}

}  // namespace nv::limit

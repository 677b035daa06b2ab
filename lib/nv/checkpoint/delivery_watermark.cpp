// The delivery watermark: unsettled batches by key and by first line, under one mutex.
#include "nv/checkpoint/delivery_watermark.hpp"

#include <algorithm>
#include <cassert>

namespace nv::checkpoint {

delivery_watermark::delivery_watermark(position start) : read_through_(start), safe_(start) {}

void delivery_watermark::read_through(position p) {
  std::lock_guard lock(mutex_);
  assert(p >= read_through_ && "read_through() moved backwards");
  if (p < read_through_) return;
  read_through_ = p;
  advance();
}

void delivery_watermark::pending(std::uint64_t batch_key, position first) {
  std::lock_guard lock(mutex_);
  assert((pending_.empty() || batch_key > pending_.rbegin()->first) &&
         "pending() keys must increase");
  assert(first >= read_through_ && "pending() batch starts before read_through()");
  assert((firsts_.empty() || first >= *firsts_.rbegin()) &&
         "pending() batches must start in reading order");
  // A repeated key would let one settled() answer for two batches, so it is refused. A batch
  // out of order is kept: firsts_ makes it hold the mark back until it settles all the same.
  // A new batch can only hold the mark where it is, so there is nothing to advance.
  if (!pending_.emplace(batch_key, first).second) return;
  firsts_.insert(first);
}

void delivery_watermark::settled(std::uint64_t batch_key) {
  std::lock_guard lock(mutex_);
  const auto batch = pending_.find(batch_key);
  assert(batch != pending_.end() && "settled() for a batch that is not pending");
  if (batch == pending_.end()) return;
  firsts_.erase(firsts_.find(batch->second));
  pending_.erase(batch);
  advance();
}

position delivery_watermark::safe() const {
  std::lock_guard lock(mutex_);
  return safe_;
}

std::size_t delivery_watermark::in_flight() const {
  std::lock_guard lock(mutex_);
  return pending_.size();
}

void delivery_watermark::advance() {
  const position candidate =
      firsts_.empty() ? read_through_ : std::min(read_through_, *firsts_.begin());
  safe_ = std::max(safe_, candidate);
}

}  // namespace nv::checkpoint

// Batch packing by user count, body bytes and source, with a small pool of spare batches.
#include "nv/batch/batch_builder.hpp"

#include <fmt/core.h>

#include <cassert>

namespace nv::batch {
namespace {

// Enough spares for the batches in flight between stages; more would only hold memory.
constexpr std::size_t max_spare_batches = 32;

}  // namespace

batch_builder::batch_builder(batch_options options) : options_(options) {
  assert(options_.max_users >= 1);
}

record::text_buffer& batch_builder::start_in_new_batch(std::uint32_t source_id) {
  if (!current_) {
    current_ = fresh(source_id);
  } else if (current_->empty()) {
    current_->clear(source_id);
  } else if (current_->size() >= options_.max_users || current_->source_id() != source_id) {
    // Full since a batch was already handed out with it, or of another source: it goes out
    // with this user's finish_user().
    handed_ = take_current();
    current_ = fresh(source_id);
  }
  return current_->open_user();
}

add_result batch_builder::finish_rare(const batch_user& origin, std::string_view original) {
  add_result result;
  const std::size_t wire_bytes = current_->open_wire().size();
  if (batch::framing_bytes + wire_bytes > options_.max_body_bytes) {
    current_->cancel_user();
    result.rejected = too_large(wire_bytes);
    return result;  // a batch set aside waits for the next user or flush()
  }
  if (current_->closed_size() > options_.max_body_bytes) {
    // Over the byte limit only with the users before it (it fits alone, and they are of this
    // source, so nothing is set aside): it starts the next batch, the rare copy.
    auto next = fresh(current_->source_id());
    next->open_user().append(current_->open_wire());
    current_->cancel_user();
    result.full = take_current();
    current_ = std::move(next);
  } else {
    result.full = std::move(handed_);
  }
  current_->commit_user(origin, original);
  if (!result.full && current_->size() >= options_.max_users) result.full = take_current();
  return result;
}

std::unique_ptr<batch> batch_builder::flush() {
  if (handed_) return std::move(handed_);
  if (!current_ || current_->empty()) return nullptr;
  return take_current();
}

record::reject batch_builder::too_large(std::size_t wire_bytes) const {
  return {record::reject_code::record_too_large,
          fmt::format("user is {} bytes on the wire; a request body is limited to {} bytes",
                      wire_bytes, options_.max_body_bytes)};
}

void batch_builder::recycle(std::unique_ptr<batch> done) {
  if (done && spare_.size() < max_spare_batches) spare_.push_back(std::move(done));
}

std::unique_ptr<batch> batch_builder::take_current() {
  current_->close();
  return std::move(current_);
}

std::unique_ptr<batch> batch_builder::fresh(std::uint32_t source_id) {
  std::unique_ptr<batch> next;
  if (spare_.empty()) {
    next = std::make_unique<batch>();
  } else {
    next = std::move(spare_.back());
    spare_.pop_back();
  }
  next->clear(source_id);
  return next;
}

}  // namespace nv::batch

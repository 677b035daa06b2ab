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

add_result batch_builder::add(std::uint32_t source_id, const batch_user& origin,
                              std::string_view wire, std::string_view original) {
  add_result result;
  if (batch::framing_bytes + wire.size() > options_.max_body_bytes) {
    result.rejected = record::reject{
        record::reject_code::record_too_large,
        fmt::format("user is {} bytes on the wire; a request body is limited to {} bytes",
                    wire.size(), options_.max_body_bytes)};
    return result;
  }
  if (!current_) {
    current_ = fresh(source_id);
  } else if (current_->empty()) {
    current_->clear(source_id);
  } else if (current_->size() >= options_.max_users || current_->source_id() != source_id ||
             current_->body_size_with(wire.size()) > options_.max_body_bytes) {
    result.full = take_current();
    current_ = fresh(source_id);
  }
  current_->append(origin, wire, original);
  if (!result.full && current_->size() >= options_.max_users) result.full = take_current();
  return result;
}

std::unique_ptr<batch> batch_builder::flush() {
  if (!current_ || current_->empty()) return nullptr;
  return take_current();
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

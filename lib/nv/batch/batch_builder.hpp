// Packs wire users into batches of at most N users and B body bytes, recycling batch objects.
#pragma once

#include "nv/batch/batch.hpp"
#include "nv/record/reject.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace nv::batch {

/// Limits of one request: API.md allows at most 100 users; the byte limit is ours.
struct batch_options {
  std::size_t max_users = 100;                        ///< 1 to 100.
  std::size_t max_body_bytes = std::size_t{1} << 20;  ///< Whole body, brackets included.
};

/// The outcome of adding one user.
struct add_result {
  std::unique_ptr<batch> full;             ///< A batch ready to send, or null.
  std::optional<record::reject> rejected;  ///< Set when the user alone is over the byte limit.
};

/// Fills batches in source order. A batch is handed out as soon as it holds max_users users,
/// or when the next user would push it over max_body_bytes or comes from another source.
/// Not thread-safe: one builder per record stage.
class batch_builder {
 public:
  /// Makes a builder; `options.max_users` must be at least 1.
  explicit batch_builder(batch_options options = {});

  /// Starts a user from `source_id` written in place: returns the body of the batch being
  /// filled, for the caller to append the user's wire object to; then finish_user() or
  /// cancel_user(). The record stage's normaliser writes each user straight into the body.
  record::text_buffer& start_user(std::uint32_t source_id) {
    // Inline for the common case, a batch of this source with room for one more user.
    if (current_ && !current_->empty() && current_->size() < options_.max_users &&
        current_->source_id() == source_id) {
      return current_->open_user();
    }
    return start_in_new_batch(source_id);
  }
  /// Ends the user started by start_user(): returns a full batch if one is ready, or a
  /// record_too_large reject (the user is then taken back).
  add_result finish_user(const batch_user& origin, std::string_view original) {
    // Inline for the common case: nothing set aside, and the body within its limit.
    if (handed_ || current_->closed_size() > options_.max_body_bytes) {
      return finish_rare(origin, original);
    }
    current_->commit_user(origin, original);
    add_result result;
    if (current_->size() >= options_.max_users) result.full = take_current();
    return result;
  }
  /// Takes back the user started by start_user().
  void cancel_user() noexcept { current_->cancel_user(); }
  /// Returns a batch not yet handed out: one set aside full, else the partly filled one; null
  /// when there is none (call it until then at the end of a source).
  std::unique_ptr<batch> flush();
  /// Returns the oldest batch with users not handed out yet, or null (to see where it starts).
  const batch* filling() const noexcept {
    if (handed_) return handed_.get();
    return current_ && !current_->empty() ? current_.get() : nullptr;
  }
  /// Gives a sent batch back so its buffers are reused.
  void recycle(std::unique_ptr<batch> done);

  /// Returns the limits the builder was made with.
  const batch_options& options() const noexcept { return options_; }

 private:
  /// start_user() when the batch being filled cannot take the user as it is.
  record::text_buffer& start_in_new_batch(std::uint32_t source_id);
  /// finish_user() with a batch set aside, or the body past its byte limit.
  add_result finish_rare(const batch_user& origin, std::string_view original);
  std::unique_ptr<batch> take_current();
  std::unique_ptr<batch> fresh(std::uint32_t source_id);
  record::reject too_large(std::size_t wire_bytes) const;

  batch_options options_;
  std::unique_ptr<batch> current_;
  std::unique_ptr<batch> handed_;  // full, set aside by start_user() for finish_user()
  std::vector<std::unique_ptr<batch>> spare_;
};

}  // namespace nv::batch

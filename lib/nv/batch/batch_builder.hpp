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

  /// Adds a user from `source_id`; returns a full batch if one is ready, or a
  /// record_too_large reject (the user is then not added).
  add_result add(std::uint32_t source_id, const batch_user& origin, std::string_view wire,
                 std::string_view original);
  /// Returns the partly filled batch, or null when it is empty.
  std::unique_ptr<batch> flush();
  /// Returns the batch being filled, or null when it is empty (to see where it starts).
  const batch* filling() const noexcept {
    return current_ && !current_->empty() ? current_.get() : nullptr;
  }
  /// Gives a sent batch back so its buffers are reused.
  void recycle(std::unique_ptr<batch> done);

  /// Returns the limits the builder was made with.
  const batch_options& options() const noexcept { return options_; }

 private:
  std::unique_ptr<batch> take_current();
  std::unique_ptr<batch> fresh(std::uint32_t source_id);

  batch_options options_;
  std::unique_ptr<batch> current_;
  std::vector<std::unique_ptr<batch>> spare_;
};

}  // namespace nv::batch

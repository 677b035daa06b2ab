// Exponential backoff with full jitter for transient failures, bounded by attempts and by age.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace nv::deliver {

/// The bounds of retrying one batch after transient failures (network, timeout, 5xx).
struct backoff_policy {
  std::chrono::milliseconds base{200};         ///< Delay scale of the first retry.
  std::chrono::milliseconds cap{30'000};       ///< No single wait is longer than this.
  std::uint32_t max_attempts = 8;              ///< Attempts in all, the first one included.
  std::chrono::milliseconds max_age{600'000};  ///< Give up once the batch has waited this long.
};

/// Chooses retry delays: "full jitter" (uniform in [0, min(cap, base·2^n)]) spreads the retries of
/// many batches that failed together, so they do not hit a recovering server at one instant.
class backoff {
 public:
  explicit backoff(backoff_policy policy, std::uint64_t seed = std::random_device{}());

  /// Returns the wait before attempt `attempt + 1` after `attempt` failed ones (1-based), or
  /// nothing when the attempt bound or the age bound `age` (time since the first attempt) is hit.
  std::optional<std::chrono::milliseconds> next_delay(std::uint32_t attempt,
                                                      std::chrono::milliseconds age);

  /// Returns the policy this backoff applies.
  const backoff_policy& policy() const noexcept { return policy_; }

 private:
  backoff_policy policy_;
  std::mt19937_64 random_;
};

}  // namespace nv::deliver

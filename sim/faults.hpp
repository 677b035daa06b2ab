// Random fault decisions for nvsim's reliability tests: errors, drops, delays, lost batches.
#pragma once

#include "sim/options.hpp"

#include <chrono>
#include <optional>
#include <random>
#include <regex>
#include <string_view>

namespace nv::sim {

/// Rolls the configured faults with one seeded generator. Not thread-safe.
class fault_injector {
 public:
  /// Creates an injector for `faults` (seed 0 draws a random seed).
  explicit fault_injector(const fault_options& faults);

  /// Returns true with probability --fail-5xx.
  bool fail_5xx() { return roll(faults_.fail_5xx); }
  /// Returns true with probability --drop.
  bool drop() { return roll(faults_.drop); }
  /// Returns true with probability --queued.
  bool queued() { return roll(faults_.queued); }
  /// Returns true with probability --lose-queued (asked only for a queued batch).
  bool lose_queued() { return roll(faults_.lose_queued); }
  /// Returns a delay drawn uniformly from --delay-ms, zero when none is configured.
  std::chrono::milliseconds delay();
  /// Returns whether `user_id` matches --reject-user.
  bool rejects_user(std::string_view user_id) const;
  /// Returns the pause before each handshake (--slow-accept).
  std::chrono::milliseconds slow_accept() const {
    return std::chrono::milliseconds(faults_.slow_accept_ms);
  }

 private:
  bool roll(double p);

  fault_options faults_;
  std::mt19937_64 random_;
  std::optional<std::regex> reject_user_;
};

}  // namespace nv::sim

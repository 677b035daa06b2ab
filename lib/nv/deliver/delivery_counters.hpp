// What the deliver stage did: every transition of a batch bumps one of these.
#pragma once

#include <cstdint>

namespace nv::deliver {

/// Counters of the deliver stage. Users end in exactly one of delivered, rejected_by_server,
/// failed or not_sent; the rest count events. Updated on the io_context's thread only.
struct delivery_counters {
  std::uint64_t delivered = 0;           ///< users acknowledged (success, or queued and verified)
  std::uint64_t rejected_by_server = 0;  ///< users the server refused, isolated by bisection
  std::uint64_t failed = 0;              ///< users whose batch ran out of retries
  std::uint64_t not_sent = 0;            ///< users never sent because the run stopped (auth)
  std::uint64_t batches = 0;             ///< batches handed to the deliver stage
  std::uint64_t requests = 0;            ///< create attempts, every one counted
  std::uint64_t retries = 0;             ///< attempts repeated after a transient failure
  std::uint64_t throttled = 0;           ///< throttled answers (resent, never a failure)
  std::uint64_t bisections = 0;          ///< batches split in halves after a content refusal
  std::uint64_t queued = 0;              ///< queued answers
  std::uint64_t verifications = 0;       ///< read-backs of a queued batch's user
  std::uint64_t verify_failed = 0;       ///< read-backs that found the user missing or different
  std::uint64_t resends = 0;             ///< queued batches sent again after a failed read-back
  std::uint64_t unverified = 0;          ///< queued users accepted without a read-back

  /// Adds `other`'s counts to these (the totals of several runs).
  delivery_counters& operator+=(const delivery_counters& other) noexcept {
    delivered += other.delivered;
    rejected_by_server += other.rejected_by_server;
    failed += other.failed;
    not_sent += other.not_sent;
    batches += other.batches;
    requests += other.requests;
    retries += other.retries;
    throttled += other.throttled;
    bisections += other.bisections;
    queued += other.queued;
    verifications += other.verifications;
    verify_failed += other.verify_failed;
    resends += other.resends;
    unverified += other.unverified;
    return *this;
  }

  /// Returns the users that reached an end state.
  std::uint64_t settled() const noexcept {
    return delivered + rejected_by_server + failed + not_sent;
  }
};

}  // namespace nv::deliver

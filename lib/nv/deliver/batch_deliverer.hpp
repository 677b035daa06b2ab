// Delivers one batch to the create endpoint: retry, backoff, bisection, throttling, read-back.
#pragma once

#include "nv/api/client.hpp"
#include "nv/batch/batch.hpp"
#include "nv/deliver/backoff.hpp"
#include "nv/deliver/delivery_counters.hpp"
#include "nv/record/reject.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <unordered_map>

namespace nv::deliver {

/// How the deliver stage treats each outcome.
struct delivery_options {
  backoff_policy retry;                          ///< transient failures
  bool verify_queued = true;                     ///< read one user back per queued batch
  std::chrono::milliseconds verify_delay{2000};  ///< wait before the read-back
  std::uint32_t max_resends = 3;                 ///< resends of a queued batch found missing
};

/// Receives each user that ends rejected: the batch, the user's index in it, and why.
using reject_sink = std::function<void(const batch::batch&, std::size_t, const record::reject&)>;

/// Receives each batch once every one of its users is settled; `complete` is false when some
/// users were not sent because the run stopped (their place in the source is not done).
using settled_sink = std::function<void(const batch::batch&, bool complete)>;

/// Owns every decision after a create attempt: success → delivered; queued → read back after a
/// delay and resent when missing; throttled → resent (the client paused the endpoint);
/// transient → backoff with full jitter until the bound, then every user is rejected as
/// delivery_failed; refused for content → split in halves down to single users, a refused
/// single user is rejected with the server's message; refused credentials or a TLS failure
/// (a certificate that does not verify) → the whole run stops.
/// Use from the io_context's thread; client, counters and sink must outlive every deliver().
class batch_deliverer {
 public:
  batch_deliverer(api::client& client, delivery_options options, delivery_counters& counters,
                  reject_sink rejects);

  /// Delivers every user of `b` or rejects it; returns when each one is settled, or when the
  /// run is stopping (its unsent users are then counted as not_sent).
  boost::asio::awaitable<void> deliver(std::shared_ptr<const batch::batch> b);

  /// Calls `sink` for each batch whose users are all settled (read-backs included): what a
  /// checkpoint may move past.
  void on_settled(settled_sink sink) { settled_ = std::move(sink); }

  /// Waits until every read-back of a queued batch has ended.
  boost::asio::awaitable<void> drain();

  /// Returns the read-backs of queued batches still waiting or running.
  std::size_t pending_verifications() const noexcept { return pending_; }

  /// Returns true once an answer said the credentials are refused (401/403).
  bool auth_failed() const noexcept { return auth_failed_; }

  /// Returns why the run had to stop (refused credentials, a TLS failure), "" when it did not.
  const std::string& fatal_message() const noexcept { return fatal_message_; }

  /// Returns the message of the last transient failure that ended a batch (last error seen).
  const std::string& last_failure() const noexcept { return last_failure_; }

  /// Stops sending: batches not yet settled end as not_sent.
  void stop() noexcept { stopping_ = true; }

  /// Returns true once stop() was called or credentials were refused.
  bool stopping() const noexcept { return stopping_; }

 private:
  /// What became of one range of users after its attempts.
  enum class range_end { settled, queued };

  using batch_ptr = std::shared_ptr<const batch::batch>;

  boost::asio::awaitable<range_end> send_range(batch_ptr b, std::size_t first, std::size_t count);
  boost::asio::awaitable<void> bisect(batch_ptr b, std::size_t first, std::size_t count,
                                      std::string message);
  boost::asio::awaitable<void> settle_queued(batch_ptr b, std::size_t first, std::size_t count);
  boost::asio::awaitable<void> verify_queued(batch_ptr b, std::size_t first, std::size_t count);
  boost::asio::awaitable<bool> read_back_matches(const batch::batch& b, std::size_t first,
                                                 std::size_t count);
  boost::asio::awaitable<void> wait(std::chrono::milliseconds delay);
  void stop_run(std::string reason);
  void reject_range(const batch::batch& b, std::size_t first, std::size_t count,
                    record::reject_code code, const std::string& message);
  void mark_delivered(const batch::batch& b, std::size_t count);
  void mark_not_sent(const batch::batch& b, std::size_t count);
  void settle(const batch::batch& b, std::size_t count, bool sent);

  /// Users of a batch not settled yet, and whether any of them ended not sent.
  struct batch_tally {
    std::size_t unsettled = 0;
    bool incomplete = false;
  };

  api::client& client_;
  delivery_options options_;
  delivery_counters& counters_;
  reject_sink rejects_;
  settled_sink settled_;
  std::unordered_map<const batch::batch*, batch_tally> tallies_;  // batches being delivered
  backoff backoff_;
  bool auth_failed_ = false;
  bool stopping_ = false;
  std::string fatal_message_;
  std::string last_failure_;
  std::size_t pending_ = 0;                       // read-backs spawned and not ended
  boost::asio::steady_timer* drained_ = nullptr;  // woken when pending_ drops to 0
};

}  // namespace nv::deliver

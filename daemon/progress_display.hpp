// The live progress line of an import (a terminal line, or JSON lines) and the final summary.
#pragma once

#include "nv/api/client.hpp"
#include "nv/deliver/import_job.hpp"
#include "nv/http/connection_pool.hpp"
#include "nv/limit/rate_spec.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace nv::cli {

/// Where progress goes: a rewritten line on a terminal, one JSON object a second, or nowhere.
enum class progress_mode { line, json, none };

/// Returns the mode for --progress (auto: a line when stderr is a terminal) and --quiet.
progress_mode parse_progress_mode(const std::string& flag, bool quiet);

/// Shows an import's progress once a second: records read, delivered, rejected, requests per
/// minute against the limit, and the time left at the ceiling.
class progress_display {
 public:
  /// Makes a display for a run at `rate` with `users_per_request` users a batch over inputs of
  /// `total_bytes` (0 when unknown, e.g. standard input).
  progress_display(progress_mode mode, limit::rate_spec rate, std::size_t users_per_request,
                   std::uint64_t total_bytes);

  /// Starts ticking on `io` while `job` runs; the returned timer must live as long.
  std::shared_ptr<boost::asio::steady_timer> start(boost::asio::io_context& io,
                                                   const deliver::import_job& job,
                                                   const http::connection_pool& pool);

  /// Stops ticking and ends the terminal line.
  void finish();

  /// Returns the mode in use.
  progress_mode mode() const noexcept { return mode_; }

 private:
  void tick(const deliver::import_job& job, const http::connection_pool& pool);

  progress_mode mode_;
  limit::rate_spec rate_;
  std::size_t users_per_request_;
  std::uint64_t total_bytes_;
  std::shared_ptr<boost::asio::steady_timer> timer_;
  std::shared_ptr<std::function<void()>> schedule_;  // re-arms the timer each second
  std::deque<std::uint64_t> requests_by_second_;     // the last 60 samples of requests sent
  double started_ = 0;
  bool line_open_ = false;
};

/// Prints the summary that reconciles: read = blank + delivered + rejected (+ not sent), with
/// rejects by code, retries, throttled and queued answers, verifications and connections.
void print_summary(const deliver::import_result& result, const http::pool_stats& pool,
                   const api::endpoint_limiters& limiters, const std::string& reject_path);

}  // namespace nv::cli

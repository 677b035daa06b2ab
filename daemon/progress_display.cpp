// The live progress line of an import and its final summary.
#include "progress_display.hpp"

#include <fmt/core.h>

#include <unistd.h>

#include <chrono>

namespace nv::cli {
namespace {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string format_duration(double seconds) {
  auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

}  // namespace

progress_mode parse_progress_mode(const std::string& flag, bool quiet) {
  if (quiet || flag == "none") return progress_mode::none;
  if (flag == "json") return progress_mode::json;
  return isatty(STDERR_FILENO) ? progress_mode::line : progress_mode::none;
}

progress_display::progress_display(progress_mode mode, limit::rate_spec rate,
                                   std::size_t users_per_request, std::uint64_t total_bytes)
    : mode_(mode), rate_(rate), users_per_request_(users_per_request), total_bytes_(total_bytes) {}

std::shared_ptr<boost::asio::steady_timer> progress_display::start(
    boost::asio::io_context& io, const deliver::import_job& job,
    const http::connection_pool& pool) {
  timer_ = std::make_shared<boost::asio::steady_timer>(io);
  if (mode_ == progress_mode::none) return timer_;
  started_ = now_seconds();
  // A plain callback chain: the tick is tiny and must stop the moment finish() cancels it.
  auto schedule = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> weak = schedule;
  *schedule = [this, &job, &pool, weak, timer = timer_.get()] {
    timer->expires_after(std::chrono::seconds(1));
    timer->async_wait([this, &job, &pool, weak](boost::system::error_code ec) {
      if (ec) return;
      tick(job, pool);
      if (auto again = weak.lock()) (*again)();
    });
  };
  (*schedule)();
  schedule_ = schedule;
  return timer_;
}

void progress_display::tick(const deliver::import_job& job, const http::connection_pool& pool) {
  const auto& remote = job.delivered();
  const auto& reading = job.progress();
  auto read = reading.read.load(std::memory_order_relaxed);
  auto local_rejects = reading.rejected.load(std::memory_order_relaxed);
  auto bytes = reading.bytes.load(std::memory_order_relaxed);
  requests_by_second_.push_back(remote.requests);
  if (requests_by_second_.size() > 61) requests_by_second_.pop_front();
  auto per_minute = (requests_by_second_.back() - requests_by_second_.front()) * 60.0 /
                    std::max<std::size_t>(requests_by_second_.size() - 1, 1);
  auto limit_per_minute = rate_.requests * 60000.0 / rate_.window.count();
  auto rejected = local_rejects + remote.rejected_by_server + remote.failed;
  // Time left at the ceiling: users still to settle (estimated from the bytes left to read when
  // the input size is known) over the users a minute the budget allows.
  double users_left =
      static_cast<double>(read - local_rejects) - static_cast<double>(remote.settled());
  if (total_bytes_ > 0 && bytes > 0 && read > 0) {
    users_left += static_cast<double>(total_bytes_ - std::min(bytes, total_bytes_)) * read / bytes;
  }
  double ceiling_users_per_second = limit_per_minute * users_per_request_ / 60.0;
  double eta = std::max(users_left, 0.0) / ceiling_users_per_second;
  auto elapsed = now_seconds() - started_;
  if (mode_ == progress_mode::json) {
    fmt::print(stderr,
               "{{\"elapsed_s\":{:.1f},\"read\":{},\"delivered\":{},\"rejected\":{},"
               "\"requests\":{},\"requests_per_minute\":{:.0f},\"limit_per_minute\":{:.0f},"
               "\"throttled\":{},\"retries\":{},\"connections\":{},\"eta_s\":{:.0f}}}\n",
               elapsed, read, remote.delivered, rejected, remote.requests, per_minute,
               limit_per_minute, remote.throttled, remote.retries, pool.stats().counters.handshakes,
               eta);
    return;
  }
  fmt::print(stderr,
             "\r\x1b[Kread {}  delivered {}  rejected {}  requests {}/min of {:.0f}  "
             "eta {}  ({})",
             read, remote.delivered, rejected, static_cast<long long>(per_minute), limit_per_minute,
             format_duration(eta), format_duration(elapsed));
  line_open_ = true;
}

void progress_display::finish() {
  if (timer_) timer_->cancel();
  schedule_.reset();
  if (line_open_) fmt::print(stderr, "\n");
  line_open_ = false;
}

void print_summary(const deliver::import_result& r, const http::pool_stats& pool,
                   const api::endpoint_limiters& limiters, const std::string& reject_path) {
  auto row = [](std::string_view label, std::uint64_t value) {
    fmt::print(stderr, "{:<32}{:>12}\n", label, value);
  };
  const auto& l = r.local;
  const auto& d = r.remote;
  auto rejected = deliver::rejected_total(l, d);
  row("lines read", l.read);
  row("  blank", l.blank);
  row("  delivered", d.delivered);
  row("  rejected", rejected);
  row("  not sent (run stopped)", d.not_sent);
  for (std::size_t i = 0; i < l.rejected.size(); ++i) {
    if (l.rejected[i] == 0) continue;
    row(fmt::format("    {} (local)", record::code_name(static_cast<record::reject_code>(i))),
        l.rejected[i]);
  }
  if (d.rejected_by_server) row("    server_rejected", d.rejected_by_server);
  if (d.failed) row("    delivery_failed", d.failed);
  auto pending = l.valid - d.settled();
  if (pending) row("  still pending", pending);
  row("requests", d.requests);
  row("  retries", d.retries);
  row("  throttled answers", d.throttled);
  row("  bisections", d.bisections);
  row("  queued answers", d.queued);
  row("  verifications", d.verifications);
  row("  verifications failed", d.verify_failed);
  row("  resends", d.resends);
  row("TLS handshakes", pool.counters.handshakes);
  auto waited = limiters[api::endpoint::create].stats().waited;
  fmt::print(stderr, "{:<32}{:>12.1f}\n", "seconds waiting for budget",
             std::chrono::duration<double>(waited).count());
  if (!reject_path.empty()) fmt::print(stderr, "rejects written to {}\n", reject_path);
}

}  // namespace nv::cli

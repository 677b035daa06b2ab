// Spool and sockets: options from the [ingest] table, a listener swapped live on a reload.
#include "ingest_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace nv::cli {

namespace asio = boost::asio;
using log::level;

namespace {

spool::spool_options spool_options_of(const config::settings::ingest_section& in) {
  spool::spool_options spool;
  spool.dir = in.spool_dir;
  spool.segment_bytes = static_cast<std::uint64_t>(in.segment_mb) << 20;
  spool.seal_after = std::chrono::milliseconds(in.seal_after_ms);
  spool.max_bytes = static_cast<std::uint64_t>(in.spool_max_mb) << 20;
  return spool;
}

void add(spool::listener_counters& sum, const spool::listener_counters& c) {
  sum.connections += c.connections;
  sum.acked += c.acked;
  sum.dropped += c.dropped;
  sum.idle_timeouts += c.idle_timeouts;
  sum.lines_accepted += c.lines_accepted;
  sum.lines_rejected += c.lines_rejected;
  sum.tails_discarded += c.tails_discarded;
  sum.spool_errors += c.spool_errors;
  sum.task_failures += c.task_failures;
}

}  // namespace

bool ingest_service::wanted(const config::settings::ingest_section& in,
                            const std::vector<int>& activated) {
  return !in.socket.empty() || !in.tcp.empty() || !activated.empty();
}

ingest_service::ingest_service(asio::io_context& io, const config::settings::ingest_section& in,
                               std::size_t max_line_bytes, std::vector<int> activated,
                               log::logger& logger)
    : io_(io),
      log_(logger),
      max_line_bytes_(max_line_bytes),
      activated_(!activated.empty()),
      store_(std::make_unique<spool::spool_store>(io.get_executor(), spool_options_of(in))),
      stopped_(io, asio::steady_timer::time_point::max()) {
  listener_ = make_listener(in);
  for (int fd : activated) listener_->adopt(fd);
  listener_->start();
  log_listening(in, activated.size());
}

std::unique_ptr<spool::socket_listener> ingest_service::make_listener(
    const config::settings::ingest_section& in) {
  spool::listener_options options;
  if (!in.socket.empty()) options.unix_path = in.socket;
  options.unix_mode = static_cast<std::filesystem::perms>(*config::parse_file_mode(in.socket_mode));
  options.unix_group = in.socket_group;
  if (auto tcp = config::parse_ip_port(in.tcp))
    options.tcp = asio::ip::tcp::endpoint(asio::ip::make_address(tcp->address), tcp->port);
  options.max_line_bytes = max_line_bytes_;
  options.idle_timeout = std::chrono::seconds(in.idle_timeout_s);
  return std::make_unique<spool::socket_listener>(
      io_.get_executor(), *store_, options, [this](const spool::reject_notice& r) {
        log_.write(level::warning, "socket_line_rejected",
                   {{"peer", std::string(r.peer)},
                    {"line", std::to_string(r.line)},
                    {"reason", std::string(r.reason)}});
      });
}

void ingest_service::log_listening(const config::settings::ingest_section& in,
                                   std::size_t activated) {
  log_.write(level::notice, "ingest_listening",
             {{"socket", in.socket},
              {"tcp_port", std::to_string(listener_->tcp_port())},
              {"activated", std::to_string(activated)},
              {"spool_dir", in.spool_dir}});
}

asio::awaitable<void> ingest_service::replace(config::settings::ingest_section in) {
  if (activated_ || stopping_) co_return;
  std::unique_ptr<spool::socket_listener> next;
  try {
    // The old listener goes first: the same socket file cannot be bound twice.
    next = make_listener(in);
    if (listener_) {
      add(retired_, listener_->counters());
      co_await listener_->stop();
      listener_.reset();
    }
    next->start();
    listener_ = std::move(next);
    log_listening(in, 0);
  } catch (const std::exception& e) {
    log_.write(level::error, "ingest_restart_failed",
               {{"error", e.what()}, {"note", "no socket is open until the next reload"}});
  }
}

asio::awaitable<void> ingest_service::stop() {
  if (std::exchange(stopping_, true)) {
    while (!stop_ended_) co_await stopped_.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return;
  }
  if (listener_) co_await listener_->stop();
  stop_ended_ = true;
  stopped_.cancel();
}

spool::listener_counters ingest_service::counters() const {
  auto sum = retired_;
  if (!listener_) return sum;
  add(sum, listener_->counters());
  sum.open_connections = listener_->counters().open_connections;  // a gauge: only the live one
  return sum;
}

}  // namespace nv::cli

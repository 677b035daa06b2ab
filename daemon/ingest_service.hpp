// The daemon's socket ingestion: the spool and the listener in front of it, started, swapped
// on a reload, and stopped on SIGTERM.
#pragma once

#include "nv/config/settings.hpp"
#include "nv/log/logger.hpp"
#include "nv/spool/socket_listener.hpp"
#include "nv/spool/spool_store.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace nv::cli {

/// Producers streaming records: a spool on disk and the sockets that fill it. Use from the
/// io_context's thread; stop() must have ended before it is destroyed.
class ingest_service {
 public:
  /// Opens the spool and binds the configured sockets and the ones systemd passed
  /// (`activated`). Throws on a start-up error (a directory, an address, a socket file).
  ingest_service(boost::asio::io_context& io, const config::settings::ingest_section& in,
                 std::size_t max_line_bytes, std::vector<int> activated, log::logger& logger);

  /// Returns whether any socket is wanted by `in` or was passed by systemd.
  static bool wanted(const config::settings::ingest_section& in, const std::vector<int>& activated);

  /// Rebinds the sockets after a reload changed them (the spool stays): the old listener stops
  /// (producers still connected get no ack and send again), then the new one binds. Sockets
  /// systemd passed are never replaced. Logs what happened; on failure no socket is left.
  boost::asio::awaitable<void> replace(config::settings::ingest_section in);

  /// Returns whether a reload may rebind: the sockets are not systemd's.
  bool replaceable() const noexcept { return !activated_; }

  /// Stops taking producers: those still connected get no ack, so they send again what they
  /// sent; what was spooled stays on disk for the next start. A second call waits for the
  /// first to end.
  boost::asio::awaitable<void> stop();

  /// Returns the spool.
  spool::spool_store& store() { return *store_; }
  /// Returns the listener's counters (zero when no listener is up).
  spool::listener_counters counters() const;

 private:
  std::unique_ptr<spool::socket_listener> make_listener(const config::settings::ingest_section& in);
  void log_listening(const config::settings::ingest_section& in, std::size_t activated);

  boost::asio::io_context& io_;
  log::logger& log_;
  std::size_t max_line_bytes_;
  bool activated_ = false;
  std::unique_ptr<spool::spool_store> store_;
  std::unique_ptr<spool::socket_listener> listener_;
  spool::listener_counters retired_;   // counters of listeners a reload replaced
  boost::asio::steady_timer stopped_;  // cancelled once stop() ended
  bool stopping_ = false;
  bool stop_ended_ = false;
};

}  // namespace nv::cli

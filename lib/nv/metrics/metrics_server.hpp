// The loopback HTTP/1.1 server of /metrics and /healthz, on the daemon's io_context.
#pragma once

#include "nv/metrics/metrics_routes.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nv::metrics {

/// Where and within which bounds the server listens.
struct metrics_server_options {
  std::string address = "127.0.0.1";  ///< an IP address literal, not a host name
  std::uint16_t port = 0;             ///< 0 picks a free port (see metrics_server::port())
  bool allow_non_loopback = false;    ///< the numbers are not secret, but not public either
  std::chrono::milliseconds io_timeout{std::chrono::seconds(10)};  ///< each read and write
  std::size_t max_connections = 64;      ///< more are closed as soon as they are accepted
  std::size_t max_request_bytes = 8192;  ///< for the headers, and again for a body
  /// Hears what escaped a connection (a bug, e.g. a throwing collector); null: stderr.
  std::function<void(const std::string&)> report_failure;
};

/// What the server did so far.
struct metrics_server_stats {
  std::uint64_t accepted = 0;  ///< connections served
  std::uint64_t refused = 0;   ///< connections closed at once: max_connections were open
  std::uint64_t requests = 0;  ///< requests answered
  std::uint64_t failures = 0;  ///< connections ended by an exception (reported)
  std::size_t open = 0;        ///< connections open now
  std::size_t peak_open = 0;   ///< the most connections open at once
};

struct metrics_server_state;  // what the server and its connections share (metrics_server.cpp)

/// Serves GET and HEAD of /metrics (the collector's page, built afresh per scrape) and /healthz
/// with keep-alive, every read and write bounded by a timeout. Use from the io_context's thread:
/// the callbacks run there, so they may read the daemon's counters without locks. The
/// connections hold the server's state, so destroying the server while they unwind is safe.
class metrics_server {
 public:
  /// Binds `options.address:port` and accepts on `executor`. Throws std::runtime_error naming
  /// the address when it is not an IP address, not loopback (unless allowed), or cannot be
  /// bound: this runs at start-up, where a wrong setting must stop the daemon.
  metrics_server(boost::asio::any_io_executor executor, metrics_server_options options,
                 metrics_collector collect, health_check health);
  /// Stops the server.
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  /// Returns the port bound (the one picked when options.port was 0).
  std::uint16_t port() const { return port_; }

  /// Closes the acceptor and every connection; after it returns, neither callback is called
  /// again (they are destroyed with the last connection) and the connections end as soon as
  /// the io_context runs their cancelled operations. Idempotent.
  void stop();

  /// Returns the counts so far.
  const metrics_server_stats& stats() const;

 private:
  std::shared_ptr<metrics_server_state> state_;
  std::uint16_t port_ = 0;
};

}  // namespace nv::metrics

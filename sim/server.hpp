// The listening socket and the accept loop that starts one session per connection.
#pragma once

#include "sim/endpoints.hpp"
#include "sim/options.hpp"
#include "sim/session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <memory>

namespace nv::sim {

/// Accepts connections on one address and serves each with the simulated API.
class server {
 public:
  /// Binds and listens on opts.host:opts.port; `tls` null means plain HTTP. Throws
  /// boost::system::system_error when the address cannot be bound (start-up only).
  /// `api` and `tls` must outlive the server.
  server(boost::asio::io_context& io, const options& opts, simulated_api& api,
         boost::asio::ssl::context* tls);

  /// Returns the port actually bound (the chosen one when opts.port was 0).
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  /// Starts the accept loop on the io_context.
  void start();

  /// Stops accepting; sessions in flight end with the io_context.
  void stop();

 private:
  boost::asio::awaitable<void> accept_loop();

  boost::asio::ip::tcp::acceptor acceptor_;
  simulated_api& api_;
  boost::asio::ssl::context* tls_;
  session_settings settings_;
  bool strands_;  // Whether each connection gets a strand (more than one thread).
};

/// Returns a TLS server context for the PEM certificate chain and key. Throws on failure.
std::unique_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file);

}  // namespace nv::sim

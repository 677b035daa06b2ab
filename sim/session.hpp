// One client connection: reads HTTP/1.1 requests with keep-alive and answers from the API.
#pragma once

#include "sim/endpoints.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>

namespace nv::sim {

/// Bounds and pauses that apply to every connection.
struct session_settings {
  std::chrono::seconds io_timeout{30};  ///< Allowed for each handshake, request read and write.
  std::chrono::milliseconds slow_accept{0};  ///< Pause before the first byte is read.
};

/// Serves one plain-HTTP connection until the client closes it, a timeout or a drop fault.
/// `api` must outlive the coroutine.
boost::asio::awaitable<void> serve_plain(boost::asio::ip::tcp::socket socket, simulated_api& api,
                                         session_settings settings);

/// Serves one TLS connection: handshake, requests, then close_notify. `tls` and `api` must
/// outlive the coroutine.
boost::asio::awaitable<void> serve_tls(boost::asio::ip::tcp::socket socket,
                                       boost::asio::ssl::context& tls, simulated_api& api,
                                       session_settings settings);

}  // namespace nv::sim

// Helpers for tests that run a client coroutine against test_server on one io_context.
#pragma once

#include "http/test_certs.hpp"
#include "http/test_server.hpp"
#include "nv/http/connection.hpp"

#include <fmt/format.h>

#include <exception>

namespace nv::test {

/// Returns a server-side TLS context with the test server certificate.
inline asio::ssl::context server_tls() {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.use_certificate_chain_file(certs().server_cert);
  context.use_private_key_file(certs().server_key, asio::ssl::context::pem);
  return context;
}

/// Returns connection options for the server at `host` with short timeouts for tests.
inline http::connection_options options_for(const test_server& server, bool tls,
                                            const std::string& host = "localhost") {
  http::connection_options options;
  options.url = http::parse_endpoint_url(
                    fmt::format("{}://{}:{}", tls ? "https" : "http", host, server.port()))
                    .value();
  options.timeouts.resolve = options.timeouts.connect = options.timeouts.handshake =
      std::chrono::seconds(5);
  options.timeouts.write = options.timeouts.read = std::chrono::seconds(5);
  return options;
}

/// Runs `body` (a coroutine function) to completion, then stops the server and drains io.
template <class Body>
void run_client(asio::io_context& io, test_server& server, Body body) {
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
    failure = e;
    server.stop();
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

/// Returns a request to `target` with `body`.
inline http::http_request post(std::string target, std::string body = "{}") {
  return http::http_request{
      std::move(target), std::move(body), {{"content-type", "application/json"}}};
}

}  // namespace nv::test

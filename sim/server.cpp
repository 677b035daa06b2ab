// The accept loop: one coroutine per connection on the one io_context.
#include "sim/server.hpp"

#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace nv::sim {
namespace asio = boost::asio;

namespace {

// What escaped a session is a bug: say so and keep serving the other connections.
void report_escape(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    fmt::print(stderr, "nvsim: session failed: {}\n", x.what());
  }
}

}  // namespace

server::server(asio::io_context& io, const options& opts, simulated_api& api,
               asio::ssl::context* tls)
    : acceptor_(io), api_(api), tls_(tls), strands_(opts.threads > 1) {
  asio::ip::tcp::endpoint where(asio::ip::make_address(opts.host), opts.port);
  acceptor_.open(where.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(where);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  settings_.io_timeout = opts.io_timeout;
  settings_.slow_accept = std::chrono::milliseconds(opts.faults.slow_accept_ms);
}

void server::start() {
  asio::co_spawn(acceptor_.get_executor(), accept_loop(), report_escape);
}

void server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> server::accept_loop() {
  for (;;) {
    // A strand per connection when several threads run the io_context: the connection's
    // deadline watch must not run beside the session on another thread. One thread needs none,
    // and a strand costs a dispatch on every completion.
    asio::any_io_executor executor = acceptor_.get_executor();
    if (strands_) executor = asio::make_strand(executor);
    auto [ec, socket] =
        co_await acceptor_.async_accept(executor, asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) continue;  // E.g. EMFILE: the next accept may succeed.
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
    if (tls_)
      asio::co_spawn(executor, serve_tls(std::move(socket), *tls_, api_, settings_), report_escape);
    else
      asio::co_spawn(executor, serve_plain(std::move(socket), api_, settings_), report_escape);
  }
}

std::unique_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                     const std::string& key_file) {
  auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  // A client has no reason to renegotiate with a test server; refusing spares the state.
  SSL_CTX_set_options(tls->native_handle(), SSL_OP_NO_RENEGOTIATION);
  // tls_socket_stream lets OpenSSL read the socket: with read-ahead into a buffer that holds
  // a 100-user body (~40 KB, three TLS records), one read mostly takes in a whole request.
  SSL_CTX_set_read_ahead(tls->native_handle(), 1);
  SSL_CTX_set_default_read_buffer_len(tls->native_handle(), 64 * 1024);
  // Asio's async_write hands a write_some the rest of the buffer after a partial write.
  SSL_CTX_set_mode(tls->native_handle(),
                   SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  tls->use_certificate_chain_file(cert_file);
  tls->use_private_key_file(key_file, asio::ssl::context::pem);
  return tls;
}

}  // namespace nv::sim

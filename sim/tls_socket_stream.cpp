// OpenSSL over the socket's own descriptor: the handshake, transfers and shutdown.
#include "sim/tls_socket_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <new>

namespace nv::sim {
namespace asio = boost::asio;

tls_socket_stream::tls_socket_stream(asio::ip::tcp::socket socket, asio::ssl::context& tls)
    : socket_(std::move(socket)), ssl_(SSL_new(tls.native_handle())) {
  if (!ssl_) throw std::bad_alloc();
  // OpenSSL never blocks: the socket is non-blocking, and a would-block comes back as
  // SSL_ERROR_WANT_READ/WANT_WRITE, to wait for on the reactor.
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  SSL_set_fd(ssl_.get(), static_cast<int>(socket_.native_handle()));
  SSL_set_accept_state(ssl_.get());
}

void tls_socket_stream::before_call() {
  // SSL_get_error() reads the thread's error queue: nothing left there from before may count.
  ERR_clear_error();
  errno = 0;
}

tls_socket_stream::step tls_socket_stream::classify(int ok, boost::system::error_code& ec) {
  if (ok > 0) return step::done;
  int code = SSL_get_error(ssl_.get(), ok);
  switch (code) {
    case SSL_ERROR_WANT_READ:
      return step::want_read;
    case SSL_ERROR_WANT_WRITE:
      return step::want_write;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;  // The peer's close_notify.
      return step::failed;
    case SSL_ERROR_SYSCALL:
      // errno 0: the peer closed TCP without close_notify.
      if (errno == 0)
        ec = asio::ssl::error::stream_truncated;
      else
        ec = boost::system::error_code(errno, asio::error::get_system_category());
      return step::failed;
    default: {
      unsigned long e = ERR_get_error();
      if (ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        ec = asio::ssl::error::stream_truncated;
      else
        ec = boost::system::error_code(static_cast<int>(e), asio::error::get_ssl_category());
      return step::failed;
    }
  }
}

tls_socket_stream::step tls_socket_stream::transfer(bool reading, void* data, std::size_t size,
                                                    std::size_t& n, boost::system::error_code& ec) {
  before_call();
  int ok =
      reading ? SSL_read_ex(ssl_.get(), data, size, &n) : SSL_write_ex(ssl_.get(), data, size, &n);
  return classify(ok, ec);
}

asio::awaitable<boost::system::error_code> tls_socket_stream::handshake() {
  for (;;) {
    before_call();
    boost::system::error_code ec;
    step s = classify(SSL_do_handshake(ssl_.get()), ec);
    if (s == step::done || s == step::failed) co_return ec;
    auto [wait_ec] = co_await socket_.async_wait(wait_for(s), asio::as_tuple(asio::use_awaitable));
    if (wait_ec) co_return wait_ec;
  }
}

asio::awaitable<boost::system::error_code> tls_socket_stream::shutdown() {
  for (;;) {
    before_call();
    int ok = SSL_shutdown(ssl_.get());
    // 1: both close_notify alerts are through. 0: ours is sent; read until the peer's comes (or
    // its close), so the socket is not closed under data still arriving, which would reset it.
    boost::system::error_code ec;
    step s = ok == 0 ? step::want_read : classify(ok, ec);
    if (s == step::done) co_return ec;
    if (s == step::failed) co_return ec == asio::error::eof ? boost::system::error_code{} : ec;
    auto [wait_ec] = co_await socket_.async_wait(wait_for(s), asio::as_tuple(asio::use_awaitable));
    if (wait_ec) co_return wait_ec;
  }
}

}  // namespace nv::sim

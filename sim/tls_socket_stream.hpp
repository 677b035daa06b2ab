// A TLS stream whose OpenSSL session reads and writes the socket itself, as nginx's does.
//
// Asio's ssl::stream runs OpenSSL over a memory BIO pair: every byte received is copied from
// Asio's buffer into the BIO and out again, and every read of the socket is at most one 17 KB
// buffer. bench/sim's 40 KB bodies paid two extra copies of each body and three reads per
// request for it. Here OpenSSL's own socket BIO reads with read-ahead into a buffer sized by the
// context (make_tls_context), and the stream only waits on the socket when OpenSSL asks for
// more bytes (SSL_ERROR_WANT_READ/WANT_WRITE).
//
// It is an AsyncReadStream and AsyncWriteStream for Beast and asio::async_read/async_write.
// Errors as Asio's ssl::stream reports them: a close_notify ends reads with asio::error::eof,
// a TCP close without one with asio::ssl::error::stream_truncated.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <memory>

namespace nv::sim {

/// One server-side TLS connection over a TCP socket. Not thread-safe: one operation of each
/// direction at a time, on the socket's executor.
class tls_socket_stream {
 public:
  using executor_type = boost::asio::ip::tcp::socket::executor_type;

  /// Takes the socket; `tls` must outlive the stream. Throws std::bad_alloc when OpenSSL cannot
  /// create the session (start-up of a connection, an edge).
  tls_socket_stream(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls);

  executor_type get_executor() { return socket_.get_executor(); }
  boost::asio::ip::tcp::socket& next_layer() { return socket_; }

  /// Completes the server side of the handshake.
  boost::asio::awaitable<boost::system::error_code> handshake();

  /// Sends close_notify and waits for the peer's (or its close).
  boost::asio::awaitable<boost::system::error_code> shutdown();

  /// Reads some decrypted bytes into the first non-empty buffer of `buffers`.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        transfer_op<true>{this, first_buffer<boost::asio::mutable_buffer>(buffers)}, token,
        socket_);
  }

  /// Writes some bytes of the first non-empty buffer of `buffers`.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        transfer_op<false>{this, first_buffer<boost::asio::const_buffer>(buffers)}, token, socket_);
  }

 private:
  // What one attempt of an OpenSSL call came to.
  enum class step { done, want_read, want_write, failed };

  struct ssl_free {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
  };

  template <class Buffer, class Buffers>
  static Buffer first_buffer(const Buffers& buffers) {
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it)
      if (Buffer b(*it); b.size() > 0) return b;
    return Buffer();
  }

  // Clears what an OpenSSL call's result is read from: the thread's error queue and errno.
  static void before_call();
  // Classifies the result of an OpenSSL call that returned `ok`; sets `ec` when it failed.
  step classify(int ok, boost::system::error_code& ec);
  // Returns the socket wait that a want_read or want_write step asks for.
  static boost::asio::socket_base::wait_type wait_for(step s) {
    return s == step::want_read ? boost::asio::socket_base::wait_read
                                : boost::asio::socket_base::wait_write;
  }
  // One SSL_read_ex or SSL_write_ex of `data`; sets `n` to the bytes moved.
  step transfer(bool reading, void* data, std::size_t size, std::size_t& n,
                boost::system::error_code& ec);

  // Repeats the transfer, waiting on the socket whenever OpenSSL asks to. A transfer that is
  // done at once completes through a post, so no handler runs inside its initiating call.
  template <bool Reading>
  struct transfer_op {
    using buffer_type =
        std::conditional_t<Reading, boost::asio::mutable_buffer, boost::asio::const_buffer>;
    tls_socket_stream* stream;
    buffer_type buffer;
    bool waited = false;
    bool posted = false;
    boost::system::error_code result;
    std::size_t moved = 0;

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (posted) return self.complete(result, moved);
      if (ec) return self.complete(ec, 0);
      if (buffer.size() == 0) return finish(self, {}, 0);
      std::size_t n = 0;
      step s = stream->transfer(Reading, const_cast<void*>(buffer.data()), buffer.size(), n, ec);
      if (s == step::want_read || s == step::want_write) {
        waited = true;
        return stream->socket_.async_wait(wait_for(s), std::move(self));
      }
      finish(self, ec, n);
    }

    template <class Self>
    void finish(Self& self, boost::system::error_code ec, std::size_t n) {
      if (waited) return self.complete(ec, n);
      posted = true;
      result = ec;
      moved = n;
      boost::asio::post(stream->socket_.get_executor(), std::move(self));
    }
  };

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<SSL, ssl_free> ssl_;
};

}  // namespace nv::sim

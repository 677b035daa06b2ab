// The loopback HTTP/1.1 server of /metrics and /healthz, on the daemon's io_context.
#include "nv/metrics/metrics_server.hpp"

#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <exception>
#include <list>
#include <stdexcept>
#include <utility>

namespace nv::metrics {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

tcp::endpoint listen_endpoint(const metrics_server_options& options) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.address, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("metrics: listen address \"{}\" is not an IP address ({})",
                                         options.address, ec.message()));
  }
  if (!address.is_loopback() && !options.allow_non_loopback) {
    throw std::runtime_error(fmt::format(
        "metrics: refusing to listen on {}:{}: not a loopback address, and non-loopback "
        "listening was not allowed",
        options.address, options.port));
  }
  return {address, options.port};
}

// Start-up only: a port in use or a missing address must stop the daemon with a clear reason.
void open_acceptor(tcp::acceptor& acceptor, const tcp::endpoint& where) {
  boost::system::error_code ec;
  acceptor.open(where.protocol(), ec);
  // A restarted daemon must rebind while the old connections sit in TIME_WAIT.
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(where, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error(fmt::format("metrics: cannot listen on {}:{}: {}",
                                         where.address().to_string(), where.port(), ec.message()));
  }
}

}  // namespace

// Everything a connection touches lives here, owned jointly by the server and every coroutine,
// so a coroutine unwinding after the server is gone still finds it.
struct metrics_server_state {
  metrics_server_state(asio::any_io_executor executor, metrics_server_options opts,
                       metrics_collector collector, health_check check)
      : options(std::move(opts)),
        collect(std::move(collector)),
        health(std::move(check)),
        acceptor(executor) {}

  metrics_server_options options;
  metrics_collector collect;
  health_check health;
  tcp::acceptor acceptor;
  std::list<beast::tcp_stream*> live;  // open connections, for stop()
  metrics_server_stats stats;
  bool stopped = false;
};

namespace {

using state_ptr = std::shared_ptr<metrics_server_state>;

// Keeps a connection known to stop() for as long as its coroutine runs.
class tracked_connection {
 public:
  tracked_connection(metrics_server_state& state, beast::tcp_stream& stream)
      : state_(state), at_(state.live.insert(state.live.end(), &stream)) {
    auto& stats = state_.stats;
    ++stats.accepted;
    stats.peak_open = std::max(stats.peak_open, ++stats.open);
  }
  ~tracked_connection() {
    state_.live.erase(at_);
    --state_.stats.open;
  }
  tracked_connection(const tracked_connection&) = delete;
  tracked_connection& operator=(const tracked_connection&) = delete;

 private:
  metrics_server_state& state_;
  std::list<beast::tcp_stream*>::iterator at_;
};

void report(metrics_server_state& state, std::exception_ptr escaped) {
  if (!escaped) return;
  ++state.stats.failures;
  std::string message = "metrics: a connection failed: unknown exception";
  try {
    std::rethrow_exception(escaped);
  } catch (const std::exception& e) {
    message = fmt::format("metrics: a connection failed: {}", e.what());
  } catch (...) {
  }
  if (state.options.report_failure) {
    state.options.report_failure(message);
  } else {
    fmt::print(stderr, "{}\n", message);
  }
}

// Returns the status for a request that could not be read, or 0 when the connection just ends
// (closed, timed out, reset, stopped) and nothing should be written.
unsigned status_for_read_error(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit || ec == http::error::buffer_overflow) return 413;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return 0;
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) return 400;
  return 0;
}

http::response<http::string_body> refusal(unsigned status) {
  http::response<http::string_body> answer{static_cast<http::status>(status), 11};
  answer.set(http::field::content_type, "text/plain; charset=utf-8");
  answer.body() = std::string(answer.reason()) + "\n";
  answer.keep_alive(false);
  answer.prepare_payload();
  return answer;
}

// Ends a connection whose request was refused unread: closing with the rest of it still unread
// would reset the connection, and a reset may destroy the answer before the client reads it.
// So it stops sending, then discards what the client still sends, within bounds, until it stops.
asio::awaitable<void> linger(beast::tcp_stream& stream, const metrics_server_options& options) {
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  std::array<char, 1024> discard;
  std::size_t left = 4 * options.max_request_bytes;
  stream.expires_after(options.io_timeout);
  while (left > 0) {
    auto [ec, n] = co_await stream.async_read_some(asio::buffer(discard), use_tuple);
    if (ec) co_return;
    left -= std::min(left, n);
  }
}

// One connection: requests answered in turn until the client leaves, a timeout, an error, or
// stop(). After every wait it checks `stopped` first: the callbacks may be gone by then.
asio::awaitable<void> serve(state_ptr state, tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  tracked_connection tracked(*state, stream);
  const auto limit = state->options.max_request_bytes;
  beast::flat_buffer buffer(2 * limit);  // a bound on what a pipelining client may queue
  std::string page;                      // lends its capacity to every answer on this connection
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limit));
    parser.body_limit(limit);
    stream.expires_after(state->options.io_timeout);
    auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
    if (state->stopped) co_return;
    if (read_ec) {
      unsigned status = status_for_read_error(read_ec);
      if (status == 0) co_return;
      auto answer = refusal(status);
      stream.expires_after(state->options.io_timeout);
      auto [write_ec, written] = co_await http::async_write(stream, answer, use_tuple);
      if (!write_ec && !state->stopped) co_await linger(stream, state->options);
      co_return;
    }
    auto answer = answer_request(parser.get(), state->collect, state->health, std::move(page));
    ++state->stats.requests;
    stream.expires_after(state->options.io_timeout);
    auto [write_ec, written] = co_await http::async_write(stream, answer, use_tuple);
    if (state->stopped || write_ec) co_return;
    page = std::move(answer.body());
    if (!answer.keep_alive()) {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

asio::awaitable<void> accept_loop(state_ptr state) {
  for (;;) {
    auto [ec, socket] = co_await state->acceptor.async_accept(use_tuple);
    if (state->stopped) co_return;
    if (ec) {
      // E.g. EMFILE: a later accept may succeed, but retrying at once would spin.
      asio::steady_timer pause(state->acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (state->stats.open >= state->options.max_connections) {
      ++state->stats.refused;
      continue;  // the socket closes as it goes out of scope
    }
    auto executor = state->acceptor.get_executor();
    asio::co_spawn(executor, serve(state, std::move(socket)),
                   [state](std::exception_ptr escaped) { report(*state, escaped); });
  }
}

}  // namespace

metrics_server::metrics_server(asio::any_io_executor executor, metrics_server_options options,
                               metrics_collector collect, health_check health)
    : state_(std::make_shared<metrics_server_state>(executor, std::move(options),
                                                    std::move(collect), std::move(health))) {
  open_acceptor(state_->acceptor, listen_endpoint(state_->options));
  port_ = state_->acceptor.local_endpoint().port();
  asio::co_spawn(executor, accept_loop(state_),
                 [state = state_](std::exception_ptr escaped) { report(*state, escaped); });
}

metrics_server::~metrics_server() {
  stop();
}

void metrics_server::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  boost::system::error_code ignored;
  state_->acceptor.close(ignored);
  // Closing cancels each connection's pending read or write; its coroutine then sees `stopped`.
  for (auto* stream : state_->live) stream->close();
}

const metrics_server_stats& metrics_server::stats() const {
  return state_->stats;
}

}  // namespace nv::metrics

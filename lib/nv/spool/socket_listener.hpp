// Producers streaming NDJSON over a Unix socket (and optionally loopback TCP) into the spool,
// each answered with one ack line once all it sent is durable.
#pragma once

#include "nv/source/line_reader.hpp"
#include "nv/spool/object_line_check.hpp"
#include "nv/spool/spool_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nv::spool {

/// Where the listener accepts producers and how it treats them.
struct listener_options {
  /// A Unix socket to create (a stale socket file is replaced; a live one is an error).
  std::optional<std::filesystem::path> unix_path;
  /// The socket file's permissions, applied after bind.
  std::filesystem::perms unix_mode =
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
      std::filesystem::perms::group_read | std::filesystem::perms::group_write;
  std::string unix_group;  ///< The socket file's group ("" leaves it as created).
  std::optional<boost::asio::ip::tcp::endpoint> tcp;  ///< A TCP endpoint (port 0: any free one).
  bool allow_remote_tcp = false;  ///< Whether `tcp` may be other than a loopback address.
  std::size_t max_line_bytes = std::size_t{1} << 20;  ///< Longer lines are rejected.
  std::size_t read_chunk = std::size_t{64} << 10;     ///< Bytes read at once; also the
                                                      ///< size appends are gathered up to.
  std::chrono::milliseconds idle_timeout{60000};      ///< A producer silent this long is dropped.
  std::chrono::milliseconds ack_timeout{10000};       ///< Writing the ack line may take this long.
  std::size_t reported_rejects = 10;  ///< Rejects per connection passed to the callback.
};

/// A rejected line, passed to the reject callback; the views live only during the call.
struct reject_notice {
  std::string_view peer;    ///< E.g. "unix pid 4242 uid 1000" or "tcp 127.0.0.1:50132".
  std::uint64_t line = 0;   ///< 1-based line number within the connection.
  std::string_view reason;  ///< E.g. "longer than 1048576 bytes".
};

/// Called for the first `reported_rejects` rejected lines of each connection.
using reject_callback = std::function<void(const reject_notice&)>;

/// What the listener has done since start().
struct listener_counters {
  std::uint64_t connections = 0;       ///< Producers accepted.
  std::uint64_t open_connections = 0;  ///< Gauge: producers connected now.
  std::uint64_t acked = 0;             ///< Producers answered with the ack line.
  std::uint64_t dropped = 0;           ///< Producers that ended without an ack.
  std::uint64_t idle_timeouts = 0;     ///< Of those, dropped for being idle.
  std::uint64_t lines_accepted = 0;    ///< Lines appended to the spool.
  std::uint64_t lines_rejected = 0;    ///< Lines rejected (too long, not one JSON object).
  std::uint64_t tails_discarded = 0;   ///< Unterminated last lines of producers that vanished.
  std::uint64_t spool_errors = 0;      ///< Appends or syncs the spool failed (no ack then).
  std::uint64_t task_failures = 0;     ///< Exceptions that escaped a task (bugs).
};

/// Accepts producers and spools their lines. Per connection: lines are split (CRLF accepted,
/// blank lines skipped and not counted), each is checked (object_line_check) and either
/// appended to the spool (with "\n" as its terminator) or rejected and counted. When the
/// producer half-closes (shutdown(SHUT_WR)), an unterminated last line counts like any line,
/// and once everything appended is durable the producer gets `{"accepted":N,"rejected":M}\n`
/// and the connection is closed. A producer that resets, goes idle, or closes entirely gets no
/// ack; its complete lines stay spooled (at least once) and its unterminated last line is
/// discarded: on a Unix socket a full close is told from a half-close (POLLHUP); on TCP the two
/// look alike, so such a line is spooled only when it is a complete JSON object anyway.
/// While the spool is full a connection stops reading, so its producer's writes block.
/// Use from the executor's thread. stop() must have finished before the listener (or the
/// store, which must outlive it) is destroyed.
class socket_listener {
 public:
  /// Prepares a listener that spools into `store`; nothing is bound before start().
  socket_listener(boost::asio::any_io_executor executor, spool_store& store,
                  listener_options options, reject_callback on_reject = {});
  ~socket_listener();
  socket_listener(const socket_listener&) = delete;
  socket_listener& operator=(const socket_listener&) = delete;

  /// Adds an already listening stream socket, e.g. from activated_listen_fds(), and takes
  /// ownership of it. Call before start(). Throws std::system_error when `fd` is not one.
  void adopt(int fd);

  /// Binds the configured sockets and starts accepting on them and on adopted ones. Throws
  /// std::system_error naming the address, or std::invalid_argument for a remote TCP address
  /// not allowed or a spool too small for one gathered append (start-up errors).
  void start();

  /// Stops accepting, cancels every connection (no ack for them), waits until all have ended,
  /// and removes the Unix socket file start() created.
  boost::asio::awaitable<void> stop();

  /// Returns the port the TCP socket is bound to (0 when there is none).
  std::uint16_t tcp_port() const noexcept { return tcp_port_; }
  /// Returns the counters.
  const listener_counters& counters() const noexcept { return counters_; }

 private:
  using acceptor = boost::asio::basic_socket_acceptor<boost::asio::generic::stream_protocol>;
  using socket = boost::asio::generic::stream_protocol::socket;
  struct connection;
  struct connection_tally;
  enum class read_end { data, gone };

  void bind_unix(const std::filesystem::path& path);
  void bind_tcp(const boost::asio::ip::tcp::endpoint& endpoint);
  void spawn(boost::asio::awaitable<void> task, connection* owner);
  void task_ended(std::exception_ptr escaped, connection* owner);
  boost::asio::awaitable<void> accept_loop(acceptor& from);
  boost::asio::awaitable<void> serve(connection& c);
  boost::asio::awaitable<read_end> read_more(connection& c, source::line_reader& reader);
  boost::asio::awaitable<bool> flush(connection_tally& tally, std::string& lines);
  boost::asio::awaitable<bool> answer(connection& c, const connection_tally& tally);
  void reject(connection& c, connection_tally& tally, std::uint64_t line, std::string_view why,
              std::string_view detail = {});

  boost::asio::any_io_executor executor_;
  spool_store& store_;
  listener_options options_;
  reject_callback on_reject_;
  object_line_check check_;  // shared by all connections: parsing never spans a co_await
  std::string too_long_reason_;
  std::list<acceptor> acceptors_;
  std::list<connection> connections_;
  std::optional<std::filesystem::path> bound_path_;
  std::uint16_t tcp_port_ = 0;
  std::size_t running_ = 0;  // accept loops and connections not yet ended
  bool stopping_ = false;
  boost::asio::steady_timer all_ended_;
  listener_counters counters_;
};

}  // namespace nv::spool

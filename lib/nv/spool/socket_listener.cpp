// Accept loops and one coroutine per producer: read, split, check, spool, ack.
#include "nv/spool/socket_listener.hpp"

#include <fmt/format.h>
#include <fmt/std.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace nv::spool {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// Names a producer for reject notices: the process behind a Unix socket, the address of TCP.
std::string describe_peer(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "peer";
  if (address.ss_family == AF_UNIX) {
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) return "unix peer";
    return fmt::format("unix pid {} uid {}", credentials.pid, credentials.uid);
  }
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &in->sin_addr, text.data(), text.size());
    return fmt::format("tcp {}:{}", text.data(), ntohs(in->sin_port));
  }
  if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &in6->sin6_addr, text.data(), text.size());
    return fmt::format("tcp [{}]:{}", text.data(), ntohs(in6->sin6_port));
  }
  return "peer";
}

// Whether the peer closed entirely rather than only its sending side. A Unix stream socket
// reports POLLHUP once the peer's socket is gone; a half-closed peer gives EOF without it.
// TCP gets a FIN either way, so a closed TCP peer looks half-closed until a write fails.
bool peer_hung_up(int fd) {
  pollfd probe{.fd = fd, .events = POLLRDHUP, .revents = 0};
  if (::poll(&probe, 1, 0) < 0) return true;
  return (probe.revents & (POLLHUP | POLLERR)) != 0;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return 0;
}

[[noreturn]] void throw_at(const boost::system::error_code& ec, const std::string& what) {
  throw std::system_error(ec, what);
}

}  // namespace

// One producer: its socket, its deadline (idle read, ack write) and what stop() cancels.
struct socket_listener::connection {
  connection(socket accepted, const asio::any_io_executor& executor)
      : stream(std::move(accepted)), deadline(executor) {}
  socket stream;
  asio::steady_timer deadline;
  asio::cancellation_signal cancel;
  std::string peer;
  std::list<connection>::iterator position;
  bool ended = false;  // its task is over; the node goes on the next turn
};

// What one producer has sent so far.
struct socket_listener::connection_tally {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t gathered = 0;        // accepted lines not yet appended
  std::optional<spool_ticket> last;  // the ticket of its last append
};

socket_listener::socket_listener(asio::any_io_executor executor, spool_store& store,
                                 listener_options options, reject_callback on_reject)
    : executor_(std::move(executor)),
      store_(store),
      options_(std::move(options)),
      on_reject_(std::move(on_reject)),
      check_(options_.max_line_bytes),
      too_long_reason_(fmt::format("longer than {} bytes", options_.max_line_bytes)),
      all_ended_(executor_) {}

socket_listener::~socket_listener() = default;

void socket_listener::adopt(int fd) {
  if (::sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
    throw std::system_error(ENOTSOCK, std::generic_category(),
                            fmt::format("descriptor {}: not a listening stream socket", fd));
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::system_error(errno, std::generic_category(), fmt::format("descriptor {}", fd));
  auto& adopted = acceptors_.emplace_back(executor_);
  boost::system::error_code ec;
  adopted.assign(asio::generic::stream_protocol(address.ss_family, 0), fd, ec);
  if (ec) throw_at(ec, fmt::format("descriptor {}: cannot use it", fd));
  if (address.ss_family != AF_UNIX) tcp_port_ = bound_port(fd);
}

void socket_listener::start() {
  // A gathered append holds up to read_chunk bytes, or one maximal line: it must fit at all.
  const auto largest_append = std::max(options_.read_chunk, options_.max_line_bytes + 1);
  if (store_.options().max_bytes < largest_append)
    throw std::invalid_argument(
        fmt::format("spool max_bytes {} is below the largest append of a connection ({} bytes)",
                    store_.options().max_bytes, largest_append));
  if (options_.unix_path) bind_unix(*options_.unix_path);
  if (options_.tcp) bind_tcp(*options_.tcp);
  for (auto& from : acceptors_) spawn(accept_loop(from), nullptr);
}

void socket_listener::bind_unix(const fs::path& path) {
  const asio::local::stream_protocol::endpoint local(path.string());
  const auto status = fs::symlink_status(path);
  if (fs::exists(status)) {
    if (!fs::is_socket(status))
      throw std::system_error(EEXIST, std::generic_category(),
                              fmt::format("unix socket {}: exists and is not a socket", path));
    // A socket file nobody accepts on is what a crash leaves; a live one belongs to a daemon.
    asio::local::stream_protocol::socket probe(executor_);
    boost::system::error_code ec;
    probe.connect(local, ec);
    if (!ec)
      throw std::system_error(EADDRINUSE, std::generic_category(),
                              fmt::format("unix socket {}: another process listens on it", path));
    fs::remove(path);
  }
  auto& listening = acceptors_.emplace_back(executor_);
  const asio::generic::stream_protocol::endpoint endpoint(local);
  boost::system::error_code ec;
  listening.open(endpoint.protocol(), ec);
  if (!ec) listening.bind(endpoint, ec);
  if (!ec) listening.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw_at(ec, fmt::format("unix socket {}: cannot listen", path));
  bound_path_ = path;
  fs::permissions(path, options_.unix_mode);
  if (options_.unix_group.empty()) return;
  group entry{};
  group* found = nullptr;
  std::vector<char> text(16384);
  const int error =
      ::getgrnam_r(options_.unix_group.c_str(), &entry, text.data(), text.size(), &found);
  if (found == nullptr)
    throw std::system_error(
        error ? error : ENOENT, std::generic_category(),
        fmt::format("unix socket {}: no group \"{}\"", path, options_.unix_group));
  if (::chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0)
    throw std::system_error(
        errno, std::generic_category(),
        fmt::format("unix socket {}: cannot give it to group \"{}\"", path, options_.unix_group));
}

void socket_listener::bind_tcp(const asio::ip::tcp::endpoint& tcp) {
  if (!tcp.address().is_loopback() && !options_.allow_remote_tcp)
    throw std::invalid_argument(
        fmt::format("tcp {}:{}: not a loopback address, and remote producers are not allowed",
                    tcp.address().to_string(), tcp.port()));
  auto& listening = acceptors_.emplace_back(executor_);
  const asio::generic::stream_protocol::endpoint endpoint(tcp);
  boost::system::error_code ec;
  listening.open(endpoint.protocol(), ec);
  if (!ec) listening.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) listening.bind(endpoint, ec);
  if (!ec) listening.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    throw_at(ec, fmt::format("tcp {}:{}: cannot listen", tcp.address().to_string(), tcp.port()));
  tcp_port_ = bound_port(listening.native_handle());
}

void socket_listener::spawn(asio::awaitable<void> task, connection* owner) {
  ++running_;
  auto ended = [this, owner](std::exception_ptr escaped) { task_ended(escaped, owner); };
  if (owner == nullptr) {
    asio::co_spawn(executor_, std::move(task), std::move(ended));
    return;
  }
  asio::co_spawn(executor_, std::move(task),
                 asio::bind_cancellation_slot(owner->cancel.slot(), std::move(ended)));
}

void socket_listener::task_ended(std::exception_ptr escaped, connection* owner) {
  if (escaped) ++counters_.task_failures;
  // Its slot must not be signalled any more (stop() looks), and the node goes later, not now:
  // co_spawn is still using the connection's cancellation slot.
  if (owner != nullptr) owner->ended = true;
  asio::post(executor_, [this, owner] {
    if (owner != nullptr) {
      --counters_.open_connections;
      connections_.erase(owner->position);
    }
    if (--running_ == 0) all_ended_.cancel();
  });
}

asio::awaitable<void> socket_listener::accept_loop(acceptor& from) {
  for (;;) {
    auto [ec, accepted] = co_await from.async_accept(tuple_awaitable);
    if (stopping_ || !from.is_open()) co_return;
    if (ec) {
      // Out of descriptors or memory: pause rather than spin; producers wait in the backlog.
      asio::steady_timer pause(executor_, std::chrono::milliseconds(100));
      co_await pause.async_wait(tuple_awaitable);
      continue;
    }
    auto& c = connections_.emplace_back(std::move(accepted), executor_);
    c.position = std::prev(connections_.end());
    c.peer = describe_peer(c.stream.native_handle());
    ++counters_.connections;
    ++counters_.open_connections;
    spawn(serve(c), &c);
  }
}

asio::awaitable<void> socket_listener::serve(connection& c) {
  source::line_reader reader({.max_line_bytes = options_.max_line_bytes,
                              .read_chunk = options_.read_chunk,
                              .too_long_prefix = 0});
  connection_tally tally;
  std::string lines;  // accepted lines gathered into one append
  lines.reserve(options_.read_chunk);
  struct count_drop {
    listener_counters& counters;
    bool acked = false;
    ~count_drop() {
      if (!acked) ++counters.dropped;
    }
  } end{counters_};
  for (;;) {
    const auto event = reader.next();
    switch (event.kind) {
      case source::line_kind::line: {
        const auto problem = check_.problem(event.text);
        if (!problem.empty()) {
          reject(c, tally, event.number, "not one JSON object: ", problem);
          break;
        }
        if (!lines.empty() && lines.size() + event.text.size() + 1 > options_.read_chunk) {
          if (!co_await flush(tally, lines)) co_return;
        }
        lines.append(event.text);
        lines.push_back('\n');
        ++tally.accepted;
        ++tally.gathered;
        break;
      }
      case source::line_kind::blank:
        break;
      case source::line_kind::too_long:
        reject(c, tally, event.number, too_long_reason_);
        break;
      case source::line_kind::need_more: {
        // Spool what this read brought before reading more: a full spool stops reading here.
        if (!co_await flush(tally, lines)) co_return;
        const auto more = co_await read_more(c, reader);
        if (more == read_end::gone) co_return;
        break;
      }
      case source::line_kind::end:
        if (!co_await flush(tally, lines)) co_return;
        end.acked = co_await answer(c, tally);
        co_return;
    }
  }
}

asio::awaitable<socket_listener::read_end> socket_listener::read_more(connection& c,
                                                                      source::line_reader& reader) {
  const auto space = reader.prepare();
  c.deadline.expires_after(options_.idle_timeout);
  auto read = c.stream.async_read_some(asio::buffer(space.data(), space.size()), tuple_awaitable);
  auto idle = c.deadline.async_wait(tuple_awaitable);
  auto either = std::move(read) || std::move(idle);
  const auto outcome = co_await std::move(either);
  if (outcome.index() == 1) {
    if (!std::get<0>(std::get<1>(outcome))) ++counters_.idle_timeouts;
    co_return read_end::gone;
  }
  const auto [ec, bytes] = std::get<0>(outcome);
  if (!ec) {
    reader.commit(bytes);
    co_return read_end::data;
  }
  if (ec != asio::error::eof) co_return read_end::gone;  // reset, or closed by stop()
  reader.finish();
  if (!peer_hung_up(c.stream.native_handle())) co_return read_end::data;  // half-closed
  // Gone for good: nobody hears an ack, and an unterminated last line may be cut anywhere.
  const auto tail = reader.next();
  if (tail.kind == source::line_kind::line || tail.kind == source::line_kind::too_long)
    ++counters_.tails_discarded;
  co_return read_end::gone;
}

asio::awaitable<bool> socket_listener::flush(connection_tally& tally, std::string& lines) {
  if (lines.empty()) co_return true;
  const auto appended = co_await store_.append(lines);
  if (!appended) {
    if (appended.error().code != std::errc::operation_canceled) ++counters_.spool_errors;
    co_return false;
  }
  tally.last = *appended;
  counters_.lines_accepted += tally.gathered;
  tally.gathered = 0;
  lines.clear();
  co_return true;
}

asio::awaitable<bool> socket_listener::answer(connection& c, const connection_tally& tally) {
  if (tally.last) {
    const auto durable = co_await store_.durable(*tally.last);
    if (!durable) {
      if (durable.error().code != std::errc::operation_canceled) ++counters_.spool_errors;
      co_return false;
    }
  }
  const auto ack =
      fmt::format("{{\"accepted\":{},\"rejected\":{}}}\n", tally.accepted, tally.rejected);
  c.deadline.expires_after(options_.ack_timeout);
  auto write = asio::async_write(c.stream, asio::buffer(ack), tuple_awaitable);
  auto late = c.deadline.async_wait(tuple_awaitable);
  auto either = std::move(write) || std::move(late);
  const auto outcome = co_await std::move(either);
  if (outcome.index() != 0 || std::get<0>(std::get<0>(outcome))) co_return false;
  ++counters_.acked;
  boost::system::error_code ignored;
  c.stream.shutdown(asio::socket_base::shutdown_both, ignored);
  co_return true;
}

void socket_listener::reject(connection& c, connection_tally& tally, std::uint64_t line,
                             std::string_view why, std::string_view detail) {
  ++tally.rejected;
  ++counters_.lines_rejected;
  if (!on_reject_ || tally.rejected > options_.reported_rejects) return;
  const auto reason = fmt::format("{}{}", why, detail);
  on_reject_({.peer = c.peer, .line = line, .reason = reason});
}

asio::awaitable<void> socket_listener::stop() {
  stopping_ = true;
  boost::system::error_code ignored;
  for (auto& from : acceptors_) from.close(ignored);
  for (auto& c : connections_) {
    if (c.ended) continue;
    c.cancel.emit(asio::cancellation_type::terminal);
    c.stream.close(ignored);
    c.deadline.cancel();
  }
  while (running_ > 0) {
    all_ended_.expires_at(asio::steady_timer::time_point::max());
    co_await all_ended_.async_wait(tuple_awaitable);
  }
  if (bound_path_) {
    std::error_code not_there;
    fs::remove(*bound_path_, not_there);
    bound_path_.reset();
  }
}

}  // namespace nv::spool

// Tests for the socket listener over real Unix and TCP sockets and a real spool: ack lines,
// rejects, many producers, killed and idle producers, back-pressure, socket files, stop().
#include "nv/spool/socket_listener.hpp"

#include "spool/spool_test_io.hpp"
#include "spool/test_producer.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

using namespace nv::spool;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using nv::test::io_thread;
using nv::test::test_producer;

namespace {

// A spool and a listener on a Unix socket in a fresh directory, driven on their own io thread.
struct spooling {
  explicit spooling(const std::string& name, spool_options store_options = {},
                    listener_options options = {})
      : dir(nv::test::make_temp_dir(name)), socket_path(dir / "in.sock") {
    store_options.dir = dir / "spool";
    if (!options.unix_path) options.unix_path = socket_path;
    store = io.call([&] { return std::make_unique<spool_store>(io.executor(), store_options); });
    listener = io.call([&] {
      return std::make_unique<socket_listener>(
          io.executor(), *store, options, [this](const reject_notice& notice) {
            rejects.push_back(fmt::format("{} line {}: {}", notice.peer.substr(0, 4), notice.line,
                                          notice.reason));
          });
    });
    io.call([&] { listener->start(); });
  }
  ~spooling() {
    stop();
    io.call([&] {
      listener.reset();
      store.reset();
    });
  }

  void stop() {
    if (stopped) return;
    io.await([&] { return listener->stop(); });
    stopped = true;
  }
  // Seals what is open and returns every sealed segment's bytes, oldest first.
  std::string spooled() {
    return io.await([&]() -> asio::awaitable<std::string> {
      (co_await store->seal()).value();
      std::string all;
      for (const auto& segment : store->sealed_segments()) all += nv::test::file_text(segment.path);
      co_return all;
    });
  }
  listener_counters counters() {
    return io.call([&] { return listener->counters(); });
  }
  std::vector<std::string> reported() {
    return io.call([&] { return rejects; });
  }

  io_thread io;
  fs::path dir;
  fs::path socket_path;
  std::unique_ptr<spool_store> store;
  std::unique_ptr<socket_listener> listener;
  std::vector<std::string> rejects;  // touched on the io thread only
  bool stopped = false;
};

// Sends `text`, half-closes and returns what the listener answered.
std::string produce(test_producer producer, std::string_view text) {
  producer.send(text);
  producer.half_close();
  return producer.read_to_end().value_or("(no answer within 10 s)");
}

// Plays the importer: reads each sealed segment into `imported` and removes it.
asio::awaitable<void> import_until_cancelled(spool_store& store, std::string& imported) {
  while (co_await store.wait_for_segment()) {
    for (const auto& segment : store.sealed_segments()) {
      imported += nv::test::file_text(segment.path);
      store.remove(segment).value();
    }
  }
}

}  // namespace

TEST_CASE("socket_listener: after a half-close the producer gets the exact ack line") {
  spooling s("listen-ack");
  const auto ack = produce(test_producer::to_unix(s.socket_path),
                           "{\"id\":1}\n"
                           "\n"
                           "[1,2]\n"
                           "{\"id\":2}\r\n"
                           "   \n"
                           "{\"id\":3} trailing\n"
                           "{\"id\":4}\n"
                           "{\"id\":5}");  // the last line has no newline: it still counts
  CHECK(ack == "{\"accepted\":4,\"rejected\":2}\n");
  CHECK(s.spooled() == "{\"id\":1}\n{\"id\":2}\n{\"id\":4}\n{\"id\":5}\n");
  const auto rejects = s.reported();
  REQUIRE(rejects.size() == 2);
  CHECK(rejects[0] == "unix line 3: not one JSON object: a JSON array, not an object");
  CHECK(rejects[1].starts_with("unix line 6: not one JSON object: "));
  const auto counters = s.counters();
  CHECK(counters.connections == 1);
  CHECK(counters.acked == 1);
  CHECK(counters.dropped == 0);
  CHECK(counters.lines_accepted == 4);
  CHECK(counters.lines_rejected == 2);
}

TEST_CASE("socket_listener: a line over max_line_bytes is rejected and not spooled") {
  spooling s("listen-long", {}, {.max_line_bytes = 64});
  const std::string long_line = "{\"x\":\"" + std::string(100, 'a') + "\"}\n";
  const auto ack = produce(test_producer::to_unix(s.socket_path),
                           "{\"before\":1}\n" + long_line + "{\"after\":1}\n");
  CHECK(ack == "{\"accepted\":2,\"rejected\":1}\n");
  CHECK(s.spooled() == "{\"before\":1}\n{\"after\":1}\n");
  CHECK(s.reported() == std::vector<std::string>{"unix line 2: longer than 64 bytes"});
}

TEST_CASE("socket_listener: only the first reported_rejects rejects reach the callback") {
  spooling s("listen-reported", {}, {.reported_rejects = 2});
  const auto ack = produce(test_producer::to_unix(s.socket_path), "x\ny\n{\"ok\":1}\nz\n1\n");
  CHECK(ack == "{\"accepted\":1,\"rejected\":4}\n");
  CHECK(s.reported().size() == 2);
  CHECK(s.counters().lines_rejected == 4);
}

TEST_CASE("socket_listener: 20 producers at once, over Unix and TCP, each spooled in order") {
  const asio::ip::tcp::endpoint loopback(asio::ip::make_address("127.0.0.1"), 0);
  spooling s("listen-many", {}, {.tcp = loopback, .read_chunk = 4096});
  REQUIRE(s.listener->tcp_port() != 0);
  constexpr int producers = 20;
  constexpr int lines_each = 500;
  std::vector<std::string> acks(producers);
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      std::string text;
      for (int n = 0; n < lines_each; ++n) text += fmt::format("{{\"p\":{},\"n\":{}}}\n", p, n);
      auto producer = p % 2 ? test_producer::to_tcp(s.listener->tcp_port())
                            : test_producer::to_unix(s.socket_path);
      // Written in pieces that split lines, so lines cross reads.
      for (std::size_t at = 0; at < text.size(); at += 1000) producer.send(text.substr(at, 1000));
      producer.half_close();
      acks[p] = producer.read_to_end().value_or("");
    });
  }
  for (auto& thread : threads) thread.join();
  for (int p = 0; p < producers; ++p)
    CHECK(acks[p] == fmt::format("{{\"accepted\":{},\"rejected\":0}}\n", lines_each));

  // Each producer's lines are in the spool, whole and in its order.
  std::map<int, std::vector<int>> seen;
  std::istringstream spooled(s.spooled());
  for (std::string line; std::getline(spooled, line);) {
    int p = -1;
    int n = -1;
    REQUIRE(std::sscanf(line.c_str(), "{\"p\":%d,\"n\":%d}", &p, &n) == 2);
    CHECK(line == fmt::format("{{\"p\":{},\"n\":{}}}", p, n));
    seen[p].push_back(n);
  }
  REQUIRE(seen.size() == producers);
  for (const auto& [p, numbers] : seen) {
    REQUIRE(numbers.size() == lines_each);
    for (int n = 0; n < lines_each; ++n) CHECK(numbers[n] == n);
  }
  const auto counters = s.counters();
  CHECK(counters.acked == producers);
  CHECK(counters.lines_accepted == producers * lines_each);
  // Group commit: the 20 acks needed far fewer syncs than there were appends.
  const auto store = s.io.call([&] { return s.store->counters(); });
  CHECK(store.syncs < store.appends);
}

TEST_CASE("socket_listener: a producer killed mid-line loses only its partial last line") {
  spooling s("listen-killed");
  const auto address = nv::test::unix_address(s.socket_path);
  // Killed once in the middle of a line, once after a whole object but before its newline:
  // neither tail is spooled, since a vanished producer never asked for it to count.
  for (const std::string_view tail : {"{\"c\":", "{\"c\":3}"}) {
    const std::string text = "{\"a\":1}\n{\"b\":2}\n" + std::string(tail);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // Only async-signal-safe calls here: the parent has threads.
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        ::_exit(1);
      if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) ::_exit(1);
      ::kill(::getpid(), SIGKILL);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
  }
  REQUIRE(s.io.wait_until([&] { return s.listener->counters().dropped == 2; }));
  CHECK(s.spooled() == "{\"a\":1}\n{\"b\":2}\n{\"a\":1}\n{\"b\":2}\n");
  const auto counters = s.counters();
  CHECK(counters.tails_discarded == 2);
  CHECK(counters.lines_accepted == 4);
  CHECK(counters.acked == 0);
}

TEST_CASE("socket_listener: a full spool stops reading, the producer blocks, then resumes") {
  spooling s("listen-full", {.segment_bytes = 1 << 20, .max_bytes = 64 << 10},
             {.max_line_bytes = 512, .read_chunk = 1024});
  std::string text;
  constexpr int lines = 32768;  // 64 bytes each: 2 MiB, 32 times what the spool may hold
  for (int n = 0; n < lines; ++n) text += fmt::format("{{\"n\":{:6},\"pad\":\"{:42}\"}}\n", n, "");
  REQUIRE(text.size() == lines * 64);
  auto producer = test_producer::to_unix(s.socket_path);

  // Write without blocking until the spool is full and the listener waits for room.
  std::size_t sent = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (s.io.call([&] { return s.store->counters().waiting_appends; }) == 0) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    REQUIRE(sent < text.size());
    sent += producer.send_some(std::string_view(text).substr(sent, 65536));
  }
  // Fill the socket's buffers: the listener does not read, so writing soon stops taking bytes.
  while (const auto n = producer.send_some(std::string_view(text).substr(sent, 65536))) sent += n;
  REQUIRE(sent < text.size());
  const auto full = s.io.call([&] { return s.store->counters(); });
  CHECK(full.disk_bytes <= 64 << 10);
  CHECK(full.waiting_appends == 1);
  CHECK(producer.send_some(std::string_view(text).substr(sent, 1)) == 0);  // EAGAIN
  const auto still = s.io.call([&] { return s.store->counters(); });
  CHECK(still.appended_bytes == full.appended_bytes);
  CHECK(still.waiting_appends == 1);

  // An importer takes sealed segments away; the producer's writes go through again.
  std::string imported;
  asio::cancellation_signal stop_importing;
  s.io.call([&] {
    asio::co_spawn(s.io.executor(), import_until_cancelled(*s.store, imported),
                   asio::bind_cancellation_slot(stop_importing.slot(), asio::detached));
  });
  producer.send(std::string_view(text).substr(sent));
  producer.half_close();
  CHECK(producer.read_to_end().value_or("(none)") ==
        fmt::format("{{\"accepted\":{},\"rejected\":0}}\n", lines));
  s.io.call([&] { stop_importing.emit(asio::cancellation_type::terminal); });
  const auto rest = s.spooled();
  CHECK(s.io.call([&] { return imported; }) + rest == text);
  CHECK(s.io.call([&] { return s.store->counters(); }).full_waits > 0);
}

TEST_CASE("socket_listener: an idle producer is dropped without an ack, its lines kept") {
  spooling s("listen-idle", {}, {.idle_timeout = std::chrono::milliseconds(100)});
  auto producer = test_producer::to_unix(s.socket_path);
  producer.send("{\"a\":1}\n");
  CHECK(producer.read_to_end() == "");  // closed by the listener, no ack
  const auto counters = s.counters();
  CHECK(counters.idle_timeouts == 1);
  CHECK(counters.dropped == 1);
  CHECK(s.spooled() == "{\"a\":1}\n");
}

TEST_CASE("socket_listener: stop() ends connections, stops accepting and removes the socket") {
  spooling s("listen-stop");
  auto producer = test_producer::to_unix(s.socket_path);
  producer.send("{\"a\":1}\n");
  REQUIRE(s.io.wait_until([&] { return s.listener->counters().lines_accepted == 1; }));
  s.stop();
  CHECK(producer.read_to_end() == "");
  CHECK_FALSE(fs::exists(s.socket_path));
  const auto counters = s.counters();
  CHECK(counters.dropped == 1);
  CHECK(counters.open_connections == 0);
}

TEST_CASE("socket_listener: stop() also ends a connection waiting for room in a full spool") {
  spooling s("listen-stop-full", {.max_bytes = 4096}, {.max_line_bytes = 512, .read_chunk = 1024});
  auto producer = test_producer::to_unix(s.socket_path);
  std::string text;
  for (int n = 0; n < 200; ++n) text += fmt::format("{{\"n\":{:6}}}\n", n);  // 15 bytes each
  producer.send(text);  // 3000 bytes of 200 lines: more than 4096 - 1024 fits
  producer.send(text);
  REQUIRE(s.io.wait_until([&] { return s.store->counters().waiting_appends == 1; }));
  s.stop();
  CHECK(producer.read_to_end() == "");
  CHECK(s.io.call([&] { return s.store->counters().waiting_appends; }) == 0);
  const auto counters = s.counters();
  CHECK(counters.dropped == 1);
  CHECK(counters.spool_errors == 0);  // cancelled, not failed
}

TEST_CASE("socket_listener: the socket file gets the configured mode and group") {
  const auto* own_group = ::getgrgid(::getgid());
  REQUIRE(own_group != nullptr);
  spooling s("listen-mode", {},
             {.unix_mode = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_write,
              .unix_group = own_group->gr_name});
  struct stat info {};
  REQUIRE(::stat(s.socket_path.c_str(), &info) == 0);
  CHECK(S_ISSOCK(info.st_mode));
  CHECK((info.st_mode & 07777) == 0620);
  CHECK(info.st_gid == ::getgid());
}

TEST_CASE("socket_listener: a stale socket file is replaced, a live one or a plain file is not") {
  const auto dir = nv::test::make_temp_dir("listen-stale");
  const auto path = dir / "in.sock";
  {
    // What a crashed daemon leaves: a socket file with nobody accepting on it.
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const auto address = nv::test::unix_address(path);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    ::close(fd);
    REQUIRE(fs::is_socket(path));
  }
  spooling s("listen-stale-store", {}, {.unix_path = path});
  CHECK(produce(test_producer::to_unix(path), "{\"a\":1}\n") ==
        "{\"accepted\":1,\"rejected\":0}\n");

  spool_store other_store(s.io.executor(), {.dir = dir / "other"});
  socket_listener second(s.io.executor(), other_store, {.unix_path = path});
  CHECK_THROWS_WITH_AS(second.start(), doctest::Contains("another process listens on it"),
                       std::system_error);

  const auto plain = dir / "plain";
  nv::test::write_text(plain, "not a socket");
  socket_listener third(s.io.executor(), other_store, {.unix_path = plain});
  CHECK_THROWS_WITH_AS(third.start(), doctest::Contains("exists and is not a socket"),
                       std::system_error);
  CHECK(nv::test::file_text(plain) == "not a socket");
}

TEST_CASE("socket_listener: TCP is loopback only unless remote producers are allowed") {
  const auto dir = nv::test::make_temp_dir("listen-remote");
  io_thread io;
  spool_store store(io.executor(), {.dir = dir});
  const asio::ip::tcp::endpoint remote(asio::ip::make_address("192.0.2.1"), 0);
  socket_listener listener(io.executor(), store, {.tcp = remote});
  CHECK_THROWS_WITH_AS(listener.start(), doctest::Contains("not a loopback address"),
                       std::invalid_argument);
}

TEST_CASE("socket_listener: a spool smaller than one gathered append is refused at start") {
  const auto dir = nv::test::make_temp_dir("listen-small-spool");
  io_thread io;
  spool_store store(io.executor(), {.dir = dir, .max_bytes = 1000});
  socket_listener listener(io.executor(), store,
                           {.unix_path = dir / "in.sock", .read_chunk = 4096});
  CHECK_THROWS_AS(listener.start(), std::invalid_argument);
}

TEST_CASE("socket_listener: an adopted listening socket (socket activation) serves producers") {
  const auto dir = nv::test::make_temp_dir("listen-adopt");
  const auto path = dir / "activated.sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto address = nv::test::unix_address(path);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, 16) == 0);
  spooling s("listen-adopt-store", {}, {.unix_path = dir / "unused.sock"});
  socket_listener adopted(s.io.executor(), *s.store, {});
  s.io.call([&] {
    adopted.adopt(fd);
    adopted.start();
  });
  CHECK(produce(test_producer::to_unix(path), "{\"via\":\"systemd\"}\n") ==
        "{\"accepted\":1,\"rejected\":0}\n");
  s.io.await([&] { return adopted.stop(); });
  CHECK(fs::exists(path));  // systemd owns an adopted socket's file
  CHECK(s.spooled() == "{\"via\":\"systemd\"}\n");
}

TEST_CASE("socket_listener: adopt() refuses a descriptor that is not a listening socket") {
  const auto dir = nv::test::make_temp_dir("listen-adopt-bad");
  io_thread io;
  spool_store store(io.executor(), {.dir = dir});
  socket_listener listener(io.executor(), store, {});
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  CHECK_THROWS_WITH_AS(listener.adopt(fd), doctest::Contains("not a listening stream socket"),
                       std::system_error);
  ::close(fd);
}

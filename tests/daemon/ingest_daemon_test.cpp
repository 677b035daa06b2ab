// Integration tests of `nvimport daemon` taking producers' NDJSON streams on its Unix and TCP
// sockets: exact acks, delivery exactly once from the spool, an ack that survives kill -9,
// producers that vanish mid-line, and a full spool that pauses a producer and resumes it.
#include "daemon/daemon_runner.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nv::test::ack_line;
using nv::test::daemon_dirs;
using nv::test::daemon_process;
using nv::test::number;
using nv::test::nvsim_process;
using nv::test::socket_producer;
using nv::test::wait_for_spool_imported;

namespace {

/// Returns the union of two sets of user IDs.
std::set<std::string> joined(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

/// Returns the names in done/ that end in ".rejects.ndjson".
std::vector<std::string> rejects_files(const daemon_dirs& dirs) {
  std::vector<std::string> names;
  if (!fs::exists(dirs.done())) return names;
  for (const auto& name : nv::test::names_in(dirs.done()))
    if (name.ends_with(".rejects.ndjson")) names.push_back(name);
  return names;
}

/// A producer program that connects to a Unix socket, sends a file's bytes, says "sent" and
/// then waits to be killed: the socket closes only because the process dies.
constexpr const char* doomed_producer = R"(
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
with open(sys.argv[2], 'rb') as data:
    s.sendall(data.read())
print('sent', flush=True)
time.sleep(600)
)";

}  // namespace

TEST_CASE("Unix and TCP producers get exact acks and every accepted user is stored once") {
  auto dirs = nv::test::make_daemon_dirs("ingest-acks");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  auto config = nv::test::write_config(dirs, "[ingest]\nseal_after_ms = 100\n");
  daemon_process daemon(sim, dirs,
                        nv::test::ingest_flags(dirs, config, {"--max-line-bytes", "1024"}));
  const auto ports = nv::test::wait_for_ports(daemon);
  INFO("daemon log:\n" << daemon.log());

  std::string text = nv::test::tagged_users("unix", 300);  // lines 1-300
  text += "[1,2]\n";                                       // 301: not an object
  text += "\n";                                            // 302: blank, not counted
  text += R"({"userId":"long","note":")" + std::string(1100, 'x') + "\"}\n";  // 303: too long
  text += R"({"userId":"bad-mobile","phone":"+0123"})"
          "\n";                                         // 304: spooled, refused later
  text += nv::test::tagged_user("unix", 300) + "\r\n";  // 305: CRLF
  text += nv::test::tagged_user("unix", 301);           // 306: ended by the half-close
  auto unix_producer = socket_producer::over_unix(nv::test::socket_path(dirs));
  REQUIRE(unix_producer.send(text));
  CHECK(unix_producer.finish() == ack_line(303, 2));

  auto tcp_producer = socket_producer::over_tcp(ports.tcp);
  REQUIRE(tcp_producer.send(nv::test::tagged_users("tcp", 200)));
  CHECK(tcp_producer.finish() == ack_line(200, 0));

  REQUIRE(wait_for_spool_imported(daemon, dirs, 502));
  const auto all = joined(nv::test::tagged_ids("unix", 302), nv::test::tagged_ids("tcp", 200));
  CHECK(nv::test::stored_ids(sim) == all);
  auto stats = nv::test::create_stats(sim);
  CHECK(number(stats, "users_received") == 502);
  CHECK(number(stats, "duplicates_received") == 0);
  CHECK(nv::test::segment_total(daemon.log(), "read") == 503);
  CHECK(nv::test::segment_total(daemon.log(), "delivered") == 502);
  CHECK(nv::test::segment_total(daemon.log(), "rejected") == 1);

  auto socket_rejects = nv::test::log_events(daemon.log(), "socket_line_rejected");
  REQUIRE(socket_rejects.size() == 2);
  CHECK(nv::test::log_field(socket_rejects[0], "line") == "301");
  CHECK(socket_rejects[0].find("not one JSON object") != std::string::npos);
  CHECK(nv::test::log_field(socket_rejects[1], "line") == "303");
  CHECK(socket_rejects[1].find("longer than 1024 bytes") != std::string::npos);

  // The record the socket took but validation refused is in done/ next to its segment's name.
  auto rejects = rejects_files(dirs);
  REQUIRE(rejects.size() == 1);
  CHECK(rejects[0].starts_with("segment-"));
  auto lines = nv::test::read_json_lines(dirs.done() / rejects[0]);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].at("code").as_string() == "bad_mobile");
  CHECK(nv::test::spool_segments(dirs).empty());
  CHECK(daemon.stop() == 0);
}

TEST_CASE("an acked record survives kill -9 right after the ack and is delivered after restart") {
  auto dirs = nv::test::make_daemon_dirs("ingest-kill");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  // Nothing is sealed for a minute: at the kill the acked lines exist only in the open segment.
  auto config = nv::test::write_config(dirs, "[ingest]\nseal_after_ms = 60000\n");
  {
    daemon_process daemon(sim, dirs, nv::test::ingest_flags(dirs, config));
    const auto ports = nv::test::wait_for_ports(daemon);
    INFO("killed daemon's log:\n" << daemon.log());
    auto unix_producer = socket_producer::over_unix(nv::test::socket_path(dirs));
    REQUIRE(unix_producer.send(nv::test::tagged_users("unix", 400)));
    auto tcp_producer = socket_producer::over_tcp(ports.tcp);
    REQUIRE(tcp_producer.send(nv::test::tagged_users("tcp", 250)));
    auto tcp_ack = tcp_producer.finish();
    auto unix_ack = unix_producer.finish();
    CHECK(daemon.stop(SIGKILL) == 128 + SIGKILL);
    CHECK(unix_ack == ack_line(400, 0));
    CHECK(tcp_ack == ack_line(250, 0));
  }
  CHECK(number(nv::test::create_stats(sim), "users_received") == 0);
  auto left = nv::test::spool_segments(dirs);
  REQUIRE(left.size() == 1);
  CHECK(left.begin()->ends_with(".open"));

  daemon_process daemon(sim, dirs, nv::test::ingest_flags(dirs, config));
  nv::test::wait_for_ports(daemon);
  INFO("restarted daemon's log:\n" << daemon.log());
  REQUIRE(wait_for_spool_imported(daemon, dirs, 650));
  CHECK(nv::test::stored_ids(sim) ==
        joined(nv::test::tagged_ids("unix", 400), nv::test::tagged_ids("tcp", 250)));
  CHECK(number(nv::test::create_stats(sim), "users_received") == 650);
  CHECK(nv::test::log_events(daemon.log(), "segment_done").size() == 1);
  CHECK(daemon.stop() == 0);
}

TEST_CASE("a producer killed mid-stream loses only its unterminated last line") {
  auto dirs = nv::test::make_daemon_dirs("ingest-vanish");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  auto config = nv::test::write_config(dirs, "[ingest]\nseal_after_ms = 100\n");
  daemon_process daemon(sim, dirs, nv::test::ingest_flags(dirs, config));
  const auto ports = nv::test::wait_for_ports(daemon);
  INFO("daemon log:\n" << daemon.log());
  const auto root = dirs.inbox.parent_path();
  // Each tail is a whole JSON object, only its newline is missing: still never acknowledged.
  auto spooled = [&] {
    return nv::test::scrape_metrics(ports.metrics, root)
        .value("nvimport_socket_lines_total", {{"outcome", "spooled"}});
  };

  // A process killed by SIGKILL: on a Unix socket the daemon sees a full close, not a half-close.
  nv::test::write_file(root / "unix-producer.ndjson",
                       nv::test::tagged_users("unix", 100) + R"({"userId":"unix-tail"})");
  {
    nv::test::child_process producer("/usr/bin/python3",
                                     {"-c", doomed_producer, nv::test::socket_path(dirs).string(),
                                      (root / "unix-producer.ndjson").string()});
    REQUIRE(producer.read_line(10s) == "sent");
    producer.send_signal(SIGKILL);
    CHECK(producer.wait(10s) == 128 + SIGKILL);
  }
  REQUIRE(daemon.wait_until([&] { return spooled() == 100; }, 10s));

  // A TCP producer whose connection is reset once the daemon has read all it sent.
  auto tcp_producer = socket_producer::over_tcp(ports.tcp);
  REQUIRE(tcp_producer.send(nv::test::tagged_users("tcp", 150) + R"({"userId":"tcp-tail"})"));
  REQUIRE(daemon.wait_until([&] { return spooled() == 250; }, 10s));
  tcp_producer.reset();

  REQUIRE(wait_for_spool_imported(daemon, dirs, 250));
  CHECK(nv::test::stored_ids(sim) ==
        joined(nv::test::tagged_ids("unix", 100), nv::test::tagged_ids("tcp", 150)));
  CHECK(number(nv::test::create_stats(sim), "users_received") == 250);
  CHECK(nv::test::segment_total(daemon.log(), "read") == 250);
  auto page = nv::test::scrape_metrics(ports.metrics, root);
  CHECK(page.value("nvimport_socket_lines_total", {{"outcome", "spooled"}}) == 250);
  CHECK(page.value("nvimport_socket_lines_total", {{"outcome", "rejected"}}) == 0);
  CHECK(page.value("nvimport_socket_producers") == 0);
  CHECK(nv::test::log_events(daemon.log(), "socket_line_rejected").empty());
  CHECK(rejects_files(dirs).empty());
  CHECK(daemon.stop() == 0);
}

TEST_CASE("a full spool pauses a producer, which resumes and gets its ack once segments import") {
  auto dirs = nv::test::make_daemon_dirs("ingest-full");
  // Slow answers and two connections: a 1 MiB segment takes about a second to import.
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--delay-ms", "30"});
  auto config = nv::test::write_config(
      dirs, "[ingest]\nspool_max_mb = 1\nsegment_mb = 1\nseal_after_ms = 100\n");
  daemon_process daemon(
      sim, dirs,
      nv::test::ingest_flags(dirs, config, {"--connections", "2", "--max-line-bytes", "65536"}));
  const auto ports = nv::test::wait_for_ports(daemon);
  INFO("daemon log:\n" << daemon.log());
  const auto root = dirs.inbox.parent_path();

  constexpr int users = 32'000;  // about 2 MiB: twice what the spool may hold
  const auto text = nv::test::tagged_users("full", users);
  REQUIRE(text.size() > (std::size_t{2} << 20) - (std::size_t{64} << 10));
  std::atomic<std::size_t> sent{0};
  std::optional<std::string> ack;
  auto producer = socket_producer::over_unix(nv::test::socket_path(dirs));
  std::thread writer([&] {
    for (std::size_t at = 0; at < text.size(); at += 16 << 10) {
      if (!producer.send(std::string_view(text).substr(at, 16 << 10))) return;
      sent = std::min(text.size(), at + (16 << 10));
    }
    ack = producer.finish(30s);
  });
  struct join_at_exit {
    std::thread& thread;
    ~join_at_exit() {
      if (thread.joinable()) thread.join();  // a failed REQUIRE left it running
    }
  } joiner{writer};

  // Paused: one producer waits for room, /healthz says why, and the stream is not all sent.
  nv::test::metrics_page paused;
  REQUIRE(daemon.wait_until(
      [&] {
        paused = nv::test::scrape_metrics(ports.metrics, root);
        return paused.value("nvimport_spool_waiting_producers") == 1;
      },
      20s));
  auto health = nv::test::get_metrics_page(ports.metrics, "/healthz");
  const auto sent_while_paused = sent.load();
  CHECK(sent_while_paused < text.size());
  CHECK(paused.value("nvimport_spool_bytes") <= double(1 << 20));
  CHECK(paused.value("nvimport_socket_producers") == 1);
  CHECK(health.status == 503);
  CHECK(health.body.starts_with("spool full"));

  REQUIRE(wait_for_spool_imported(daemon, dirs, users, 40s));
  writer.join();
  CHECK(sent == text.size());
  CHECK(ack == ack_line(users, 0));
  CHECK(nv::test::log_events(daemon.log(), "segment_done").size() >= 2);
  CHECK(nv::test::stored_ids(sim) == nv::test::tagged_ids("full", users));
  CHECK(number(nv::test::create_stats(sim), "users_received") == users);
  auto after = nv::test::scrape_metrics(ports.metrics, root);
  CHECK(after.value("nvimport_spool_waiting_producers") == 0);
  CHECK(after.value("nvimport_spool_bytes") == 0);
  auto healthy = nv::test::get_metrics_page(ports.metrics, "/healthz");
  CHECK(healthy.status == 200);
  CHECK(healthy.body == "ok\n");
  CHECK(daemon.stop() == 0);
}

TEST_CASE("with sockets open, SIGTERM drains and exits 0, idle or after data and a reload") {
  for (bool busy : {false, true}) {
    CAPTURE(busy);
    auto dirs = nv::test::make_daemon_dirs("ingest-sigterm");
    nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
    auto config = nv::test::write_config(dirs, "[ingest]\nseal_after_ms = 100\n");
    // Only the Unix socket: no metrics server or TCP acceptor to keep the io_context busy.
    daemon_process daemon(sim, dirs,
                          {"--socket", nv::test::socket_path(dirs).string(), "--spool-dir",
                           nv::test::spool_dir(dirs).string(), "--config", config.string()});
    REQUIRE(daemon.wait_for_event("started"));
    if (busy) {
      auto producer = socket_producer::over_unix(nv::test::socket_path(dirs));
      REQUIRE(producer.send(nv::test::tagged_users("term", 20)));
      CHECK(producer.finish() == ack_line(20, 0));
      daemon.send_signal(SIGHUP);
      REQUIRE(daemon.wait_for_event("reloaded"));
    }
    // The io_context had run out of work once the importer stopped; the sockets' stop that
    // follows then never ran and the daemon spun instead of exiting.
    CHECK(daemon.stop(SIGTERM, 10s) == 0);
    CHECK(nv::test::log_events(daemon.log(), "stopped").size() == 1);
  }
}

// Integration tests of `nvimport daemon` as a systemd service: the notify protocol observed on
// a datagram socket the test owns, and configuration errors that name file, line and key.
#include "daemon/daemon_runner.hpp"
#include "support/notify_socket.hpp"

#include <doctest/doctest.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nv::test::child_options;
using nv::test::child_process;
using nv::test::daemon_process;
using nv::test::nvsim_process;

namespace {

/// What the daemon told its notify socket, in order.
struct notifications {
  std::vector<std::string> messages;

  /// Returns how many messages equal `text`.
  std::size_t count(std::string_view text) const {
    return static_cast<std::size_t>(std::count(messages.begin(), messages.end(), text));
  }
  /// Returns how many messages start with `prefix`.
  std::size_t count_prefix(std::string_view prefix) const {
    return static_cast<std::size_t>(std::count_if(
        messages.begin(), messages.end(), [&](const auto& m) { return m.starts_with(prefix); }));
  }
};

/// Receives datagrams into `seen` until one equals `wanted`; returns whether it came in time.
bool receive_until(nv::test::notify_socket& socket, notifications& seen, std::string_view wanted,
                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto message = socket.receive(left);
    if (!message) return false;
    seen.messages.push_back(*message);
    if (*message == wanted) return true;
  }
}

/// Runs `nvimport daemon --config FILE` and returns its exit status and stderr.
std::pair<int, std::string> run_with_config(const fs::path& file) {
  child_process nvimport(NV_NVIMPORT_PATH, {"daemon", "--config", file.string()},
                         child_options{.env = {"NVIMPORT_API_KEY=test-key"}});
  auto status = nvimport.wait(20s).value_or(-1);
  return {status, nvimport.stderr_text()};
}

}  // namespace

TEST_CASE("the notify socket sees READY, live STATUS, WATCHDOG pings and STOPPING") {
  auto dirs = nv::test::make_daemon_dirs("daemon-notify");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  nv::test::notify_socket socket;
  daemon_process daemon(sim, dirs, {"--status-interval-s", "1"},
                        {"NOTIFY_SOCKET=" + socket.name(), "WATCHDOG_USEC=200000"});
  INFO("daemon log:\n" << daemon.log());
  notifications seen;
  auto first = socket.receive(20s);
  REQUIRE(first == "READY=1");
  seen.messages.push_back(*first);

  // The first status comes before any file could be taken.
  const std::string idle =
      "STATUS=waiting for files; files done 0, failed 0; records read 0, delivered 0, rejected 0";
  REQUIRE(receive_until(socket, seen, idle, 5s));
  nv::test::drop_file(dirs.inbox, "status.ndjson",
                      nv::test::tagged_users("status", 10) + "{not json\n");
  REQUIRE(daemon.wait_for_file(dirs.done() / "status.ndjson.report.json"));
  // The next status after the file ended counts it (rejects too).
  REQUIRE(receive_until(
      socket, seen,
      "STATUS=waiting for files; files done 1, failed 0; records read 11, delivered 10, rejected 1",
      5s));
  CHECK(seen.count("WATCHDOG=1") >= 2);

  daemon.send_signal(SIGTERM);
  REQUIRE(receive_until(socket, seen, "STOPPING=1", 10s));
  CHECK(daemon.wait_exit(20s) == 0);
  while (auto message = socket.receive(0ms)) seen.messages.push_back(*message);

  CAPTURE(fmt::format("{}", fmt::join(seen.messages, " | ")));
  CHECK(seen.count("READY=1") == 1);
  CHECK(seen.count("STOPPING=1") == 1);
  CHECK(seen.count_prefix("STATUS=") >= 2);
  for (const auto& message : seen.messages) {
    CHECK((message == "READY=1" || message == "WATCHDOG=1" || message == "STOPPING=1" ||
           message.starts_with("STATUS=")));
  }
}

TEST_CASE("a bad or unknown [daemon] value exits 2 naming file, line and key") {
  auto dir = nv::test::make_temp_dir("daemon-config");

  SUBCASE("a value out of range") {
    auto file = dir / "range.toml";
    nv::test::write_file(file, "[daemon]\nwatch_dir = \"/tmp/inbox\"\nsettle_ms = -5\n");
    auto [status, err] = run_with_config(file);
    CHECK(status == 2);
    CHECK(err == file.string() + ":3: [daemon] settle_ms: must be 0 to 3600000, got -5\n");
  }
  SUBCASE("a value of the wrong type") {
    auto file = dir / "type.toml";
    nv::test::write_file(file, "# service rhythm\n\n[daemon]\npoll_interval_ms = \"fast\"\n");
    auto [status, err] = run_with_config(file);
    CHECK(status == 2);
    CHECK(err.starts_with(file.string() + ":4: [daemon] poll_interval_ms: must be an integer"));
  }
  SUBCASE("an unknown key") {
    auto file = dir / "unknown.toml";
    nv::test::write_file(file, "[daemon]\nstate_dir = \"/tmp/state\"\nsettle_seconds = 5\n");
    auto [status, err] = run_with_config(file);
    CHECK(status == 2);
    CHECK(err == file.string() + ":3: [daemon] settle_seconds: unknown key\n");
  }
}

// Integration tests of `nvimport daemon` stopping in the middle of a file: kill -9 and a
// restart (every user at least once, resends within the in-flight bound), a SIGTERM drain
// (exit 0 in time, nothing sent twice), and a drain whose deadline passes (nothing lost).
#include "daemon/daemon_runner.hpp"
#include "support/notify_socket.hpp"

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nv::test::daemon_dirs;
using nv::test::daemon_process;
using nv::test::number;
using nv::test::nvsim_process;

namespace {

/// Users per request and pooled connections of every daemon here.
constexpr int max_batch = 100;
constexpr int connections = 2;
/// The most batches one run can have read but not settled: a batch in each worker (two per
/// connection) and a full queue (two per connection), as job_options() sizes them. After a
/// crash these are the batches sent again, so they bound the users nvsim receives twice.
constexpr int in_flight_users = (2 * connections + 2 * connections) * max_batch;

/// The flags every daemon of these tests gets, before the test's own.
std::vector<std::string> daemon_flags(std::vector<std::string> more) {
  std::vector<std::string> flags = {"--connections", std::to_string(connections), "--max-batch",
                                    std::to_string(max_batch)};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

/// Returns the number of checkpoint documents in the state directory.
std::size_t checkpoint_count(const daemon_dirs& dirs) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dirs.checkpoints()))
    n += entry.path().extension() == ".json";
  return n;
}

/// Returns how many users nvsim has received so far (resends included).
std::int64_t users_received(nvsim_process& sim) {
  return number(nv::test::create_stats(sim), "users_received");
}

/// Returns the number of lines below a report's resumed_from position (it names the next line).
std::int64_t lines_before_resume(const boost::json::object& report) {
  REQUIRE(report.at("resumed_from").is_object());
  const auto& at = report.at("resumed_from").as_object();
  CHECK(number(at, "offset") > 0);
  return number(at, "line") - 1;
}

/// Restarts the daemon on `dirs`, waits for `name` to be done and returns its report.
boost::json::object finish_after_restart(nvsim_process& sim, const daemon_dirs& dirs,
                                         const std::string& name, std::vector<std::string> flags) {
  daemon_process daemon(sim, dirs, daemon_flags(std::move(flags)));
  INFO("restarted daemon's log:\n" << daemon.log());
  REQUIRE(daemon.wait_for_file(dirs.done() / (name + ".report.json"), 60s));
  CHECK(daemon.stop() == 0);
  auto started = nv::test::log_events(daemon.log(), "file_started");
  REQUIRE(started.size() == 1);
  CHECK(nv::test::log_field(started[0], "file") == name);
  CHECK(nv::test::names_in(dirs.processing()).empty());
  CHECK(checkpoint_count(dirs) == 0);
  return nv::test::read_json_file(dirs.done() / (name + ".report.json"));
}

}  // namespace

TEST_CASE("after kill -9 mid-file a restart resumes: every user stored, resends within bound") {
  auto dirs = nv::test::make_daemon_dirs("daemon-kill");
  constexpr int users = 20'000;
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--delay-ms", "40..60"});
  {
    daemon_process daemon(sim, dirs, daemon_flags({"--checkpoint-interval-ms", "20"}));
    REQUIRE(daemon.wait_for_event("started"));
    nv::test::drop_file(dirs.inbox, "big.ndjson", nv::test::tagged_users("big", users));
    INFO("killed daemon's log:\n" << daemon.log());
    REQUIRE(daemon.wait_until(
        [&] { return checkpoint_count(dirs) == 1 && users_received(sim) >= 4000; }, 30s));
    CHECK(daemon.stop(SIGKILL) == 128 + SIGKILL);
    CHECK(nv::test::log_events(daemon.log(), "file_done").empty());
  }
  REQUIRE(fs::exists(dirs.processing() / "big.ndjson"));
  REQUIRE(checkpoint_count(dirs) == 1);
  const auto before_restart = users_received(sim);
  CHECK(before_restart < users);

  auto report = finish_after_restart(sim, dirs, "big.ndjson", {"--checkpoint-interval-ms", "20"});
  CHECK(report.at("outcome").as_string() == "done");
  const auto& records = report.at("records").as_object();
  const auto skipped = lines_before_resume(report);
  CHECK(number(records, "read") == users - skipped);
  CHECK(number(records, "delivered") == users - skipped);

  CHECK(nv::test::stored_ids(sim) == nv::test::tagged_ids("big", users));
  auto stats = nv::test::create_stats(sim);
  const auto duplicates = number(stats, "duplicates_received");
  CAPTURE(skipped);
  CAPTURE(before_restart);
  CHECK(number(stats, "users_received") == users + duplicates);
  // Resent: what the first run sent past its checkpoint, at most the batches in flight.
  CHECK(duplicates >= before_restart - skipped);
  CHECK(duplicates <= in_flight_users);
}

TEST_CASE("SIGTERM drains in time, pauses the file, and a restart sends nothing twice") {
  auto dirs = nv::test::make_daemon_dirs("daemon-drain");
  constexpr int users = 5000;
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--delay-ms", "200..250"});
  nv::test::notify_socket notify;
  {
    daemon_process daemon(sim, dirs, daemon_flags({"--drain-timeout-s", "10"}),
                          {"NOTIFY_SOCKET=" + notify.name()});
    REQUIRE(daemon.wait_for_event("started"));
    nv::test::drop_file(dirs.inbox, "drain.ndjson", nv::test::tagged_users("drain", users));
    INFO("drained daemon's log:\n" << daemon.log());
    REQUIRE(daemon.wait_until([&] { return users_received(sim) >= 400; }, 30s));
    const auto signalled = std::chrono::steady_clock::now();
    CHECK(daemon.stop(SIGTERM, 20s) == 0);
    CHECK(std::chrono::steady_clock::now() - signalled < 10s);
    CHECK(nv::test::log_events(daemon.log(), "stopping").size() == 1);
    CHECK(nv::test::log_events(daemon.log(), "drain_deadline").empty());
    auto paused = nv::test::log_events(daemon.log(), "file_paused");
    REQUIRE(paused.size() == 1);
    CHECK(nv::test::log_field(paused[0], "file") == "drain.ndjson");
    CHECK(nv::test::log_field(paused[0], "delivered") == std::to_string(users_received(sim)));
    CHECK(nv::test::log_events(daemon.log(), "file_done").empty());
  }
  int stopping = 0;
  while (auto message = notify.receive(0ms)) stopping += *message == "STOPPING=1";
  CHECK(stopping == 1);
  REQUIRE(fs::exists(dirs.processing() / "drain.ndjson"));
  REQUIRE(checkpoint_count(dirs) == 1);
  const auto before_restart = users_received(sim);
  CHECK(before_restart < users);

  auto report = finish_after_restart(sim, dirs, "drain.ndjson", {});
  // A drain delivers everything it read and checkpoints after it: the restart goes on exactly
  // where the first run's deliveries end.
  const auto skipped = lines_before_resume(report);
  CHECK(skipped == before_restart);
  CHECK(number(report.at("records").as_object(), "delivered") == users - skipped);
  CHECK(nv::test::stored_ids(sim) == nv::test::tagged_ids("drain", users));
  auto stats = nv::test::create_stats(sim);
  CHECK(number(stats, "users_received") == users);
  CHECK(number(stats, "duplicates_received") == 0);
}

TEST_CASE("a drain past its deadline exits 0 at once and a restart loses nothing") {
  auto dirs = nv::test::make_daemon_dirs("daemon-deadline");
  constexpr int users = 800;
  // Every answer takes longer than the whole drain may.
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--delay-ms", "1500"});
  {
    daemon_process daemon(sim, dirs, daemon_flags({"--drain-timeout-s", "1"}));
    REQUIRE(daemon.wait_for_event("started"));
    nv::test::drop_file(dirs.inbox, "late.ndjson", nv::test::tagged_users("late", users));
    INFO("daemon's log:\n" << daemon.log());
    REQUIRE(daemon.wait_until([&] { return users_received(sim) >= max_batch; }, 30s));
    const auto signalled = std::chrono::steady_clock::now();
    CHECK(daemon.stop(SIGTERM, 20s) == 0);
    const auto took = std::chrono::steady_clock::now() - signalled;
    CHECK(took >= 1s);
    CHECK(took < 3s);
    CHECK(nv::test::log_events(daemon.log(), "stopping").size() == 1);
    CHECK(nv::test::log_events(daemon.log(), "drain_deadline").size() == 1);
    CHECK(nv::test::log_events(daemon.log(), "file_done").empty());
  }
  REQUIRE(fs::exists(dirs.processing() / "late.ndjson"));

  auto report = finish_after_restart(sim, dirs, "late.ndjson", {});
  CHECK(report.at("outcome").as_string() == "done");
  CHECK(nv::test::stored_ids(sim) == nv::test::tagged_ids("late", users));
  auto stats = nv::test::create_stats(sim);
  const auto duplicates = number(stats, "duplicates_received");
  CHECK(number(stats, "users_received") == users + duplicates);
  CHECK(duplicates <= in_flight_users);
}

// Integration tests of `nvimport daemon` reloading its configuration on SIGHUP: a new rate, pool
// size and log level apply without a restart (seen in nvsim's request counts and the log), and a
// broken file is refused, named by file, line and key, while the old settings keep running.
#include "daemon/daemon_runner.hpp"

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nv::test::daemon_process;
using nv::test::number;
using nv::test::nvsim_process;

namespace {

using clock_type = std::chrono::steady_clock;

/// Returns the configuration of these tests with `rate` and `connections`, a margin that keeps
/// sending ahead of nvsim's window by latency jitter, and log `level`.
std::string config_text(std::string_view rate, int connections, std::string_view level) {
  return fmt::format(
      "[api]\nrate = \"{}\"\nrate_margin_ms = 100\nconnections = {}\n\n[log]\nlevel = \"{}\"\n",
      rate, connections, level);
}

/// Drops `users` users as `name` and returns how long the daemon took to report it done; the
/// log holds its file_done line then (the `done`th one), not only its report file.
clock_type::duration import_time(daemon_process& daemon, const nv::test::daemon_dirs& dirs,
                                 const std::string& name, int users, std::size_t done) {
  const auto started = clock_type::now();
  nv::test::drop_file(dirs.inbox, name, nv::test::tagged_users(name, users));
  REQUIRE(daemon.wait_for_file(dirs.done() / (name + ".report.json"), 30s));
  const auto took = clock_type::now() - started;
  REQUIRE(daemon.wait_for_event("file_done", done));
  return took;
}

}  // namespace

TEST_CASE("SIGHUP applies a new rate, pool size and log level, and refuses a broken file") {
  auto dirs = nv::test::make_daemon_dirs("reload");
  // nvsim allows the new rate: the old one is far below it, the new one must never exceed it.
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "50/1s"});
  auto config = nv::test::write_config(dirs, config_text("5/1s", 8, "info"));
  daemon_process daemon(sim, dirs, nv::test::rate_from_config{config}, {});
  INFO("daemon log:\n" << daemon.log());
  REQUIRE(daemon.wait_for_event("started"));

  // 8 batches at 5 per second: the sixth waits for the first to leave the window.
  const auto slow = import_time(daemon, dirs, "slow", 800, 1);
  CHECK(slow >= 1s);
  auto stats = nv::test::create_stats(sim);
  CHECK(number(stats, "requests") == 8);
  CHECK(number(stats, "max_in_window") <= 5);

  nv::test::write_config(dirs, config_text("50/1s", 4, "notice"));
  daemon.send_signal(SIGHUP);
  REQUIRE(daemon.wait_for_event("reloaded"));
  auto reloaded = nv::test::log_events(daemon.log(), "reloaded");
  CHECK(nv::test::log_field(reloaded[0], "config") == config.string());
  CHECK(nv::test::log_field(reloaded[0], "rate") == "50/1s");
  CHECK(nv::test::log_field(reloaded[0], "rate_changed") == "yes");
  CHECK(nv::test::log_field(reloaded[0], "connections") == "4");
  CHECK(nv::test::log_field(reloaded[0], "log_level") == "notice");

  // 40 batches: the old rate needs more than 7 s for them, the new one about one.
  const auto fast = import_time(daemon, dirs, "fast", 4000, 2);
  CHECK(fast < 5s);
  stats = nv::test::create_stats(sim);
  CHECK(number(stats, "requests") == 48);
  CHECK(number(stats, "max_in_window") > 5);
  CHECK(number(stats, "throttled") == 0);
  CHECK(number(stats, "users_received") == 4800);
  // At notice the info line of a file's start is no longer written; its end still is.
  CHECK(nv::test::log_events(daemon.log(), "file_started").size() == 1);
  CHECK(nv::test::log_events(daemon.log(), "file_done").size() == 2);

  // A bad value (and a lower rate next to it) is refused as a whole.
  nv::test::write_config(dirs, config_text("5/1s", 0, "info"));
  daemon.send_signal(SIGHUP);
  REQUIRE(daemon.wait_for_event("reload_refused"));
  auto refused = nv::test::log_events(daemon.log(), "reload_refused");
  REQUIRE(refused.size() == 1);
  const auto where = fmt::format("{}:4: [api] connections: ", config.string());
  CHECK(refused[0].find(where) != std::string::npos);
  CHECK(nv::test::log_events(daemon.log(), "reloaded").size() == 1);

  // Still running, at 50/1s and at notice: 30 batches would need over 5 s at 5/1s.
  const auto after = import_time(daemon, dirs, "after", 3000, 3);
  CHECK(after < 4s);
  CHECK(!daemon.exit_status());
  stats = nv::test::create_stats(sim);
  CHECK(number(stats, "requests") == 78);
  CHECK(number(stats, "throttled") == 0);
  CHECK(nv::test::log_events(daemon.log(), "file_started").size() == 1);
  CHECK(nv::test::stored_ids(sim).size() == 7800);
  CHECK(daemon.stop() == 0);
}

// Integration tests of `nvimport daemon` taking files from its watched directory: an atomic
// drop, a slow writer, compressed files, a truncated one, the order of files found at start,
// and the names it must leave alone. Exact counts everywhere, against nvsim over TLS.
#include "daemon/daemon_runner.hpp"
#include "support/shell_run.hpp"

#include <doctest/doctest.h>

#include <algorithm>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nv::test::daemon_dirs;
using nv::test::daemon_process;
using nv::test::number;
using nv::test::nvsim_process;

namespace {

/// Returns the names in the `file=` field of every file_started line, in order.
std::vector<std::string> started_files(const std::string& log) {
  std::vector<std::string> names;
  for (const auto& line : nv::test::log_events(log, "file_started"))
    names.push_back(nv::test::log_field(line, "file"));
  return names;
}

/// Checks that nothing is left behind in processing/ or the checkpoints after a file ended.
void check_nothing_in_flight(const daemon_dirs& dirs) {
  CHECK(nv::test::names_in(dirs.processing()).empty());
  CHECK(nv::test::names_in(dirs.checkpoints()).empty());
}

/// Stops the daemon with SIGTERM and checks it exits 0.
void stop_cleanly(daemon_process& daemon) {
  INFO("daemon log:\n" << daemon.log());
  CHECK(daemon.stop() == 0);
  CHECK(nv::test::log_events(daemon.log(), "stopped").size() == 1);
}

/// Compresses `plain` into `packed` with a command-line tool (`gzip -c` or `zstd -q -c`).
void compress(const std::string& tool, const fs::path& plain, const fs::path& packed) {
  auto run = nv::test::run_in(plain.parent_path().string(),
                              fmt::format("{} '{}' > '{}'", tool, plain.string(), packed.string()));
  INFO(run.err);
  REQUIRE(run.status == 0);
}

}  // namespace

TEST_CASE("a file dropped by an atomic rename is imported once with an exact report") {
  auto dirs = nv::test::make_daemon_dirs("daemon-drop");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  daemon_process daemon(sim, dirs, {});
  REQUIRE(daemon.wait_for_event("started"));

  std::string text = nv::test::tagged_users("drop", 250);
  text += R"({"userId":"bad-mobile","phone":"+0123"})"
          "\n";           // line 251
  text += "\n";           // line 252, blank
  text += "{not json\n";  // line 253
  nv::test::drop_file(dirs.inbox, "users.ndjson", text);
  REQUIRE(daemon.wait_for_file(dirs.done() / "users.ndjson.report.json"));
  REQUIRE(daemon.wait_for_event("file_done"));

  auto report = nv::test::read_json_file(dirs.done() / "users.ndjson.report.json");
  CHECK(report.at("file").as_string() == "users.ndjson");
  CHECK(report.at("path").as_string() == (dirs.done() / "users.ndjson").string());
  CHECK(report.at("outcome").as_string() == "done");
  CHECK(report.at("error").as_string() == "");
  CHECK(report.at("resumed_from").is_null());
  CHECK(report.at("records") == boost::json::object{{"read", 253},
                                                    {"blank", 1},
                                                    {"valid", 250},
                                                    {"delivered", 250},
                                                    {"rejected", 2},
                                                    {"not_sent", 0}});
  CHECK(report.at("rejects") == boost::json::object{{"bad_mobile", 1}, {"malformed_json", 1}});
  CHECK(report.at("rejects_file").as_string() ==
        (dirs.done() / "users.ndjson.rejects.ndjson").string());
  CHECK(report.at("requests") == boost::json::object{{"batches", 3},
                                                     {"sent", 3},
                                                     {"retries", 0},
                                                     {"throttled", 0},
                                                     {"bisections", 0},
                                                     {"queued", 0},
                                                     {"verifications", 0},
                                                     {"resends", 0}});
  CHECK(report.at("duration_s").to_number<double>() >= 0.0);

  auto rejects = nv::test::read_json_lines(dirs.done() / "users.ndjson.rejects.ndjson");
  REQUIRE(rejects.size() == 2);
  CHECK(number(rejects[0], "line") == 251);
  CHECK(rejects[0].at("code").as_string() == "bad_mobile");
  CHECK(number(rejects[1], "line") == 253);
  CHECK(rejects[1].at("code").as_string() == "malformed_json");

  CHECK(nv::test::stored_ids(sim) == nv::test::tagged_ids("drop", 250));
  auto stats = nv::test::create_stats(sim);
  CHECK(number(stats, "users_received") == 250);
  CHECK(number(stats, "requests") == 3);
  CHECK(nv::test::names_in(dirs.done()) == std::set<std::string>{"users.ndjson",
                                                                 "users.ndjson.report.json",
                                                                 "users.ndjson.rejects.ndjson"});
  CHECK(nv::test::names_in(dirs.inbox) == std::set<std::string>{"done", "failed", "processing"});
  check_nothing_in_flight(dirs);
  stop_cleanly(daemon);
  CHECK(started_files(daemon.log()) == std::vector<std::string>{"users.ndjson"});
  auto done = nv::test::log_events(daemon.log(), "file_done");
  REQUIRE(done.size() == 1);
  CHECK(nv::test::log_field(done[0], "delivered") == "250");
  CHECK(nv::test::log_field(done[0], "rejected") == "2");
}

TEST_CASE("a slow writer's file is taken only once closed, whole and once") {
  auto dirs = nv::test::make_daemon_dirs("daemon-slow-writer");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  // A minute of settle time: only the close event can release the file during the test.
  daemon_process daemon(sim, dirs, {"--settle-ms", "60000"});
  REQUIRE(daemon.wait_for_event("started"));

  std::ofstream writer(dirs.inbox / "slow.ndjson", std::ios::binary);
  for (int i = 0; i < 150; ++i) writer << nv::test::tagged_user("slow", i) << '\n';
  writer.flush();
  // A file dropped after the half-written one is scanned with it and taken: by the time its
  // report exists the daemon has looked at the open file and left it alone.
  nv::test::drop_file(dirs.inbox, "marker.ndjson", nv::test::tagged_users("marker", 10));
  REQUIRE(daemon.wait_for_file(dirs.done() / "marker.ndjson.report.json"));
  CHECK(fs::exists(dirs.inbox / "slow.ndjson"));
  CHECK(nv::test::names_in(dirs.processing()).empty());
  CHECK(started_files(daemon.log()) == std::vector<std::string>{"marker.ndjson"});

  for (int i = 150; i < 300; ++i) writer << nv::test::tagged_user("slow", i) << '\n';
  writer.close();
  REQUIRE(daemon.wait_for_file(dirs.done() / "slow.ndjson.report.json"));
  auto report = nv::test::read_json_file(dirs.done() / "slow.ndjson.report.json");
  CHECK(report.at("outcome").as_string() == "done");
  CHECK(number(report.at("records").as_object(), "read") == 300);
  CHECK(number(report.at("records").as_object(), "delivered") == 300);
  CHECK(report.at("rejects_file").is_null());

  auto expected = nv::test::tagged_ids("slow", 300);
  expected.merge(nv::test::tagged_ids("marker", 10));
  CHECK(nv::test::stored_ids(sim) == expected);
  CHECK(number(nv::test::create_stats(sim), "users_received") == 310);
  check_nothing_in_flight(dirs);
  stop_cleanly(daemon);
  CHECK(started_files(daemon.log()) == std::vector<std::string>{"marker.ndjson", "slow.ndjson"});
}

TEST_CASE("gzip and zstd files are read on the fly") {
  auto dirs = nv::test::make_daemon_dirs("daemon-compressed");
  auto scratch = dirs.inbox.parent_path() / "scratch";
  fs::create_directories(scratch);
  nv::test::write_file(scratch / "gz.ndjson", nv::test::tagged_users("gz", 400));
  nv::test::write_file(scratch / "zst.ndjson", nv::test::tagged_users("zst", 300));
  compress("gzip -c", scratch / "gz.ndjson", scratch / "gz.ndjson.gz");
  compress("zstd -q -c", scratch / "zst.ndjson", scratch / "zst.ndjson.zst");

  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  daemon_process daemon(sim, dirs, {});
  REQUIRE(daemon.wait_for_event("started"));
  for (std::string name : {"gz.ndjson.gz", "zst.ndjson.zst"})
    fs::rename(scratch / name, dirs.inbox / name);
  REQUIRE(daemon.wait_for_file(dirs.done() / "gz.ndjson.gz.report.json"));
  REQUIRE(daemon.wait_for_file(dirs.done() / "zst.ndjson.zst.report.json"));
  // The file_done line is written just after the report: wait for it, not only the file.
  REQUIRE(daemon.wait_for_event("file_done", 2));
  INFO("daemon log:\n" << daemon.log());

  for (auto [name, count] : {std::pair{"gz.ndjson.gz", 400}, std::pair{"zst.ndjson.zst", 300}}) {
    CAPTURE(name);
    auto report = nv::test::read_json_file(dirs.done() / (std::string(name) + ".report.json"));
    CHECK(report.at("outcome").as_string() == "done");
    CHECK(report.at("error").as_string() == "");
    CHECK(number(report.at("records").as_object(), "read") == count);
    CHECK(number(report.at("records").as_object(), "delivered") == count);
  }
  auto expected = nv::test::tagged_ids("gz", 400);
  expected.merge(nv::test::tagged_ids("zst", 300));
  CHECK(nv::test::stored_ids(sim) == expected);
  CHECK(nv::test::log_events(daemon.log(), "file_done").size() == 2);
  check_nothing_in_flight(dirs);
  stop_cleanly(daemon);
}

namespace {

/// What the daemon made of a gzip file cut in half.
struct truncated_run {
  boost::json::object report;       ///< failed/cut.ndjson.gz.report.json
  std::int64_t complete_lines = 0;  ///< whole lines before the cut (gzip -dc | wc -l)
  std::int64_t stored = 0;          ///< users nvsim stored
  daemon_dirs dirs;
};

/// Drops a gzip file of 2000 users cut to half its size and waits for it to end in failed/.
truncated_run import_truncated_gzip(const std::string& prefix) {
  truncated_run run;
  run.dirs = nv::test::make_daemon_dirs(prefix);
  auto scratch = run.dirs.inbox.parent_path() / "scratch";
  fs::create_directories(scratch);
  nv::test::write_file(scratch / "cut.ndjson", nv::test::tagged_users("cut", 2000));
  compress("gzip -c", scratch / "cut.ndjson", scratch / "cut.ndjson.gz");
  fs::resize_file(scratch / "cut.ndjson.gz", fs::file_size(scratch / "cut.ndjson.gz") / 2);
  auto count = nv::test::run_in(scratch.string(), "gzip -dc cut.ndjson.gz 2>/dev/null | wc -l");
  REQUIRE(count.status == 0);
  run.complete_lines = std::stoll(count.out);

  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  daemon_process daemon(sim, run.dirs, {});
  REQUIRE(daemon.wait_for_event("started"));
  fs::rename(scratch / "cut.ndjson.gz", run.dirs.inbox / "cut.ndjson.gz");
  REQUIRE(daemon.wait_for_file(run.dirs.failed() / "cut.ndjson.gz.report.json"));
  stop_cleanly(daemon);
  CHECK(nv::test::log_events(daemon.log(), "file_failed").size() == 1);
  CHECK(nv::test::log_events(daemon.log(), "file_done").empty());
  run.report = nv::test::read_json_file(run.dirs.failed() / "cut.ndjson.gz.report.json");
  run.stored = static_cast<std::int64_t>(nv::test::stored_ids(sim).size());
  return run;
}

}  // namespace

TEST_CASE("a truncated gzip file goes to failed/ with a report naming the file and the cut") {
  auto run = import_truncated_gzip("daemon-truncated");
  const auto& report = run.report;
  CHECK(report.at("outcome").as_string() == "failed");
  CHECK(report.at("path").as_string() == (run.dirs.failed() / "cut.ndjson.gz").string());
  std::string error(report.at("error").as_string());
  CHECK(error.find("cut.ndjson.gz") != std::string::npos);
  CHECK(error.find("truncated") != std::string::npos);
  const auto& records = report.at("records").as_object();
  CHECK(run.complete_lines > 0);
  CHECK(run.complete_lines < 2000);
  CHECK(number(records, "read") == run.complete_lines);
  CHECK(number(records, "valid") == run.complete_lines);
  CHECK(number(records, "rejected") == 0);
  CHECK(number(records, "delivered") == run.stored);
  CHECK(nv::test::names_in(run.dirs.done()).empty());
  check_nothing_in_flight(run.dirs);
}

// The partly filled batch read before the break is sent too, not lost without a count.
TEST_CASE("the users read before a truncation are delivered or counted as not sent") {
  auto run = import_truncated_gzip("daemon-truncated-counts");
  const auto& records = run.report.at("records").as_object();
  CHECK(number(records, "delivered") + number(records, "not_sent") == number(records, "valid"));
  CHECK(number(records, "delivered") == run.stored);
}

TEST_CASE("files already in the directory at start are taken oldest first") {
  auto dirs = nv::test::make_daemon_dirs("daemon-oldest-first");
  fs::create_directories(dirs.inbox);
  const auto now = fs::file_time_type::clock::now();
  // Names in another order than their ages, so neither name nor creation order can pass.
  const std::vector<std::pair<std::string, std::chrono::hours>> files = {
      {"a.ndjson", 1h}, {"b.ndjson", 3h}, {"c.ndjson", 2h}};
  for (const auto& [name, age] : files) {
    nv::test::write_file(dirs.inbox / name, nv::test::tagged_users(name.substr(0, 1), 20));
    fs::last_write_time(dirs.inbox / name, now - age);
  }

  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  daemon_process daemon(sim, dirs, {});
  REQUIRE(daemon.wait_for_event("file_done", 3));
  CHECK(started_files(daemon.log()) ==
        std::vector<std::string>{"b.ndjson", "c.ndjson", "a.ndjson"});
  CHECK(nv::test::stored_ids(sim).size() == 60);
  check_nothing_in_flight(dirs);
  stop_cleanly(daemon);
}

TEST_CASE("folders, dotfiles and a writer's .part and .tmp files are never claimed") {
  auto dirs = nv::test::make_daemon_dirs("daemon-ignored");
  fs::create_directories(dirs.inbox / "folder.ndjson");
  const std::vector<std::string> ignored = {".hidden.ndjson", "export.ndjson.part",
                                            "export.ndjson.tmp"};
  const auto long_ago = fs::file_time_type::clock::now() - 1h;
  for (const auto& name : ignored) {
    nv::test::write_file(dirs.inbox / name, nv::test::tagged_users("ignored", 5));
    fs::last_write_time(dirs.inbox / name, long_ago);  // settled long ago, were it an input
  }
  fs::last_write_time(dirs.inbox / "folder.ndjson", long_ago);

  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  // Short settle time: a name that counted as an input would be taken at the first scan.
  daemon_process daemon(sim, dirs, {"--settle-ms", "0"});
  REQUIRE(daemon.wait_for_event("started"));
  nv::test::drop_file(dirs.inbox, "marker.ndjson", nv::test::tagged_users("marker", 5));
  REQUIRE(daemon.wait_for_file(dirs.done() / "marker.ndjson.report.json"));
  stop_cleanly(daemon);

  CHECK(started_files(daemon.log()) == std::vector<std::string>{"marker.ndjson"});
  CHECK(nv::test::names_in(dirs.inbox) ==
        std::set<std::string>{".hidden.ndjson", "done", "export.ndjson.part", "export.ndjson.tmp",
                              "failed", "folder.ndjson", "processing"});
  CHECK(nv::test::names_in(dirs.failed()).empty());
  CHECK(nv::test::log_events(daemon.log(), "claim_failed").empty());
  CHECK(nv::test::stored_ids(sim) == nv::test::tagged_ids("marker", 5));
  check_nothing_in_flight(dirs);
}

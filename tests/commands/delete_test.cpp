// Integration tests of `nvimport delete` and `nvimport get` against nvsim: exact counts, and
// nvsim's store checked after.
#include "command_runner.hpp"

#include <set>
#include <thread>

using namespace nv::test;

TEST_CASE("delete: present, absent and malformed IDs, counted exactly; the store checked after") {
  auto dir = make_temp_dir("delete-exact");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  seed_users(sim, dir, "user", 50);
  {
    std::ofstream out(dir / "ids.txt");
    for (int i = 0; i < 30; ++i) out << fmt::format("user-{:04}\n", i);  // lines 1-30
    for (int i = 0; i < 5; ++i) out << fmt::format("ghost-{}\n", i);     // 31-35
    out << "\n";                                                         // 36 blank
    out << R"({"userID":5})"
        << "\n";  // 37
    out << R"({"userID":"user-0040")"
        << "\n";                                                        // 38
    out << std::string(101, 'x') << "\n";                               // 39
    for (int i = 30; i < 40; ++i) out << user_line("user", i) << "\n";  // 40-49
  }
  auto rejects = dir / "rejects.ndjson";
  auto r = run_nvimport(sim, "delete",
                        {"--yes", "--rejects", rejects.string(), (dir / "ids.txt").string()});
  CHECK_MESSAGE(r.status == 1, r.err);
  CHECK(summary_value(r.err, "lines read") == 49);
  CHECK(summary_value(r.err, "blank") == 1);
  CHECK(summary_value(r.err, "deleted") == 40);
  CHECK(summary_value(r.err, "not found") == 5);
  CHECK(summary_value(r.err, "malformed") == 3);
  CHECK(summary_value(r.err, "refused") == 0);
  CHECK(summary_value(r.err, "failed") == 0);
  CHECK(summary_value(r.err, "requests") == 45);
  CHECK(r.err.find("not found: ghost-3") != std::string::npos);
  auto users = stored_users(sim);
  CHECK(users.size() == 10);
  for (int i = 40; i < 50; ++i) CHECK(users.count(fmt::format("user-{:04}", i)) == 1);
  auto lines = file_lines(rejects);
  REQUIRE(lines.size() == 3);
  std::vector<std::string> codes;
  for (auto& line : lines) {
    auto v = boost::json::parse(line);
    codes.emplace_back(v.at("code").as_string());
  }
  CHECK(codes == std::vector<std::string>{"bad_user_id", "malformed_json", "user_id_too_long"});
  auto stats = sim.stats();
  CHECK(endpoint_stat(stats, delete_path, "requests") == 45);
  CHECK(endpoint_stat(stats, delete_path, "throttled") == 0);
}

TEST_CASE("delete: refuses without --yes off a terminal; --dry-run lists and sends nothing") {
  auto dir = make_temp_dir("delete-refuse");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  seed_users(sim, dir, "user", 3);
  auto ids = write_users(dir / "ids.ndjson", "user", 3);
  auto refused = run_nvimport(sim, "delete", {"--rejects", (dir / "r").string(), ids.string()});
  CHECK(refused.status == 2);
  CHECK(refused.err.find("refusing to delete 3 users without --yes") != std::string::npos);
  auto dry = run_nvimport(sim, "delete", {"--dry-run", ids.string()});
  CHECK(dry.status == 0);
  CHECK(dry.out == "user-0000\nuser-0001\nuser-0002\n");
  CHECK(stored_users(sim).size() == 3);
  auto stats = sim.stats();
  CHECK(endpoint_stat(stats, delete_path, "requests") == 0);
}

TEST_CASE("delete and create at the same time at a scaled limit: zero 429s on either") {
  auto dir = make_temp_dir("delete-create");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "20/1s"});
  seed_users(sim, dir, "old", 100, {"--rate", "20/1s"});
  auto fresh = write_users(dir / "new.ndjson", "new", 100);
  auto old_ids = write_users(dir / "old.ndjson", "old", 100);
  // 100 requests each at 20 a second: both commands run for seconds side by side. The importer
  // starts once 25 deletes arrived: at 20 a second that is more than one window after the
  // seeding request, which nvimport's create limiter cannot know about.
  auto deleter =
      start_nvimport(command_args(sim, "delete",
                                  {"--yes", "--rate", "20/1s", "--rejects",
                                   (dir / "delete-rejects").string(), old_ids.string()}));
  std::int64_t deletes_before_import = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;;) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    REQUIRE_FALSE(deleter->wait(10ms).has_value());
    auto progress = sim.stats();
    deletes_before_import = endpoint_stat(progress, delete_path, "requests");
    if (deletes_before_import >= 25) break;
  }
  auto importer = start_nvimport(
      command_args(sim, "import",
                   {"--rate", "20/1s", "--max-batch", "1", "--progress", "none", "--rejects",
                    (dir / "import-rejects").string(), fresh.string()}));
  // Reading stdout to its end also drains stderr, which wait() alone may not after an exit.
  importer->read_stdout_to_end(120s);
  deleter->read_stdout_to_end(120s);
  CHECK(importer->wait(120s).value_or(-1) == 0);
  CHECK(deleter->wait(120s).value_or(-1) == 0);
  CHECK(deletes_before_import < 100);
  CHECK(summary_value(deleter->stderr_text(), "deleted") == 100);
  auto stats = sim.stats();
  CHECK(endpoint_stat(stats, create_path, "requests") == 101);
  CHECK(endpoint_stat(stats, delete_path, "requests") == 100);
  CHECK(endpoint_stat(stats, create_path, "throttled") == 0);
  CHECK(endpoint_stat(stats, delete_path, "throttled") == 0);
  CHECK(endpoint_stat(stats, create_path, "max_in_window") <= 20);
  CHECK(endpoint_stat(stats, delete_path, "max_in_window") <= 20);
  auto users = stored_users(sim);
  CHECK(users.size() == 100);
  CHECK(users.begin()->first == "new-0000");
}

TEST_CASE("delete: server errors are retried with backoff; every user ends deleted") {
  auto dir = make_temp_dir("delete-faults");
  auto ids = write_users(dir / "ids.ndjson", "user", 200);
  nvsim_process faulty(NV_NVSIM_PATH, {"--rate", "off", "--fail-5xx", "0.25", "--seed", "5"});
  // The seeding import retries its own 503s.
  seed_users(faulty, dir, "user", 200, {"--retry-base-ms", "5", "--retry-attempts", "30"});
  auto r =
      run_nvimport(faulty, "delete",
                   {"--yes", "--retry-base-ms", "5", "--retry-cap-ms", "50", "--retry-attempts",
                    "30", "--rejects", (dir / "rejects").string(), ids.string()});
  CHECK_MESSAGE(r.status == 0, r.err);
  CHECK(summary_value(r.err, "deleted") == 200);
  CHECK(summary_value(r.err, "not found") == 0);
  CHECK(summary_value(r.err, "retries") > 0);
  CHECK(stored_users(faulty).empty());
  auto stats = faulty.stats();
  auto answers = stats.at("endpoints").at(delete_path).at("answers").as_object();
  CHECK(answers.at("503").to_number<int>() > 0);
  CHECK(answers.at("200").to_number<int>() == 200);
  CHECK(summary_value(r.err, "requests") == endpoint_stat(stats, delete_path, "requests"));
}

TEST_CASE("delete: a 404 on the retry of an attempt whose answer was lost counts as deleted") {
  auto dir = make_temp_dir("delete-lost-answer");
  // nvsim deletes first and answers after the delay; nvimport gives up reading after 1 s.
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--delay-ms", "0..1600", "--seed", "9"});
  seed_users(sim, dir, "user", 24, {"--timeout-s", "5"});
  auto ids = write_users(dir / "ids.ndjson", "user", 24);
  auto r = run_nvimport(sim, "delete",
                        {"--yes", "--timeout-s", "1", "--retry-base-ms", "5", "--retry-attempts",
                         "30", "--rejects", (dir / "rejects").string(), ids.string()});
  CHECK_MESSAGE(r.status == 0, r.err);
  CHECK(summary_value(r.err, "deleted") == 24);
  CHECK(summary_value(r.err, "not found") == 0);
  CHECK(stored_users(sim).empty());
  auto stats = sim.stats();
  auto answers = stats.at("endpoints").at(delete_path).at("answers").as_object();
  REQUIRE(answers.contains("404"));
  CHECK(r.err.find("found gone on a retry after a lost answer") != std::string::npos);
}

TEST_CASE("get: each profile as one JSON line; a missing user is a message and exit 1") {
  auto dir = make_temp_dir("get");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  seed_users(sim, dir, "user", 3);
  auto users = stored_users(sim);
  auto found = run_nvimport(sim, "get", {"user-0001", "user-0002"});
  CHECK(found.status == 0);
  for (auto& [id, user] : users) user.erase("brand");  // only /_sim/users names the brand
  CHECK(found.out == boost::json::serialize(users.at("user-0001")) + "\n" +
                         boost::json::serialize(users.at("user-0002")) + "\n");
  auto missing = run_nvimport(sim, "get", {"user-0000", "nobody"});
  CHECK(missing.status == 1);
  CHECK(missing.out == boost::json::serialize(users.at("user-0000")) + "\n");
  CHECK(missing.err.find("user \"nobody\" not found") != std::string::npos);
}

// Integration tests of `nvimport export` and `nvimport count` against nvsim: pages compared
// with nvsim's data, an interrupted export resumed, and a round trip into a fresh nvsim.
#include "command_runner.hpp"

#include <csignal>
#include <set>
#include <thread>

using namespace nv::test;

namespace {

/// Writes events: `buy` for users 0..n-1 on days spread over January 2024 (twice for even
/// users, so distinct users are counted), and `view` for every third user in February.
fs::path write_events(const fs::path& dir, int n) {
  auto path = dir / "events.ndjson";
  std::ofstream out(path);
  for (int i = 0; i < n; ++i) {
    out << fmt::format(R"({{"userID":"user-{:04}","event_name":"buy","date":"2024-01-{:02}"}})", i,
                       1 + i % 28)
        << '\n';
    if (i % 2 == 0)
      out << fmt::format(R"({{"userID":"user-{:04}","event_name":"buy","date":"2024-01-20"}})", i)
          << '\n';
    if (i % 3 == 0)
      out << fmt::format(R"({{"userID":"user-{:04}","event_name":"view","date":"2024-02-10"}})", i)
          << '\n';
  }
  return path;
}

/// Returns the users nvsim stores whose IDs are in `ids`, serialised as nvsim serves them.
std::vector<std::string> expected_lines(nvsim_process& sim, const std::vector<std::string>& ids) {
  auto users = stored_users(sim);
  std::vector<std::string> lines;
  for (auto& id : ids) {
    auto user = users.at(id);
    user.erase("brand");  // /_sim/users names the brand; the API's profiles do not
    lines.push_back(boost::json::serialize(user));
  }
  return lines;
}

std::vector<std::string> ids(int first, int last, int step = 1) {
  std::vector<std::string> out;
  for (int i = first; i < last; i += step) out.push_back(fmt::format("user-{:04}", i));
  return out;
}

std::vector<std::string> export_args(const fs::path& out, std::string event, std::string from,
                                     std::string to, int batch) {
  return {"--event", event,        "--from",       from,
          "--to",    to,           "--batch-size", std::to_string(batch),
          "-o",      out.string(), "--progress",   "none"};
}

}  // namespace

TEST_CASE("export: 0 results, one exact page, a partial last page and many pages") {
  auto dir = make_temp_dir("export-pages");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--events", write_events(dir, 250).string()});
  seed_users(sim, dir, "user", 250);
  struct scenario {
    std::string event, from, to;
    int batch;
    std::vector<std::string> ids;
    int pages;
  };
  // Days 1..28 cycle with i; day 20 also holds every even user.
  std::vector<std::string> day_one;
  for (int i = 0; i < 250; i += 28) day_one.push_back(fmt::format("user-{:04}", i));
  std::vector<scenario> scenarios = {
      {"nothing", "2024-01-01", "2024-12-31", 10, {}, 1},
      {"buy", "2024-01-01", "2024-01-01", 9, day_one, 1},
      {"buy", "2024-01-01", "2024-01-01", 4, day_one, 3},
      {"view", "2024-02-01", "2024-02-28", 7, ids(0, 250, 3), 12},
      {"buy", "2024-01-01", "2024-01-31", 10, ids(0, 250), 25},
  };
  for (auto& s : scenarios) {
    CAPTURE(s.event);
    CAPTURE(s.batch);
    auto out = dir / fmt::format("{}-{}.ndjson", s.event, s.batch);
    auto r = run_nvimport(sim, "export", export_args(out, s.event, s.from, s.to, s.batch));
    CHECK_MESSAGE(r.status == 0, r.err);
    CHECK(file_lines(out) == expected_lines(sim, s.ids));
    auto state = boost::json::parse(file_lines(fs::path(out.string() + ".export-state")).at(0));
    CHECK(state.at("done").as_bool());
    CHECK(state.at("pages").to_number<int>() == s.pages);
    CHECK(state.at("profiles").to_number<std::size_t>() == s.ids.size());
  }
  auto stats = sim.stats();
  CHECK(endpoint_stat(stats, profile_path, "requests") == 1 + 1 + 3 + 12 + 25);
}

TEST_CASE("export: killed after some pages, --resume ends with no duplicate and no gap") {
  auto dir = make_temp_dir("export-resume");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--delay-ms", "60", "--events",
                                    write_events(dir, 200).string()});
  seed_users(sim, dir, "user", 200);
  auto out = dir / "buy.ndjson";
  auto state_path = fs::path(out.string() + ".export-state");
  auto args = export_args(out, "buy", "2024-01-01", "2024-01-31", 5);
  auto child = start_nvimport(command_args(sim, "export", args));
  // Wait (bounded) until the state records a few completed pages, then kill without warning.
  int pages = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       pages < 4 && std::chrono::steady_clock::now() < deadline;) {
    CHECK_FALSE(child->wait(20ms).has_value());
    auto lines = file_lines(state_path);
    if (!lines.empty()) pages = boost::json::parse(lines[0]).at("pages").to_number<int>();
  }
  REQUIRE(pages >= 4);
  child->send_signal(SIGKILL);
  child->wait(10s);
  auto killed = boost::json::parse(file_lines(state_path).at(0));
  REQUIRE_FALSE(killed.at("done").as_bool());
  // A page written but not yet recorded looks like this: --resume must cut it off.
  std::ofstream(out, std::ios::app) << R"({"userID":"user-0005"})"
                                    << "\n";
  auto resumed = run_nvimport(sim, "export", [&] {
    auto a = args;
    a.push_back("--resume");
    return a;
  }());
  CHECK_MESSAGE(resumed.status == 0, resumed.err);
  auto lines = file_lines(out);
  CHECK(lines == expected_lines(sim, ids(0, 200)));
  CHECK(std::set<std::string>(lines.begin(), lines.end()).size() == 200);
  auto state = boost::json::parse(file_lines(state_path).at(0));
  CHECK(state.at("pages").to_number<int>() == 40);
  // Resuming a finished export fetches nothing more.
  auto before = sim.stats();
  auto again = run_nvimport(sim, "export", [&] {
    auto a = args;
    a.push_back("--resume");
    return a;
  }());
  CHECK(again.status == 0);
  auto after = sim.stats();
  CHECK(endpoint_stat(after, profile_path, "requests") ==
        endpoint_stat(before, profile_path, "requests"));
}

TEST_CASE("count matches nvsim's; bad date ranges are refused before any request") {
  auto dir = make_temp_dir("count");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--events", write_events(dir, 100).string()});
  auto count = [&](std::string event, std::string from, std::string to) {
    return run_nvimport(sim, "count", {"--event", event, "--from", from, "--to", to});
  };
  auto all = count("buy", "2024-01-01", "2024-01-31");
  CHECK(all.status == 0);
  CHECK(all.out == "100\n");
  // Day 20 holds users 19, 47, 75 (i % 28 == 19) and every even user: 50 + 3.
  CHECK(count("buy", "2024-01-20", "2024-01-20").out == "53\n");
  CHECK(count("view", "2024-01-01", "2024-12-31").out == "34\n");
  CHECK(count("none", "2024-01-01", "2024-12-31").out == "0\n");
  auto reversed = count("buy", "2024-02-01", "2024-01-01");
  CHECK(reversed.status == 2);
  CHECK(reversed.err.find("--from 2024-02-01 is after --to 2024-01-01") != std::string::npos);
  CHECK(count("buy", "2023-02-29", "2024-01-01").status == 2);
  auto bad_export = run_nvimport(
      sim, "export", export_args(dir / "x.ndjson", "buy", "2024-01-01", "2024-13-01", 10));
  CHECK(bad_export.status == 2);
  auto stats = sim.stats();
  CHECK(endpoint_stat(stats, count_path, "requests") == 4);
  CHECK(endpoint_stat(stats, profile_path, "requests") == 0);
}

TEST_CASE("round trip: export, import into a fresh nvsim, identical users; export feeds delete") {
  auto dir = make_temp_dir("round-trip");
  nvsim_process source(NV_NVSIM_PATH,
                       {"--rate", "off", "--events", write_events(dir, 120).string()});
  seed_users(source, dir, "user", 120);
  auto out = dir / "all.ndjson";
  auto r = run_nvimport(source, "export", export_args(out, "buy", "2024-01-01", "2024-01-31", 50));
  REQUIRE_MESSAGE(r.status == 0, r.err);
  nvsim_process fresh(NV_NVSIM_PATH, {"--rate", "off"});
  auto imported =
      run_nvimport(fresh, "import",
                   {"--progress", "none", "--rejects", (dir / "rejects").string(), out.string()});
  CHECK_MESSAGE(imported.status == 0, imported.err);
  CHECK(stored_users(fresh) == stored_users(source));
  auto deleted = run_nvimport(fresh, "delete",
                              {"--yes", "--rejects", (dir / "d-rejects").string(), out.string()});
  CHECK_MESSAGE(deleted.status == 0, deleted.err);
  CHECK(summary_value(deleted.err, "deleted") == 120);
  CHECK(stored_users(fresh).empty());
}

TEST_CASE("export under a scaled limit: zero 429s, and server errors retried without a gap") {
  auto dir = make_temp_dir("export-limit");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "10/1s", "--fail-5xx", "0.2", "--seed", "11",
                                    "--events", write_events(dir, 100).string()});
  seed_users(sim, dir, "user", 100,
             {"--rate", "10/1s", "--retry-base-ms", "5", "--retry-attempts", "30"});
  auto out = dir / "buy.ndjson";
  auto args = export_args(out, "buy", "2024-01-01", "2024-01-31", 4);
  for (std::string flag : {"--rate", "10/1s", "--retry-base-ms", "5", "--retry-attempts", "30"})
    args.push_back(flag);
  auto r = run_nvimport(sim, "export", args);
  CHECK_MESSAGE(r.status == 0, r.err);
  CHECK(file_lines(out) == expected_lines(sim, ids(0, 100)));
  auto stats = sim.stats();
  CHECK(endpoint_stat(stats, profile_path, "throttled") == 0);
  CHECK(endpoint_stat(stats, profile_path, "max_in_window") <= 10);
  auto answers = stats.at("endpoints").at(profile_path).at("answers").as_object();
  CHECK(answers.at("503").to_number<int>() > 0);
  CHECK(endpoint_stat(stats, profile_path, "requests") == 25 + answers.at("503").to_number<int>());
}

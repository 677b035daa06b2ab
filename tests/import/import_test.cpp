// Integration tests of `nvimport import` against nvsim over real TLS: exact counts everywhere.
#include "support/child_process.hpp"
#include "support/nvsim_process.hpp"

#include "nv/tls/self_signed.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nv::test::child_options;
using nv::test::child_process;
using nv::test::nvsim_process;

namespace {

/// A user line whose attributes the tests can predict.
std::string user_line(int i, std::string_view extra = "") {
  return fmt::format(
      R"({{"userId":"user-{:05}","email":"u{}@example.com","gender":"{}","phone":"+4479{:08}",)"
      R"("plan":"{}","score":{}{}}})",
      i, i, i % 2 ? "Female" : "male", i, i % 3 ? "gold" : "free", i, extra);
}

fs::path write_users(const fs::path& dir, int count, std::string_view name = "users.ndjson") {
  std::ofstream out(dir / name);
  for (int i = 0; i < count; ++i) out << user_line(i) << '\n';
  return dir / name;
}

/// What one nvimport run left: exit status, stderr, and the reject lines.
struct run_result {
  int status = -1;
  std::string err;
  std::vector<boost::json::value> rejects;
};

run_result run_import(nvsim_process& sim, const fs::path& dir, std::vector<std::string> args,
                      std::string key = "test-key", std::string_view stdin_text = {},
                      fs::path ca = {}) {
  std::vector<std::string> full = {"import",
                                   "--base-url",
                                   sim.base_url(),
                                   "--ca-file",
                                   (ca.empty() ? sim.ca_file() : ca).string(),
                                   "--rejects",
                                   (dir / "rejects.ndjson").string(),
                                   "--progress",
                                   "none"};
  full.insert(full.end(), args.begin(), args.end());
  child_options options{.env = {"NVIMPORT_API_KEY=" + key, "NVIMPORT_BRAND_ID=1"},
                        .pipe_stdin = !stdin_text.empty()};
  child_process nvimport(NV_NVIMPORT_PATH, full, options);
  if (!stdin_text.empty()) {
    nvimport.write_stdin(stdin_text);
    nvimport.close_stdin();
  }
  run_result r;
  r.status = nvimport.wait(120s).value_or(-1);
  r.err = nvimport.stderr_text();
  std::ifstream in(dir / "rejects.ndjson");
  for (std::string line; std::getline(in, line);) r.rejects.push_back(boost::json::parse(line));
  return r;
}

/// Returns stored users by userID.
std::map<std::string, boost::json::object> stored_users(nvsim_process& sim) {
  std::map<std::string, boost::json::object> users;
  for (auto& u : sim.users()) {
    auto& o = u.as_object();
    users[std::string(o.at("userID").as_string())] = o;
  }
  return users;
}

std::int64_t endpoint_stat(boost::json::value& stats, std::string_view path, std::string_view key) {
  return stats.at("endpoints").at(path).at(key).to_number<std::int64_t>();
}

/// Returns the number on the summary line that starts with `label` (after its indent).
std::int64_t summary_value(const std::string& err, std::string_view label) {
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, label.size(), label) != 0) continue;
    auto digits = line.find_last_not_of("0123456789");
    return std::stoll(line.substr(digits + 1));
  }
  FAIL("no summary line " << label << " in:\n" << err);
  return -1;
}

constexpr std::string_view create_path = "/api/v1/user/create";

}  // namespace

TEST_CASE("every valid user is stored exactly as normalised; rejects name line and reason") {
  auto dir = nv::test::make_temp_dir("import-exact");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  {
    std::ofstream out(dir / "users.ndjson");
    for (int i = 0; i < 250; ++i) out << user_line(i) << '\n';
    out << R"({"userId":"bad-mobile","phone":"+0123"})" << '\n';  // line 251
    out << '\n';                                                  // blank, line 252
    out << "{not json" << '\n';                                   // line 253
  }
  auto r = run_import(sim, dir, {(dir / "users.ndjson").string()});
  CHECK(r.status == 1);
  auto users = stored_users(sim);
  REQUIRE(users.size() == 250);
  auto& u7 = users.at("user-00007").at("user_attributes").as_object();
  CHECK(u7.at("email").as_string() == "u7@example.com");
  CHECK(u7.at("gender").as_string() == "female");
  CHECK(u7.at("mobile").as_string() == "+447900000007");
  CHECK(u7.at("plan").as_string() == "gold");
  CHECK(u7.at("score").to_number<int>() == 7);
  REQUIRE(r.rejects.size() == 2);
  CHECK(r.rejects[0].at("line").to_number<int>() == 251);
  CHECK(r.rejects[0].at("code").as_string() == "bad_mobile");
  CHECK(r.rejects[1].at("line").to_number<int>() == 253);
  CHECK(r.rejects[1].at("code").as_string() == "malformed_json");
  CHECK(summary_value(r.err, "delivered") == 250);
  CHECK(summary_value(r.err, "rejected") == 2);
  CHECK(summary_value(r.err, "blank") == 1);
  CHECK(summary_value(r.err, "lines read") == 253);
  auto stats = sim.stats();
  CHECK(endpoint_stat(stats, create_path, "requests") == 3);
  CHECK(endpoint_stat(stats, create_path, "users_received") == 250);
}

TEST_CASE("the limit is never exceeded: zero 429s at 50 per second, sliding and fixed") {
  for (std::string mode : {"sliding", "fixed"}) {
    CAPTURE(mode);
    auto dir = nv::test::make_temp_dir("import-rate-" + mode);
    nvsim_process sim(NV_NVSIM_PATH, {"--rate", "50/1s", "--rate-mode", mode});
    auto file = write_users(dir, 3000);
    // 10 users a request: 300 requests, six full windows.
    auto r = run_import(sim, dir, {"--rate", "50/1s", "--max-batch", "10", file.string()});
    CHECK(r.status == 0);
    auto stats = sim.stats();
    CHECK(endpoint_stat(stats, create_path, "requests") == 300);
    CHECK(endpoint_stat(stats, create_path, "throttled") == 0);
    CHECK(endpoint_stat(stats, create_path, "max_in_window") <= 50);
    CHECK(stored_users(sim).size() == 3000);
  }
}

TEST_CASE("server errors, dropped connections and delays lose nothing") {
  auto dir = nv::test::make_temp_dir("import-faults");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--fail-5xx", "0.10", "--drop", "0.05",
                                    "--delay-ms", "0..20", "--seed", "7"});
  auto file = write_users(dir, 4000);
  auto r = run_import(sim, dir,
                      {"--max-batch", "20", "--retry-base-ms", "5", "--retry-cap-ms", "50",
                       "--retry-attempts", "30", file.string()});
  CHECK(r.status == 0);
  CHECK(r.rejects.empty());
  CHECK(stored_users(sim).size() == 4000);
  CHECK(summary_value(r.err, "delivered") == 4000);
  CHECK(summary_value(r.err, "retries") > 0);
  auto stats = sim.stats();
  auto answers = stats.at("endpoints").at(create_path).at("answers").as_object();
  CHECK(answers.at("503").to_number<int>() > 0);
  CHECK(endpoint_stat(stats, create_path, "dropped") > 0);
}

TEST_CASE("a poisoned user is isolated by bisection and every other user delivered") {
  auto dir = nv::test::make_temp_dir("import-poison");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--reject-user", "^user-0(0042|0150)$"});
  auto file = write_users(dir, 300);
  auto r = run_import(sim, dir, {file.string()});
  CHECK(r.status == 1);
  CHECK(stored_users(sim).size() == 298);
  REQUIRE(r.rejects.size() == 2);
  std::set<int> lines;
  for (auto& reject : r.rejects) {
    CHECK(reject.at("code").as_string() == "server_rejected");
    CHECK(std::string_view(reject.at("reason").as_string()).find("user-0") !=
          std::string_view::npos);
    lines.insert(reject.at("line").to_number<int>());
  }
  CHECK(lines == std::set<int>{43, 151});
}

TEST_CASE("queued batches that the server lost are found by read-back and resent") {
  auto dir = nv::test::make_temp_dir("import-queued");
  nvsim_process sim(NV_NVSIM_PATH,
                    {"--rate", "off", "--queued", "1", "--lose-queued", "0.3", "--seed", "3"});
  auto file = write_users(dir, 2000);
  auto r = run_import(
      sim, dir,
      {"--max-batch", "50", "--verify-delay-ms", "20", "--max-resends", "20", file.string()});
  CHECK(r.status == 0);
  CHECK(r.rejects.empty());
  CHECK(stored_users(sim).size() == 2000);
  CHECK(summary_value(r.err, "resends") > 0);
  CHECK(summary_value(r.err, "verifications failed") == summary_value(r.err, "resends"));
}

TEST_CASE("a wrong CA fails with a clear TLS error and exit 2") {
  auto dir = nv::test::make_temp_dir("import-ca");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  auto other = nv::tls::write_ca(dir / "other", "another CA");
  auto file = write_users(dir, 10);
  auto r = run_import(sim, dir, {file.string()}, "test-key", {}, other.cert);
  CHECK(r.status == 2);
  CHECK(r.err.find("certificate verify failed") != std::string::npos);
  CHECK(summary_value(r.err, "not sent") == 10);
  CHECK(stored_users(sim).empty());
  // A certificate that does not verify stops the run: no retries.
  CHECK(summary_value(r.err, "retries") == 0);
}

TEST_CASE("a wrong key fails fast with exit 2 and never shows the key") {
  auto dir = nv::test::make_temp_dir("import-key");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  auto file = write_users(dir, 1000);
  auto r = run_import(sim, dir, {"--max-batch", "10", file.string()}, "wrong-secret-key");
  CHECK(r.status == 2);
  CHECK(r.err.find("refused the credentials") != std::string::npos);
  CHECK(r.err.find("wrong-secret-key") == std::string::npos);
  auto stats = sim.stats();
  // One request per worker at most before everyone stops: no retry storm.
  CHECK(endpoint_stat(stats, create_path, "requests") <= 16);
}

TEST_CASE("records arrive on standard input") {
  auto dir = nv::test::make_temp_dir("import-stdin");
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off"});
  std::string text;
  for (int i = 0; i < 120; ++i) text += user_line(i) + "\n";
  auto r = run_import(sim, dir, {"-"}, "test-key", text);
  CHECK(r.status == 0);
  CHECK(stored_users(sim).size() == 120);
}

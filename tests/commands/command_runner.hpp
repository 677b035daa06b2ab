// Shared helpers of the command tests: run nvimport against nvsim, seed users, read summaries.
#pragma once

#include "support/child_process.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace nv::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// What one nvimport run left: exit status, stdout and stderr.
struct command_result {
  int status = -1;
  std::string out;
  std::string err;
};

/// Returns `command` followed by the flags that point it at `sim`.
inline std::vector<std::string> command_args(nvsim_process& sim, std::string command,
                                             std::vector<std::string> args) {
  std::vector<std::string> full = {std::move(command), "--base-url", sim.base_url(), "--ca-file",
                                   sim.ca_file().string()};
  full.insert(full.end(), args.begin(), args.end());
  return full;
}

/// Starts nvimport with the test credentials.
inline std::unique_ptr<child_process> start_nvimport(std::vector<std::string> args,
                                                     bool pipe_stdin = false) {
  child_options options{.env = {"NVIMPORT_API_KEY=test-key", "NVIMPORT_BRAND_ID=1"},
                        .pipe_stdin = pipe_stdin};
  return std::make_unique<child_process>(NV_NVIMPORT_PATH, args, options);
}

/// Runs nvimport `command` against `sim` to its end.
inline command_result run_nvimport(nvsim_process& sim, std::string command,
                                   std::vector<std::string> args) {
  auto child = start_nvimport(command_args(sim, std::move(command), std::move(args)));
  command_result r;
  r.out = child->read_stdout_to_end(120s);
  r.status = child->wait(120s).value_or(-1);
  r.err = child->stderr_text();
  return r;
}

/// A user line whose attributes the tests can predict.
inline std::string user_line(std::string_view prefix, int i) {
  return fmt::format(R"({{"userId":"{}-{:04}","email":"u{}@example.com","plan":"{}","score":{}}})",
                     prefix, i, i, i % 3 ? "gold" : "free", i);
}

/// Writes `count` user lines to `path`.
inline fs::path write_users(const fs::path& path, std::string_view prefix, int count) {
  std::ofstream out(path);
  for (int i = 0; i < count; ++i) out << user_line(prefix, i) << '\n';
  return path;
}

/// Stores users in `sim` through `nvimport import` and checks they all arrived.
inline void seed_users(nvsim_process& sim, const fs::path& dir, std::string_view prefix, int count,
                       std::vector<std::string> extra = {}) {
  auto file = write_users(dir / fmt::format("seed-{}.ndjson", prefix), prefix, count);
  std::vector<std::string> args = {"--progress", "none", "--rejects",
                                   (dir / "seed-rejects.ndjson").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(file.string());
  auto r = run_nvimport(sim, "import", args);
  REQUIRE_MESSAGE(r.status == 0, r.err);
}

/// Returns stored users by userID.
inline std::map<std::string, boost::json::object> stored_users(nvsim_process& sim) {
  std::map<std::string, boost::json::object> users;
  for (auto& u : sim.users()) {
    auto& o = u.as_object();
    users[std::string(o.at("userID").as_string())] = o;
  }
  return users;
}

/// Returns one counter of an endpoint in nvsim's stats.
inline std::int64_t endpoint_stat(boost::json::value& stats, std::string_view path,
                                  std::string_view key) {
  return stats.at("endpoints").at(path).at(key).to_number<std::int64_t>();
}

/// Returns the number on the summary line that starts with `label` (after its indent).
inline std::int64_t summary_value(const std::string& err, std::string_view label) {
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) {
    auto start = line.find_first_not_of(' ');
    if (start == std::string::npos || line.compare(start, label.size(), label) != 0) continue;
    auto rest = line.substr(start + label.size());
    return std::stoll(rest);
  }
  FAIL("no summary line " << label << " in:\n" << err);
  return -1;
}

/// Returns the lines of a file.
inline std::vector<std::string> file_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline constexpr std::string_view create_path = "/api/v1/user/create";
inline constexpr std::string_view delete_path = "/api/v1/user/delete";
inline constexpr std::string_view profile_path = "/api/v1/user/profile";
inline constexpr std::string_view count_path = "/api/v1/user/count";
inline constexpr std::string_view user_data_path = "/api/v1/user/userData";

}  // namespace nv::test

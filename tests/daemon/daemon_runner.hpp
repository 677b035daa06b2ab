// Shared helpers of the daemon tests: `nvimport daemon` started against nvsim on a fresh inbox,
// waits with deadlines on its log lines and files, and the reports and stats it leaves.
#pragma once

#include "support/child_process.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace nv::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// The folders one daemon test works in.
struct daemon_dirs {
  fs::path inbox;  ///< --watch-dir
  fs::path state;  ///< --state-dir

  fs::path done() const { return inbox / "done"; }
  fs::path failed() const { return inbox / "failed"; }
  fs::path processing() const { return inbox / "processing"; }
  fs::path checkpoints() const { return state / "checkpoints"; }
};

/// Returns a fresh inbox and state directory under one new test directory.
inline daemon_dirs make_daemon_dirs(const std::string& prefix) {
  auto root = make_temp_dir(prefix);
  return {root / "inbox", root / "state"};
}

/// A user line of file `tag`: its userId is "<tag>-<i>", so every file's users are told apart.
inline std::string tagged_user(std::string_view tag, int i) {
  return fmt::format(R"({{"userId":"{}-{:05}","email":"u{}@example.com","plan":"{}"}})", tag, i, i,
                     i % 3 ? "gold" : "free");
}

/// Returns `count` user lines of file `tag`, each ending in a newline.
inline std::string tagged_users(std::string_view tag, int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += tagged_user(tag, i) + '\n';
  return text;
}

/// Writes `path` in one go (the daemon may see it only through a scan).
inline void write_file(const fs::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

/// Drops `content` into `dir` as `name` the way an exporter should: written as `name.tmp`,
/// then renamed, so the daemon never sees a partial file under the real name.
inline fs::path drop_file(const fs::path& dir, const std::string& name, std::string_view content) {
  auto temporary = dir / (name + ".tmp");
  write_file(temporary, content);
  fs::rename(temporary, dir / name);
  return dir / name;
}

/// Returns the names of the regular files and folders directly in `dir`, sorted.
inline std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

/// Returns the lines of a daemon's log whose event is `event`, in order.
inline std::vector<std::string> log_events(const std::string& log, std::string_view event) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  const auto tag = fmt::format(" event={}", event);
  for (std::string line; std::getline(in, line);) {
    auto at = line.find(tag);
    if (at == std::string::npos) continue;
    auto after = at + tag.size();
    if (after == line.size() || line[after] == ' ') lines.push_back(line);
  }
  return lines;
}

/// Returns the value of `key` in one log line (unquoted values only), or "" when absent.
inline std::string log_field(const std::string& line, std::string_view key) {
  const auto tag = fmt::format(" {}=", key);
  auto at = line.find(tag);
  if (at == std::string::npos) return {};
  auto start = at + tag.size();
  return line.substr(start, line.find(' ', start) - start);
}

/// Parses one JSON document from a file; fails the test when it cannot.
inline boost::json::object read_json_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code error;
  auto value = boost::json::parse(text.str(), error);
  INFO("file: " << path.string() << "\n" << text.str());
  REQUIRE(!error);
  REQUIRE(value.is_object());
  return value.as_object();
}

/// Returns the JSON lines of a rejects file.
inline std::vector<boost::json::object> read_json_lines(const fs::path& path) {
  std::vector<boost::json::object> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    lines.push_back(boost::json::parse(line).as_object());
  return lines;
}

/// Returns nvsim's counters of /api/v1/user/create.
inline boost::json::object create_stats(nvsim_process& sim) {
  return sim.stats().at("endpoints").at("/api/v1/user/create").as_object();
}

/// Returns a counter of a JSON object as an integer.
inline std::int64_t number(const boost::json::object& o, std::string_view key) {
  return o.at(key).to_number<std::int64_t>();
}

/// Returns the userIDs nvsim stored.
inline std::set<std::string> stored_ids(nvsim_process& sim) {
  std::set<std::string> ids;
  for (auto& user : sim.users()) ids.emplace(user.at("userID").as_string());
  return ids;
}

/// Returns the userIDs "<tag>-00000" … of `count` users.
inline std::set<std::string> tagged_ids(std::string_view tag, int count) {
  std::set<std::string> ids;
  for (int i = 0; i < count; ++i) ids.insert(fmt::format("{}-{:05}", tag, i));
  return ids;
}

/// A running `nvimport daemon` on `dirs`, pointed at `sim` with the test credentials. The
/// destructor kills it when the test did not stop it.
class daemon_process {
 public:
  /// Starts the daemon with the connection and folder flags plus `flags`; `env` entries are
  /// added to its environment. Does not wait for it to be ready (see wait_for_event).
  daemon_process(nvsim_process& sim, const daemon_dirs& dirs, std::vector<std::string> flags,
                 std::vector<std::string> env = {}) {
    std::vector<std::string> args = {"daemon",
                                     "--base-url",
                                     sim.base_url(),
                                     "--ca-file",
                                     sim.ca_file().string(),
                                     "--watch-dir",
                                     dirs.inbox.string(),
                                     "--state-dir",
                                     dirs.state.string(),
                                     "--rate",
                                     "100000/1s",
                                     "--rate-margin-ms",
                                     "0",
                                     "--poll-interval-ms",
                                     "50"};
    args.insert(args.end(), flags.begin(), flags.end());
    env.insert(env.end(), {"NVIMPORT_API_KEY=test-key", "NVIMPORT_BRAND_ID=1"});
    process_ = std::make_unique<child_process>(NV_NVIMPORT_PATH, args, child_options{.env = env});
  }

  /// Returns what the daemon logged so far.
  const std::string& log() const { return process_->stderr_text(); }

  /// Polls `holds` every 10 ms, draining the daemon's output meanwhile, until it is true, the
  /// daemon exited, or `timeout` passed; returns whether it became true.
  template <class Condition>
  bool wait_until(Condition holds, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (holds()) return true;
      if (exited_ || std::chrono::steady_clock::now() >= deadline) return false;
      if (auto status = process_->wait(10ms)) exited_ = status;
    }
  }

  /// Waits until the log holds `count` lines of `event`; returns whether it did in time.
  bool wait_for_event(std::string_view event, std::size_t count = 1,
                      std::chrono::milliseconds timeout = 20s) {
    return wait_until([&] { return log_events(log(), event).size() >= count; }, timeout);
  }

  /// Waits until `path` exists; returns whether it did in time.
  bool wait_for_file(const fs::path& path, std::chrono::milliseconds timeout = 20s) {
    return wait_until([&] { return fs::exists(path); }, timeout);
  }

  /// Sends `signal` (SIGTERM for a drain) and waits up to `timeout` for the exit; returns the
  /// exit status, or nothing when it still runs.
  std::optional<int> stop(int signal = SIGTERM, std::chrono::milliseconds timeout = 20s) {
    if (exited_) return exited_;
    process_->send_signal(signal);
    return wait_exit(timeout);
  }

  /// Sends `signal` and returns at once.
  void send_signal(int signal) { process_->send_signal(signal); }

  /// Waits up to `timeout` for the exit; returns the exit status, or nothing when it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    if (!exited_) exited_ = process_->wait(timeout);
    return exited_;
  }

  /// Returns the exit status once the daemon exited.
  const std::optional<int>& exit_status() const { return exited_; }

 private:
  std::unique_ptr<child_process> process_;
  std::optional<int> exited_;
};

}  // namespace nv::test

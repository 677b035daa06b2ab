// Shared helpers of the daemon tests: `nvimport daemon` started against nvsim on a fresh inbox,
// waits with deadlines on its log lines and files, and the reports and stats it leaves.
#pragma once

#include "support/child_process.hpp"
#include "support/https_test_client.hpp"
#include "support/nvsim_process.hpp"
#include "support/shell_run.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <boost/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
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

/// Names the configuration file a daemon takes its rate from (see daemon_process).
struct rate_from_config {
  fs::path file;
};

/// A running `nvimport daemon` on `dirs`, pointed at `sim` with the test credentials. The
/// destructor kills it when the test did not stop it.
class daemon_process {
 public:
  /// Starts the daemon with the connection and folder flags plus `flags`; `env` entries are
  /// added to its environment. Does not wait for it to be ready (see wait_for_event).
  daemon_process(nvsim_process& sim, const daemon_dirs& dirs, std::vector<std::string> flags,
                 std::vector<std::string> env = {}) {
    start(sim, dirs, {"--rate", "100000/1s", "--rate-margin-ms", "0"}, std::move(flags),
          std::move(env));
  }

  /// Starts the daemon like the constructor above, but with `--config` and without --rate and
  /// --rate-margin-ms: the file's [api] rate and margin apply, so a reload may change them.
  daemon_process(nvsim_process& sim, const daemon_dirs& dirs, const rate_from_config& config,
                 std::vector<std::string> flags, std::vector<std::string> env = {}) {
    start(sim, dirs, {"--config", config.file.string()}, std::move(flags), std::move(env));
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
  // Starts the daemon with the connection and folder flags, then `rate_flags` (where the rate
  // comes from, the one difference between the constructors), then the test's `flags`.
  void start(nvsim_process& sim, const daemon_dirs& dirs, std::vector<std::string> rate_flags,
             std::vector<std::string> flags, std::vector<std::string> env) {
    std::vector<std::string> args = {"daemon",
                                     "--base-url",
                                     sim.base_url(),
                                     "--ca-file",
                                     sim.ca_file().string(),
                                     "--watch-dir",
                                     dirs.inbox.string(),
                                     "--state-dir",
                                     dirs.state.string(),
                                     "--poll-interval-ms",
                                     "50"};
    args.insert(args.end(), rate_flags.begin(), rate_flags.end());
    args.insert(args.end(), flags.begin(), flags.end());
    env.insert(env.end(), {"NVIMPORT_API_KEY=test-key", "NVIMPORT_BRAND_ID=1"});
    process_ = std::make_unique<child_process>(NV_NVIMPORT_PATH, args, child_options{.env = env});
  }

  std::unique_ptr<child_process> process_;
  std::optional<int> exited_;
};

/// Returns the Unix socket producers of a daemon test connect to (next to its inbox).
inline fs::path socket_path(const daemon_dirs& dirs) {
  return dirs.inbox.parent_path() / "ingest.sock";
}

/// Returns the spool directory of a daemon test.
inline fs::path spool_dir(const daemon_dirs& dirs) {
  return dirs.inbox.parent_path() / "spool";
}

/// Writes `text` as the configuration file of a daemon test and returns its path.
inline fs::path write_config(const daemon_dirs& dirs, std::string_view text,
                             const std::string& name = "nvimport.toml") {
  auto path = dirs.inbox.parent_path() / name;
  write_file(path, text);
  return path;
}

/// Returns the flags that open the Unix socket, loopback TCP and /metrics on free ports and the
/// spool of `dirs`, with `--config config` when one is given, followed by `more`.
inline std::vector<std::string> ingest_flags(const daemon_dirs& dirs, const fs::path& config,
                                             std::vector<std::string> more = {}) {
  std::vector<std::string> flags = {"--socket",
                                    socket_path(dirs).string(),
                                    "--tcp",
                                    "127.0.0.1:0",
                                    "--spool-dir",
                                    spool_dir(dirs).string(),
                                    "--metrics-listen",
                                    "127.0.0.1:0"};
  if (!config.empty()) flags.insert(flags.end(), {"--config", config.string()});
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

/// The ports a daemon picked for its TCP producers and its /metrics.
struct daemon_ports {
  std::uint16_t tcp = 0;
  std::uint16_t metrics = 0;
};

/// Waits until the daemon logged ingest_listening, metrics_listening and started; returns the
/// ports they name. Fails the test when it does not in time.
inline daemon_ports wait_for_ports(daemon_process& daemon) {
  INFO("daemon log:\n" << daemon.log());
  REQUIRE(daemon.wait_for_event("started"));
  auto ingest = log_events(daemon.log(), "ingest_listening");
  auto metrics = log_events(daemon.log(), "metrics_listening");
  REQUIRE(ingest.size() == 1);
  REQUIRE(metrics.size() == 1);
  daemon_ports ports;
  ports.tcp = static_cast<std::uint16_t>(std::stoi(log_field(ingest[0], "tcp_port")));
  ports.metrics = static_cast<std::uint16_t>(std::stoi(log_field(metrics[0], "port")));
  REQUIRE(ports.tcp != 0);
  REQUIRE(ports.metrics != 0);
  return ports;
}

/// Returns the names of the spool's segment files (open and sealed).
inline std::set<std::string> spool_segments(const daemon_dirs& dirs) {
  std::set<std::string> names;
  for (const auto& name : names_in(spool_dir(dirs)))
    if (name.starts_with("segment-")) names.insert(name);
  return names;
}

/// Returns the sum of a numeric field over every segment_done line of a daemon's log.
inline std::int64_t segment_total(const std::string& log, std::string_view field) {
  std::int64_t sum = 0;
  for (const auto& line : log_events(log, "segment_done"))
    sum += std::stoll(log_field(line, field));
  return sum;
}

/// Waits until the spool's segments delivered `users` in all and none is left on disk.
inline bool wait_for_spool_imported(daemon_process& daemon, const daemon_dirs& dirs,
                                    std::int64_t users, std::chrono::milliseconds timeout = 30s) {
  return daemon.wait_until(
      [&] {
        return segment_total(daemon.log(), "delivered") >= users && spool_segments(dirs).empty();
      },
      timeout);
}

/// A producer streaming NDJSON into the daemon over a Unix or TCP socket. Blocking, but every
/// send and receive gives up after 30 s, so a stuck daemon fails a test instead of hanging it.
class socket_producer {
 public:
  /// Connects to the daemon's Unix socket. Fails the test when it cannot.
  static socket_producer over_unix(const fs::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof(address.sun_path));
    std::strcpy(address.sun_path, path.c_str());
    return socket_producer(AF_UNIX, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  }

  /// Connects to the daemon's TCP socket on 127.0.0.1:`port`. Fails the test when it cannot.
  static socket_producer over_tcp(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return socket_producer(AF_INET, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  }

  socket_producer(socket_producer&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  socket_producer& operator=(socket_producer&&) = delete;
  ~socket_producer() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Writes all of `data`; returns false when the connection failed or a write timed out.
  bool send(std::string_view data) {
    while (!data.empty()) {
      auto sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent < 0 && errno == EINTR) continue;
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }

  /// Half-closes the connection (shutdown SHUT_WR) and reads until the daemon closes it or
  /// `timeout` passes; returns the ack line without its newline, or nothing when none came.
  std::optional<std::string> finish(std::chrono::milliseconds timeout = 20s) {
    if (::shutdown(fd_, SHUT_WR) != 0) return std::nullopt;
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd readable{fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0)
        return std::nullopt;
      char chunk[256];
      auto got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      received.append(chunk, static_cast<std::size_t>(got));
    }
    if (!received.ends_with('\n')) return std::nullopt;
    received.pop_back();
    return received;
  }

  /// Closes the connection at once with SO_LINGER 0: TCP sends a reset, not an end of stream.
  void reset() {
    linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(std::exchange(fd_, -1));
  }

 private:
  socket_producer(int family, const sockaddr* address, socklen_t size)
      : fd_(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_ >= 0);
    timeval limit{30, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    INFO("connect: " << std::strerror(errno));
    REQUIRE(::connect(fd_, address, size) == 0);
  }

  int fd_ = -1;
};

/// Returns the ack line a producer expects for `accepted` and `rejected` lines.
inline std::string ack_line(int accepted, int rejected) {
  return fmt::format(R"({{"accepted":{},"rejected":{}}})", accepted, rejected);
}

/// Fetches `target` from the daemon's metrics server on 127.0.0.1:`port` over plain HTTP.
inline http_answer get_metrics_page(std::uint16_t port, std::string_view target) {
  https_test_client client("127.0.0.1", port, {});
  return client.get(target);
}

/// One sample of a /metrics page as Python's prometheus_client parser read it.
struct metric_sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

/// A /metrics page and its samples, as Python's prometheus_client parser read them.
struct metrics_page {
  std::string text;
  std::vector<metric_sample> samples;

  /// Returns the value of the sample `name` with exactly `labels`; fails the test when absent.
  double value(std::string_view name, const std::map<std::string, std::string>& labels = {}) const {
    for (const auto& s : samples)
      if (s.name == name && s.labels == labels) return s.value;
    INFO("metrics page:\n" << text);
    FAIL("no sample " << name << " with the labels asked for");
    return 0;
  }

  /// Returns the samples named `name`, each keyed by the value of its label `label`.
  std::map<std::string, double> by_label(std::string_view name, const std::string& label) const {
    std::map<std::string, double> values;
    for (const auto& s : samples)
      if (s.name == name && s.labels.contains(label)) values[s.labels.at(label)] = s.value;
    return values;
  }
};

/// Fetches /metrics from 127.0.0.1:`port` and parses it with Python's prometheus_client parser
/// (Debian's python3-prometheus-client, run by /usr/bin/python3) in `dir`; fails the test when
/// the page cannot be fetched or does not parse.
inline metrics_page scrape_metrics(std::uint16_t port, const fs::path& dir) {
  auto answer = get_metrics_page(port, "/metrics");
  INFO("GET /metrics: " << answer.error.message());
  REQUIRE(answer.status == 200);
  metrics_page page{answer.body, {}};
  write_file(dir / "metrics.txt", answer.body);
  write_file(dir / "parse_metrics.py",
             "import json, sys\n"
             "from prometheus_client.parser import text_string_to_metric_families\n"
             "for family in text_string_to_metric_families(sys.stdin.read()):\n"
             "    for s in family.samples:\n"
             "        print(json.dumps({'name': s.name, 'labels': s.labels, 'value': s.value}))\n");
  auto parsed = run_in(dir.string(), "/usr/bin/python3 parse_metrics.py < metrics.txt");
  INFO("metrics page:\n" << answer.body << "\nparser: " << parsed.err);
  REQUIRE(parsed.status == 0);
  std::istringstream lines(parsed.out);
  for (std::string line; std::getline(lines, line);) {
    auto sample = boost::json::parse(line).as_object();
    metric_sample s{std::string(sample.at("name").as_string()), {}, 0};
    for (const auto& [key, value] : sample.at("labels").as_object())
      s.labels[std::string(key)] = std::string(value.as_string());
    s.value = sample.at("value").to_number<double>();
    page.samples.push_back(std::move(s));
  }
  REQUIRE(!page.samples.empty());
  return page;
}

}  // namespace nv::test

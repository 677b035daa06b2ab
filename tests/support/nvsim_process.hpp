// nvsim started as a child process for integration tests: its own CA in a fresh directory, an
// ephemeral port on 127.0.0.1, helpers for its /_sim/ endpoints, and a stop that returns stats.
#pragma once

#include "support/child_process.hpp"
#include "support/https_test_client.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace nv::test {

/// What nvsim left behind when it stopped.
struct nvsim_exit {
  int status = -1;           ///< Exit status (0 after SIGTERM), 128 + signal when killed.
  boost::json::value stats;  ///< The stats JSON it printed on SIGTERM (null when none).
};

/// A running nvsim. The constructor returns once nvsim accepts connections; the destructor kills
/// it when stop() was not called. Not thread-safe.
class nvsim_process {
 public:
  /// Starts `nvsim_path` (pass NV_NVSIM_PATH) with `flags` plus --listen 127.0.0.1:0 and
  /// --self-signed into a fresh directory (unless `flags` contain --plain). Throws
  /// std::runtime_error when nvsim does not say "listening on" within 10 s.
  explicit nvsim_process(const std::string& nvsim_path, std::vector<std::string> flags = {});

  /// Returns the port nvsim listens on.
  std::uint16_t port() const { return port_; }
  /// Returns the CA certificate clients verify nvsim against (empty with --plain).
  const std::filesystem::path& ca_file() const { return ca_file_; }
  /// Returns the directory holding nvsim's certificates.
  const std::filesystem::path& dir() const { return dir_; }
  /// Returns "https://127.0.0.1:PORT" ("http://…" with --plain).
  std::string base_url() const;

  /// Returns a new client for nvsim (TLS verified against ca_file()).
  std::unique_ptr<https_test_client> client() const;

  /// Fetches GET /_sim/stats. Throws std::runtime_error when it fails.
  boost::json::value stats();
  /// Fetches GET /_sim/users: one JSON object per stored user. Throws on failure.
  std::vector<boost::json::value> users();
  /// Clears nvsim's store, limits and stats (POST /_sim/reset). Throws on failure.
  void reset();

  /// Sends SIGTERM and waits up to `timeout` for exit; returns the status and printed stats.
  nvsim_exit stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// Returns the child process (for signals or stderr).
  child_process& process() { return *process_; }

 private:
  https_test_client& control();

  std::filesystem::path dir_;
  std::filesystem::path ca_file_;
  bool plain_ = false;
  std::uint16_t port_ = 0;
  std::unique_ptr<child_process> process_;
  std::unique_ptr<https_test_client> control_;
};

/// Returns a fresh empty directory under NV_TEST_TMP_DIR whose name starts with `prefix`.
std::filesystem::path make_temp_dir(const std::string& prefix);

}  // namespace nv::test

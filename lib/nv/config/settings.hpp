// nvimport's configuration: every option with its default, read from one TOML file.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nv::config {

/// Every option of the configuration file; the defaults are those of `nvimport import`.
struct settings {
  /// [api]: where the API is and how to reach it.
  struct api_section {
    std::string base_url = "https://analytics.notifyvisitors.com";
    std::string ca_file;
    bool insecure = false;
    std::string brand_id;
    std::string api_key_file;
    std::string rate = "500/60s";
    std::int64_t rate_margin_ms = -1;
    std::size_t connections = 8;
    std::int64_t timeout_s = 30;
    friend bool operator==(const api_section&, const api_section&) = default;
  } api;
  /// [retry]: the bounds of retrying one request.
  struct retry_section {
    std::uint32_t attempts = 8;
    std::int64_t base_ms = 200;
    std::int64_t cap_ms = 30'000;
    std::int64_t max_age_s = 600;
    friend bool operator==(const retry_section&, const retry_section&) = default;
  } retry;
  /// [import]: batching, rejects and verification.
  struct import_section {
    std::size_t max_batch = 100;
    std::size_t max_line_bytes = std::size_t{1} << 20;
    std::string rejects = "nvimport.rejects.ndjson";
    bool verify_queued = true;
    std::int64_t verify_delay_ms = 2000;
    std::uint32_t max_resends = 3;
    friend bool operator==(const import_section&, const import_section&) = default;
  } import;
  /// [daemon]: the watched directory and the service's rhythm.
  struct daemon_section {
    std::string watch_dir = "/var/lib/nvimport/inbox";
    std::string state_dir = "/var/lib/nvimport/state";
    std::int64_t settle_ms = 5000;
    std::int64_t poll_interval_ms = 2000;
    std::int64_t checkpoint_interval_ms = 1000;
    std::int64_t status_interval_s = 5;
    std::int64_t drain_timeout_s = 30;
    friend bool operator==(const daemon_section&, const daemon_section&) = default;
  } daemon;
  /// [ingest]: producers streaming records over sockets, and the spool that keeps them.
  struct ingest_section {
    std::string socket;
    std::string socket_mode = "0660";
    std::string socket_group;
    std::string tcp;
    std::string spool_dir = "/var/lib/nvimport/spool";
    std::int64_t spool_max_mb = 1024;
    std::int64_t segment_mb = 64;
    std::int64_t seal_after_ms = 2000;
    std::int64_t idle_timeout_s = 60;
    friend bool operator==(const ingest_section&, const ingest_section&) = default;
  } ingest;
  /// [metrics]: the Prometheus endpoint and what makes /healthz fail.
  struct metrics_section {
    std::string listen;
    std::int64_t unreachable_after_s = 300;
    friend bool operator==(const metrics_section&, const metrics_section&) = default;
  } metrics;
  /// [log]: the least important level written.
  struct log_section {
    std::string level = "info";
    friend bool operator==(const log_section&, const log_section&) = default;
  } log;

  friend bool operator==(const settings&, const settings&) = default;
};

/// An IP address literal and a port, as in "127.0.0.1:9464" or "[::1]:9464".
struct ip_port {
  std::string address;
  std::uint16_t port = 0;
};

/// Parses "ADDRESS:PORT" with an IP literal; nothing when it is not one.
std::optional<ip_port> parse_ip_port(std::string_view text);

/// Parses an octal file mode such as "0660" (at most 0777); nothing when it is not one.
std::optional<unsigned> parse_file_mode(std::string_view text);

/// One option as documented: its table, key, one-line description and default as TOML text.
struct option_info {
  std::string_view section;
  std::string_view key;
  std::string_view description;
  std::string default_text;
};

/// Returns every option in file order with its default; a test holds config/nvimport.toml to it.
std::vector<option_info> options();

/// Why a configuration file was refused: "FILE:LINE: [section] key: reason" (or
/// "FILE:LINE:COLUMN: reason" for a syntax error).
struct config_error {
  std::string message;
};

/// Throws the error as std::runtime_error; lets boost::system::result::value() work.
[[noreturn]] void throw_exception_from_error(const config_error& error,
                                             const boost::source_location& where);

/// Reads and checks `path`; options it does not set keep their defaults. Errors: the file
/// cannot be read, TOML syntax, unknown table or key, wrong type, value out of range, bad rate
/// or log level.
boost::system::result<settings, config_error> load_file(const std::string& path);

/// Parses TOML `text` as if read from `name` (used in error messages); see load_file().
boost::system::result<settings, config_error> load_text(std::string_view text,
                                                        const std::string& name);

/// Returns `s` as a TOML document, one table per section, in options() order, with the comment
/// "# api_key: NOTE" after api_key_file; the key itself is never an input.
std::string to_toml(const settings& s, std::string_view api_key_note);

/// Where the API key was found.
enum class key_source { none, key_file, credential, environment };

/// The API key and where it came from; the secret is never printed (see describe()).
struct api_key {
  key_source source = key_source::none;
  std::string path;    ///< the file read, for key_file and credential
  std::string secret;  ///< never print
  /// Returns a description safe for output, e.g. "systemd credential /run/credentials/x/api_key".
  std::string describe() const;
};

/// Reads an environment variable; injectable for tests.
using env_lookup = std::function<const char*(const char*)>;

/// Returns the path of the key file to read, in order: `api_key_file` when given, else
/// $CREDENTIALS_DIRECTORY/api_key when that file exists; "" when the key comes from
/// NVIMPORT_API_KEY. `source` says which.
std::string locate_api_key(std::string_view api_key_file, const env_lookup& env,
                           key_source& source);

/// Finds and reads the API key: the api_key_file given, else the systemd credential
/// $CREDENTIALS_DIRECTORY/api_key, else NVIMPORT_API_KEY. Errors (never containing the key):
/// a file that cannot be read or is empty, no key anywhere.
boost::system::result<api_key, config_error> read_api_key(std::string_view api_key_file,
                                                          const env_lookup& env);

}  // namespace nv::config

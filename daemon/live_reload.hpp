// SIGHUP: read the configuration file again and apply what can change while running.
#pragma once

#include "api_session.hpp"
#include "ingest_service.hpp"
#include "job_settings.hpp"

#include "nv/config/settings.hpp"
#include "nv/log/logger.hpp"
#include "nv/watch/inbox_importer.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace nv::cli {

/// Applies a re-read configuration: the rate and its margin (every endpoint's limiter at once),
/// the pool size, the log level, batching, verification and retries (from the next file or
/// spool segment on; the one being imported keeps its own), and the sources: a new watched
/// directory (taken after the current file) and new sockets (rebound at once). Flags given on the
/// command line keep winning, as at start. A file that does not load is refused with its error and
/// nothing changes; settings that only a restart can change (where the API is, the credentials, the
/// directories, the sockets, the metrics address) are named in a warning and left as they are. Use
/// from the io_context's thread.
class live_reload {
 public:
  /// `job` is what the daemon runs with, `file` what its configuration file said (defaults
  /// when there was none); `sub` tells which flags were given.
  live_reload(const CLI::App& sub, job_settings job, config::settings file, api_session& session,
              watch::inbox_importer& importer, ingest_service* ingest, log::logger& logger);

  /// Reads `path` again and applies it; logs reloaded, reload_refused or reload_needs_restart.
  void apply(const std::string& path);

 private:
  bool apply_rate(const job_settings& next);
  std::vector<std::string> apply_sources(const config::settings& next,
                                         std::unique_ptr<watch::inbox> next_inbox);
  std::vector<std::string> restart_only_changes(const config::settings& next) const;

  const CLI::App& sub_;
  job_settings job_;
  config::settings file_;
  api_session& session_;
  watch::inbox_importer& importer_;
  ingest_service* ingest_;
  log::logger& log_;
  std::vector<std::unique_ptr<watch::inbox>> inboxes_;  // switched to; live until the end
};

}  // namespace nv::cli

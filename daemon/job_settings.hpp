// The options `nvimport import` and `nvimport daemon` share: where the API is, how records
// are batched, verified and retried, and the configuration file they may come from.
#pragma once

#include "api_session.hpp"

#include "nv/config/settings.hpp"
#include "nv/deliver/import_job.hpp"
#include "nv/log/logger.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace nv::cli {

/// The delivery options of a run, from flags and the configuration file.
struct job_settings {
  connection_settings connection;
  retry_settings retry;
  std::size_t max_batch = 100;
  std::size_t max_line_bytes = std::size_t{1} << 20;
  bool verify_queued = true;
  std::int64_t verify_delay_ms = 2000;
  std::uint32_t max_resends = 3;
  std::string config_file;
  log::level log_level = log::level::info;
};

/// Adds --config, the connection and retry flags, --max-batch, --max-line-bytes and the
/// queued-batch verification flags to `sub`.
void add_job_options(CLI::App* sub, job_settings& s);

/// Takes from the file every option of `s` the command line did not give: flags override it.
void apply_job_config(const config::settings& c, const CLI::App& sub, job_settings& s);

/// Returns the shape of an import run these settings describe.
deliver::import_options job_options(const job_settings& s);

/// Returns whether the flag `name` was not given on the command line of `sub`.
bool flag_unset(const CLI::App& sub, const char* name);

}  // namespace nv::cli

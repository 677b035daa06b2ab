// The sub-commands of nvimport: each registers its options on the CLI11 app and runs itself.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace nv::cli {

/// Exit statuses of DESIGN.md: everything delivered, some records rejected, could not run.
inline constexpr int exit_ok = 0;
inline constexpr int exit_rejects = 1;
inline constexpr int exit_cannot_run = 2;

/// A registered sub-command: its CLI11 node and what runs once the command line is parsed.
struct command {
  CLI::App* sub;
  std::function<int()> run;  ///< Returns the exit status.
};

/// Adds `nvimport validate` to `app`.
command add_validate_command(CLI::App& app);

/// Adds `nvimport import` to `app`.
command add_import_command(CLI::App& app);

/// Adds `nvimport delete` to `app`.
command add_delete_command(CLI::App& app);

/// Adds `nvimport get` to `app`.
command add_get_command(CLI::App& app);

/// Adds `nvimport count` to `app`.
command add_count_command(CLI::App& app);

/// Adds `nvimport export` to `app`.
command add_export_command(CLI::App& app);

/// Adds `nvimport daemon` to `app`.
command add_daemon_command(CLI::App& app);

/// Adds `nvimport check-config` to `app`.
command add_check_config_command(CLI::App& app);

}  // namespace nv::cli

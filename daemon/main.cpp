// nvimport's entry point: parses the command line and runs the chosen sub-command.
#include "commands.hpp"

#include <fmt/core.h>

#include <exception>
#include <vector>

int main(int argc, char** argv) {
  CLI::App app{"nvimport: bulk import of user records into the NotifyVisitors user API"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nvimport 0.1.0");

  std::vector<nv::cli::command> commands;
  commands.push_back(nv::cli::add_validate_command(app));
  commands.push_back(nv::cli::add_import_command(app));
  commands.push_back(nv::cli::add_delete_command(app));
  commands.push_back(nv::cli::add_get_command(app));
  commands.push_back(nv::cli::add_count_command(app));
  commands.push_back(nv::cli::add_export_command(app));
  commands.push_back(nv::cli::add_daemon_command(app));
  commands.push_back(nv::cli::add_check_config_command(app));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help and errors itself; a bad flag is "could not run".
    int status = app.exit(e);
    return status == 0 ? nv::cli::exit_ok : nv::cli::exit_cannot_run;
  }
  try {
    for (auto& command : commands) {
      if (command.sub->parsed()) return command.run();
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "nvimport: {}\n", e.what());
  }
  return nv::cli::exit_cannot_run;
}

// `nvimport validate`: reads, validates and batches records without sending anything.
#include "commands.hpp"

#include <fmt/core.h>

namespace nv::cli {

command add_validate_command(CLI::App& app) {
  auto* sub = app.add_subcommand("validate", "Validate and batch records; nothing is sent");
  return {sub, [] {
            fmt::print(stderr, "nvimport validate: the record pipeline is being built\n");
            return exit_cannot_run;
          }};
}

}  // namespace nv::cli

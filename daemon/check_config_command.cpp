// `nvimport check-config FILE`: validates a configuration file and prints what takes effect.
#include "commands.hpp"

#include "nv/config/settings.hpp"

#include <fmt/core.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace nv::cli {
namespace {

/// Says where the API key would come from, never the key: "*** (key file /etc/…)".
std::string key_note(const config::settings& s, std::string& error) {
  auto key =
      config::read_api_key(s.api.api_key_file, [](const char* name) { return std::getenv(name); });
  if (key) return fmt::format("*** ({})", key->describe());
  // No key at all is not a file error: the service may get it from its credential later.
  config::key_source source{};
  config::locate_api_key(
      s.api.api_key_file, [](const char* n) { return std::getenv(n); }, source);
  if (source != config::key_source::environment) error = key.error().message;
  return "none found (set api_key_file, a systemd credential api_key, or NVIMPORT_API_KEY)";
}

int run_check_config(const std::string& path) {
  auto loaded = config::load_file(path);
  if (!loaded) {
    fmt::print(stderr, "{}\n", loaded.error().message);
    return exit_cannot_run;
  }
  std::string error;
  auto note = key_note(*loaded, error);
  if (!error.empty()) {
    fmt::print(stderr, "{}: [api] api_key_file: {}\n", path, error);
    return exit_cannot_run;
  }
  fmt::print("# effective configuration of {}\n{}", path, config::to_toml(*loaded, note));
  return exit_ok;
}

}  // namespace

command add_check_config_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "check-config", "Validate a configuration file and print the effective configuration");
  auto path = std::make_shared<std::string>();
  sub->add_option("file", *path, "TOML configuration file")->required();
  return {sub, [path] { return run_check_config(*path); }};
}

}  // namespace nv::cli

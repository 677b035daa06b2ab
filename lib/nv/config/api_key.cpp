// Where the API key comes from: a named file, a systemd credential, or the environment.
#include "nv/config/settings.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <fstream>

namespace nv::config {
namespace {

/// Reads the first line of `path` without trailing whitespace; false when unreadable.
bool read_first_line(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::getline(in, out);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return true;
}

}  // namespace

std::string api_key::describe() const {
  switch (source) {
    case key_source::key_file:
      return fmt::format("key file {}", path);
    case key_source::credential:
      return fmt::format("systemd credential {}", path);
    case key_source::environment:
      return "environment NVIMPORT_API_KEY";
    case key_source::none:
      break;
  }
  return "none";
}

std::string locate_api_key(std::string_view api_key_file, const env_lookup& env,
                           key_source& source) {
  if (!api_key_file.empty()) {
    source = key_source::key_file;
    return std::string(api_key_file);
  }
  // systemd's LoadCredential= puts the key here, readable only by the service.
  if (const char* dir = env("CREDENTIALS_DIRECTORY"); dir && *dir) {
    auto path = (std::filesystem::path(dir) / "api_key").string();
    std::error_code error;
    if (std::filesystem::is_regular_file(path, error)) {
      source = key_source::credential;
      return path;
    }
  }
  source = key_source::environment;
  return {};
}

boost::system::result<api_key, config_error> read_api_key(std::string_view api_key_file,
                                                          const env_lookup& env) {
  api_key key;
  key.path = locate_api_key(api_key_file, env, key.source);
  if (key.source == key_source::environment) {
    const char* value = env("NVIMPORT_API_KEY");
    if (!value || !*value) {
      return config_error{
          "no API key: set api_key_file, a systemd credential api_key, or NVIMPORT_API_KEY"};
    }
    key.secret = value;
    return key;
  }
  if (!read_first_line(key.path, key.secret))
    return config_error{fmt::format("cannot read the API key from {}", key.describe())};
  if (key.secret.empty()) return config_error{fmt::format("{} is empty", key.describe())};
  return key;
}

}  // namespace nv::config

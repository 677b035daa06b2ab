// Reading credentials from the environment or a key file, and the headers they become.
#include "nv/api/credentials.hpp"

#include "nv/api/wire.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace nv::api {
namespace {

bool is_brand_id(std::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         text.find_first_not_of('0') != std::string_view::npos;
}

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  const auto first = std::find_if_not(
      text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
  text.erase(text.begin(), first);
  return text;
}

}  // namespace

void throw_exception_from_error(const credentials_error& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

boost::system::result<credentials, credentials_error> credentials::from_key(std::string api_key,
                                                                            std::string brand_id) {
  api_key = trimmed(std::move(api_key));
  brand_id = trimmed(std::move(brand_id));
  if (api_key.empty()) return credentials_error{"the API key is empty"};
  // A newline or control character inside would split or corrupt the header.
  if (std::any_of(api_key.begin(), api_key.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return credentials_error{"the API key contains a control character"};
  if (!is_brand_id(brand_id))
    return credentials_error{
        fmt::format("the brand id \"{}\" is not a positive integer", brand_id)};
  return credentials(std::move(api_key), std::move(brand_id), false);
}

boost::system::result<credentials, credentials_error> credentials::from_bearer(std::string token) {
  token = trimmed(std::move(token));
  if (token.empty()) return credentials_error{"the bearer token is empty"};
  if (std::any_of(token.begin(), token.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return credentials_error{"the bearer token contains a control character"};
  return credentials(std::move(token), "", true);
}

boost::system::result<credentials, credentials_error> credentials::from_environment(
    const env_lookup& lookup) {
  const char* key = lookup("NVIMPORT_API_KEY");
  const char* brand = lookup("NVIMPORT_BRAND_ID");
  if (key == nullptr || *key == '\0')
    return credentials_error{"NVIMPORT_API_KEY is not set (or use --api-key-file)"};
  if (brand == nullptr || *brand == '\0') return credentials_error{"NVIMPORT_BRAND_ID is not set"};
  return from_key(key, brand);
}

boost::system::result<credentials, credentials_error> credentials::from_key_file(
    const std::string& path, std::string brand_id) {
  std::ifstream file(path);
  if (!file) return credentials_error{fmt::format("cannot read the API key file \"{}\"", path)};
  std::string key;
  std::getline(file, key);
  auto made = from_key(std::move(key), std::move(brand_id));
  if (made.has_error() && made.error().message == "the API key is empty")
    return credentials_error{fmt::format("the API key file \"{}\" is empty", path)};
  return made;
}

std::vector<std::pair<std::string, std::string>> credentials::headers() const {
  if (bearer_) return {{"authorization", "Bearer " + secret_}};
  return {{std::string(wire::header_api_key), secret_},
          {std::string(wire::header_brand_id), brand_id_}};
}

std::string credentials::to_string() const {
  if (bearer_) return "bearer token ***";
  return fmt::format("api key *** for brand {}", brand_id_);
}

}  // namespace nv::api

// Parsing the API's base URL.
#include "nv/http/endpoint_url.hpp"

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <stdexcept>

namespace nv::http {
namespace {

url_error fail(std::string_view text, std::string_view why) {
  return {fmt::format("bad API URL \"{}\": {}", text, why)};
}

}  // namespace

std::string endpoint_url::host_header() const {
  const bool default_port = port == (tls ? 443 : 80);
  const bool v6 = host.find(':') != std::string::npos;
  const auto shown = v6 ? fmt::format("[{}]", host) : host;
  return default_port ? shown : fmt::format("{}:{}", shown, port);
}

std::string endpoint_url::authority() const {
  const bool v6 = host.find(':') != std::string::npos;
  return v6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

bool endpoint_url::host_is_ip() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

void throw_exception_from_error(const url_error& error, const boost::source_location&) {
  throw std::invalid_argument(error.message);
}

boost::system::result<endpoint_url, url_error> parse_endpoint_url(std::string_view text) {
  endpoint_url url;
  std::string_view rest = text;
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    url.tls = false;
    url.port = 80;
    rest.remove_prefix(7);
  } else {
    return fail(text, "the scheme must be https:// (or http:// for a plain test server)");
  }
  if (rest.find_first_of("?#@") != std::string_view::npos)
    return fail(text, "user info, query and fragment are not allowed");
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  url.base_path = path;

  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(text, "unclosed '[' in the host");
    url.host = authority.substr(1, close - 1);
    const auto after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return fail(text, "junk after ']'");
    if (!after.empty()) port_text = after.substr(1);
    if (after == ":") return fail(text, "empty port");
  } else {
    const auto colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return fail(text, "empty port");
    }
  }
  if (url.host.empty()) return fail(text, "no host");
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
      return fail(text, "the port must be a number from 1 to 65535");
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

}  // namespace nv::http

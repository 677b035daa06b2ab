// Reads nvimport's TOML configuration through one option table, so the file, its checks and
// check-config's output cannot drift apart.
#include "nv/config/settings.hpp"

#include "nv/http/endpoint_url.hpp"
#include "nv/limit/rate_spec.hpp"
#include "nv/log/logger.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <variant>

namespace nv::config {
namespace {

using field_ref = std::variant<std::string*, bool*, std::int64_t*, std::uint32_t*, std::size_t*>;

/// A value check beyond the type and the integer range.
enum class extra_check { none, url, rate, log_level, ip_port, file_mode };

struct option_spec {
  std::string_view section;
  std::string_view key;
  std::string_view description;
  field_ref (*field)(settings&);
  std::int64_t min = 0;  ///< integers only
  std::int64_t max = 0;
  extra_check extra = extra_check::none;
};

// clang-format off
const option_spec specs[] = {
  {"api", "base_url", "API base URL (https://, or http:// for a local test server)",
   [](settings& s) -> field_ref { return &s.api.base_url; }, 0, 0, extra_check::url},
  {"api", "ca_file", "trust this PEM CA file instead of the system store (\"\" = system store)",
   [](settings& s) -> field_ref { return &s.api.ca_file; }},
  {"api", "insecure", "skip TLS verification (warns on every start; tests only)",
   [](settings& s) -> field_ref { return &s.api.insecure; }},
  {"api", "brand_id", "brand id (\"\" = NVIMPORT_BRAND_ID)",
   [](settings& s) -> field_ref { return &s.api.brand_id; }},
  {"api", "api_key_file", "read the API key from this file (\"\" = $CREDENTIALS_DIRECTORY/api_key, then NVIMPORT_API_KEY)",
   [](settings& s) -> field_ref { return &s.api.api_key_file; }},
  {"api", "rate", "request budget per endpoint, N/W with W in ms, s, m or h (e.g. 500/60s, 50/1s)",
   [](settings& s) -> field_ref { return &s.api.rate; }, 0, 0, extra_check::rate},
  {"api", "rate_margin_ms", "extra spacing per window for clock differences, ms (-1: 0.2% of the window, 5 to 250); a request counts until W after its answer",
   [](settings& s) -> field_ref { return &s.api.rate_margin_ms; }, -1, 60'000},
  {"api", "connections", "pooled TLS connections",
   [](settings& s) -> field_ref { return &s.api.connections; }, 1, 256},
  {"api", "timeout_s", "write and read timeout per request, seconds",
   [](settings& s) -> field_ref { return &s.api.timeout_s; }, 1, 3600},
  {"retry", "attempts", "attempts per request on transient errors",
   [](settings& s) -> field_ref { return &s.retry.attempts; }, 1, 1000},
  {"retry", "base_ms", "backoff scale (full jitter), milliseconds",
   [](settings& s) -> field_ref { return &s.retry.base_ms; }, 1, 3'600'000},
  {"retry", "cap_ms", "longest single backoff, milliseconds",
   [](settings& s) -> field_ref { return &s.retry.cap_ms; }, 1, 3'600'000},
  {"retry", "max_age_s", "give a request up after this long, seconds",
   [](settings& s) -> field_ref { return &s.retry.max_age_s; }, 1, 604'800},
  {"import", "max_batch", "users per request",
   [](settings& s) -> field_ref { return &s.import.max_batch; }, 1, 100},
  {"import", "max_line_bytes", "reject longer lines, bytes",
   [](settings& s) -> field_ref { return &s.import.max_line_bytes; }, 64, std::int64_t{64} << 20},
  {"import", "rejects", "reject file (NDJSON, one line per rejected record)",
   [](settings& s) -> field_ref { return &s.import.rejects; }},
  {"import", "verify_queued", "read one user of each queued batch back and resend the batch when missing",
   [](settings& s) -> field_ref { return &s.import.verify_queued; }},
  {"import", "verify_delay_ms", "wait before the read-back, milliseconds",
   [](settings& s) -> field_ref { return &s.import.verify_delay_ms; }, 0, 600'000},
  {"import", "max_resends", "resends of a queued batch found missing",
   [](settings& s) -> field_ref { return &s.import.max_resends; }, 0, 100},
  {"daemon", "watch_dir", "directory whose NDJSON files are imported (processing/, done/, failed/ are made in it)",
   [](settings& s) -> field_ref { return &s.daemon.watch_dir; }},
  {"daemon", "state_dir", "directory of the checkpoints of files being imported",
   [](settings& s) -> field_ref { return &s.daemon.state_dir; }},
  {"daemon", "settle_ms", "take a file found by a scan once unchanged this long, milliseconds (closed or renamed-in files go at once)",
   [](settings& s) -> field_ref { return &s.daemon.settle_ms; }, 0, 3'600'000},
  {"daemon", "poll_interval_ms", "rescan the directory this often, milliseconds (inotify wakes it sooner)",
   [](settings& s) -> field_ref { return &s.daemon.poll_interval_ms; }, 10, 3'600'000},
  {"daemon", "checkpoint_interval_ms", "write a file's checkpoint at most this often, milliseconds",
   [](settings& s) -> field_ref { return &s.daemon.checkpoint_interval_ms; }, 10, 600'000},
  {"daemon", "status_interval_s", "report live counters (systemd STATUS=, a log line) this often, seconds",
   [](settings& s) -> field_ref { return &s.daemon.status_interval_s; }, 1, 3600},
  {"daemon", "drain_timeout_s", "on SIGTERM, deliver what was read within this long, seconds",
   [](settings& s) -> field_ref { return &s.daemon.drain_timeout_s; }, 0, 3600},
  {"ingest", "socket", "Unix socket producers stream NDJSON into (\"\" = none)",
   [](settings& s) -> field_ref { return &s.ingest.socket; }},
  {"ingest", "socket_mode", "the socket file's permissions, octal",
   [](settings& s) -> field_ref { return &s.ingest.socket_mode; }, 0, 0, extra_check::file_mode},
  {"ingest", "socket_group", "the socket file's group (\"\" = the service's)",
   [](settings& s) -> field_ref { return &s.ingest.socket_group; }},
  {"ingest", "tcp", "also accept producers on this loopback ADDRESS:PORT (\"\" = no)",
   [](settings& s) -> field_ref { return &s.ingest.tcp; }, 0, 0, extra_check::ip_port},
  {"ingest", "spool_dir", "where socket data is kept on disk until it is imported",
   [](settings& s) -> field_ref { return &s.ingest.spool_dir; }},
  {"ingest", "spool_max_mb", "disk the spool may use, MiB; when full, producers wait",
   [](settings& s) -> field_ref { return &s.ingest.spool_max_mb; }, 1, 1'048'576},
  {"ingest", "segment_mb", "spool segment size, MiB",
   [](settings& s) -> field_ref { return &s.ingest.segment_mb; }, 1, 4096},
  {"ingest", "seal_after_ms", "hand a segment to the importer this long after its first byte, milliseconds",
   [](settings& s) -> field_ref { return &s.ingest.seal_after_ms; }, 10, 3'600'000},
  {"ingest", "idle_timeout_s", "drop a producer silent this long, seconds",
   [](settings& s) -> field_ref { return &s.ingest.idle_timeout_s; }, 1, 86'400},
  {"metrics", "listen", "serve Prometheus /metrics and /healthz on this loopback ADDRESS:PORT (\"\" = no)",
   [](settings& s) -> field_ref { return &s.metrics.listen; }, 0, 0, extra_check::ip_port},
  {"metrics", "unreachable_after_s", "/healthz fails when the API has not answered for this long, seconds",
   [](settings& s) -> field_ref { return &s.metrics.unreachable_after_s; }, 1, 86'400},
  {"log", "level", "least important level written: error, warning, notice, info or debug",
   [](settings& s) -> field_ref { return &s.log.level; }, 0, 0, extra_check::log_level},
};
// clang-format on

const char* const sections[] = {"api", "retry", "import", "daemon", "ingest", "metrics", "log"};

/// Returns `text` as a TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned char>(c));
      continue;
    }
    out += c;
  }
  return out + '"';
}

std::string value_text(field_ref field) {
  return std::visit(
      [](auto* value) -> std::string {
        using type = std::remove_pointer_t<decltype(value)>;
        if constexpr (std::is_same_v<type, std::string>)
          return quoted(*value);
        else if constexpr (std::is_same_v<type, bool>)
          return *value ? "true" : "false";
        else
          return fmt::format("{}", *value);
      },
      field);
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

/// Where a message about `spec` starts: "FILE:LINE: [section] key: ".
struct locator {
  const std::string& name;
  std::string prefix(toml::source_position at, std::string_view section,
                     std::string_view key) const {
    auto where = fmt::format("{}:{}: [{}]", name, at.line, section);
    return key.empty() ? where + ": " : fmt::format("{} {}: ", where, key);
  }
};

std::string check_extra(const option_spec& spec, const std::string& text) {
  switch (spec.extra) {
    case extra_check::url:
      if (auto url = http::parse_endpoint_url(text); !url) return url.error().message;
      break;
    case extra_check::rate:
      if (auto rate = limit::parse_rate_spec(text); !rate) return rate.error().message;
      break;
    case extra_check::log_level: {
      log::level level{};
      if (!log::parse_level(text, level))
        return fmt::format("must be error, warning, notice, info or debug, got {}", quoted(text));
      break;
    }
    case extra_check::ip_port:
      if (!text.empty() && !parse_ip_port(text))
        return fmt::format("must be an IP ADDRESS:PORT such as 127.0.0.1:9464, got {}",
                           quoted(text));
      break;
    case extra_check::file_mode:
      if (!parse_file_mode(text))
        return fmt::format("must be an octal file mode such as \"0660\", got {}", quoted(text));
      break;
    case extra_check::none:
      break;
  }
  return {};
}

/// Stores `node` into the field of `spec`; returns the reason it is refused, or "".
std::string assign(const option_spec& spec, const toml::node& node, settings& s) {
  field_ref field = spec.field(s);
  auto wrong_type = [&](std::string_view wanted) {
    return fmt::format("must be {}, got {}", wanted, type_name(node));
  };
  if (auto* text = std::get_if<std::string*>(&field)) {
    if (!node.is_string()) return wrong_type("a string");
    auto value = *node.value<std::string>();
    if (auto why = check_extra(spec, value); !why.empty()) return why;
    **text = std::move(value);
    return {};
  }
  if (auto* flag = std::get_if<bool*>(&field)) {
    if (!node.is_boolean()) return wrong_type("a boolean (true or false)");
    **flag = *node.value<bool>();
    return {};
  }
  if (!node.is_integer()) return wrong_type("an integer");
  auto value = *node.value<std::int64_t>();
  if (value < spec.min || value > spec.max)
    return fmt::format("must be {} to {}, got {}", spec.min, spec.max, value);
  std::visit(
      [value](auto* target) {
        using type = std::remove_pointer_t<decltype(target)>;
        if constexpr (std::is_integral_v<type> && !std::is_same_v<type, bool>)
          *target = static_cast<type>(value);
      },
      field);
  return {};
}

const option_spec* find_spec(std::string_view section, std::string_view key) {
  for (const auto& spec : specs) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

bool known_section(std::string_view name) {
  for (const char* section : sections) {
    if (name == section) return true;
  }
  return false;
}

/// Applies one [section] table; returns the first error, or "".
std::string apply_section(const locator& at, std::string_view section, const toml::table& table,
                          settings& s) {
  for (auto&& [key, node] : table) {
    const auto* spec = find_spec(section, key.str());
    if (!spec) return at.prefix(key.source().begin, section, key.str()) + "unknown key";
    if (auto why = assign(*spec, node, s); !why.empty())
      return at.prefix(key.source().begin, section, key.str()) + why;
  }
  return {};
}

std::string apply(const locator& at, const toml::table& root, settings& s) {
  for (auto&& [key, node] : root) {
    auto line = key.source().begin;
    if (!known_section(key.str())) {
      return fmt::format("{}:{}: {}: unknown {}", at.name, line.line, key.str(),
                         node.is_table() ? "table" : "key (options belong in a table)");
    }
    if (!node.is_table()) return at.prefix(line, key.str(), "") + "must be a table";
    if (auto why = apply_section(at, key.str(), *node.as_table(), s); !why.empty()) return why;
  }
  return {};
}

}  // namespace

std::optional<ip_port> parse_ip_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return std::nullopt;
  auto host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto digits = text.substr(colon + 1);
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (error != std::errc{} || end != digits.data() + digits.size() || port > 65535)
    return std::nullopt;
  boost::system::error_code bad;
  auto address = boost::asio::ip::make_address(std::string(host), bad);
  if (bad) return std::nullopt;
  return ip_port{address.to_string(), static_cast<std::uint16_t>(port)};
}

std::optional<unsigned> parse_file_mode(std::string_view text) {
  unsigned mode = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || mode > 0777)
    return std::nullopt;
  return mode;
}

void throw_exception_from_error(const config_error& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

std::vector<option_info> options() {
  std::vector<option_info> out;
  settings defaults;
  for (const auto& spec : specs) {
    out.push_back({spec.section, spec.key, spec.description, value_text(spec.field(defaults))});
  }
  return out;
}

boost::system::result<settings, config_error> load_text(std::string_view text,
                                                        const std::string& name) {
  toml::table root;
  try {
    root = toml::parse(text, name);
  } catch (const toml::parse_error& e) {
    auto at = e.source().begin;
    return config_error{fmt::format("{}:{}:{}: {}", name, at.line, at.column, e.description())};
  }
  settings s;
  if (auto why = apply(locator{name}, root, s); !why.empty()) return config_error{why};
  return s;
}

boost::system::result<settings, config_error> load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) return config_error{fmt::format("{}: cannot read the file", path)};
  return load_text(text.str(), path);
}

std::string to_toml(const settings& s, std::string_view api_key_note) {
  settings copy = s;
  std::string out;
  std::string_view current;
  for (const auto& spec : specs) {
    if (spec.section != current) {
      out += fmt::format("{}[{}]\n", current.empty() ? "" : "\n", spec.section);
      current = spec.section;
    }
    out += fmt::format("{} = {}\n", spec.key, value_text(spec.field(copy)));
    if (spec.key == "api_key_file") out += fmt::format("# api_key: {}\n", api_key_note);
  }
  return out;
}

}  // namespace nv::config

// Parses nvsim's flags with CLI11 into nv::sim::options.
#include "sim/options.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <regex>

namespace nv::sim {
namespace {

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  auto count = parse_uint(text.substr(0, digits));
  if (!count) return std::nullopt;
  std::string_view unit = text.substr(digits);
  using namespace std::chrono;
  if (unit == "ms") return milliseconds(*count);
  if (unit == "s" || unit.empty()) return seconds(*count);
  if (unit == "m" || unit == "min") return minutes(*count);
  return std::nullopt;
}

// "A..B" or "A" in milliseconds.
bool parse_delay(const std::string& text, fault_options& faults) {
  auto dots = text.find("..");
  auto low = parse_uint(text.substr(0, dots));
  auto high = dots == std::string::npos ? low : parse_uint(text.substr(dots + 2));
  if (!low || !high || *low > *high) return false;
  faults.delay_min_ms = static_cast<std::uint32_t>(*low);
  faults.delay_max_ms = static_cast<std::uint32_t>(*high);
  return true;
}

// "ID=KEY" for an extra brand.
std::optional<brand_credentials> parse_brand(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) return std::nullopt;
  return brand_credentials{text.substr(0, eq), text.substr(eq + 1)};
}

bool parse_listen(const std::string& text, options& out) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  auto port = parse_uint(std::string_view(text).substr(colon + 1));
  if (!port || *port > 65535) return false;
  out.host = text.substr(0, colon);
  out.port = static_cast<std::uint16_t>(*port);
  return true;
}

void add_fault_flags(CLI::App& app, fault_options& f, std::string& delay) {
  auto probability = CLI::Range(0.0, 1.0);
  app.add_option("--fail-5xx", f.fail_5xx, "probability of a 503 answer")->check(probability);
  app.add_option("--drop", f.drop, "probability of closing without an answer")->check(probability);
  app.add_option("--queued", f.queued, "probability of answering queued")->check(probability);
  app.add_option("--lose-queued", f.lose_queued, "probability a queued batch is not stored")
      ->check(probability);
  app.add_option("--delay-ms", delay, "answer delay A..B milliseconds, uniform");
  app.add_option("--reject-user", f.reject_user, "userID regex a batch fails on with 400");
  app.add_option("--slow-accept", f.slow_accept_ms, "milliseconds to pause before each handshake")
      ->expected(0, 1)
      ->default_str("250");
  app.add_option("--seed", f.seed, "random seed for the faults (0: random)");
}

}  // namespace

std::optional<rate_limit> parse_rate(const std::string& text) {
  rate_limit out;
  if (text == "off" || text == "0") {
    out.requests = 0;
    return out;
  }
  auto slash = text.find('/');
  if (slash == std::string::npos) return std::nullopt;
  auto n = parse_uint(std::string_view(text).substr(0, slash));
  auto w = parse_duration(std::string_view(text).substr(slash + 1));
  if (!n || !w || w->count() <= 0 || *n > 1'000'000'000) return std::nullopt;
  out.requests = static_cast<std::uint32_t>(*n);
  out.window = *w;
  return out;
}

std::optional<options> parse_options(int argc, char** argv, int& exit_status) {
  CLI::App app{"nvsim: a local NotifyVisitors API server for tests and benchmarks"};
  options out;
  std::string listen = "127.0.0.1:0", rate = "500/60s", mode = "sliding", delay = "0";
  std::string api_key = "test-key", brand_id = "1";
  std::vector<std::string> extra_brands;
  app.add_option("--listen", listen, "HOST:PORT to listen on (port 0 picks one)");
  app.add_flag("--plain", out.plain, "HTTP without TLS");
  app.add_option("--tls-cert", out.tls_cert, "server certificate chain (PEM)");
  app.add_option("--tls-key", out.tls_key, "server private key (PEM)");
  app.add_option("--self-signed", out.self_signed_dir, "write a fresh CA and server cert here");
  app.add_option("--api-key", api_key, "x-api-key of the first brand");
  app.add_option("--brand-id", brand_id, "x-brand-id of the first brand");
  app.add_option("--brand", extra_brands, "another brand as ID=KEY (repeatable)");
  app.add_option("--events", out.events_file, "NDJSON events {userID,event_name,date}");
  app.add_option("--rate", rate, "N/W per endpoint per brand (e.g. 50/1s), or off");
  app.add_option("--rate-mode", mode, "sliding or fixed")
      ->check(CLI::IsMember({"sliding", "fixed"}));
  app.add_option("--io-timeout", out.io_timeout, "seconds allowed for each read or write");
  app.add_option("--threads", out.threads,
                 "threads serving connections (bodies parsed and checked in parallel)")
      ->check(CLI::Range(1u, 64u));
  add_fault_flags(app, out.faults, delay);
  try {
    app.parse(argc, argv);
    if (!parse_listen(listen, out)) throw CLI::ValidationError("--listen", "expected HOST:PORT");
    auto limit = parse_rate(rate);
    if (!limit) throw CLI::ValidationError("--rate", "expected N/W such as 500/60s, or off");
    out.rate = *limit;
    out.rate.mode = mode == "fixed" ? rate_mode::fixed : rate_mode::sliding;
    if (!parse_delay(delay, out.faults)) throw CLI::ValidationError("--delay-ms", "expected A..B");
    if (!out.plain && out.self_signed_dir.empty() && (out.tls_cert.empty() || out.tls_key.empty()))
      throw CLI::ValidationError("TLS",
                                 "give --tls-cert and --tls-key, --self-signed DIR or --plain");
    if (!out.faults.reject_user.empty()) std::regex check(out.faults.reject_user);
    out.brands.push_back({brand_id, api_key});
    for (const auto& text : extra_brands) {
      auto brand = parse_brand(text);
      if (!brand) throw CLI::ValidationError("--brand", "expected ID=KEY");
      out.brands.push_back(*brand);
    }
  } catch (const CLI::ParseError& e) {
    exit_status = app.exit(e);
    return std::nullopt;
  } catch (const std::regex_error& e) {
    exit_status = app.exit(CLI::ValidationError("--reject-user", e.what()));
    return std::nullopt;
  }
  return out;
}

}  // namespace nv::sim

// What every command that talks to the API shares: flags, credentials and the client's parts.
#include "api_session.hpp"

#include "nv/config/settings.hpp"

#include <fmt/core.h>
#include <unistd.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdlib>

namespace nv::cli {

namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

std::chrono::milliseconds rate_margin(const connection_settings& s, const limit::rate_spec& rate) {
  return s.rate_margin_ms < 0 ? limit::default_margin(rate)
                              : std::chrono::milliseconds(s.rate_margin_ms);
}

void add_connection_options(CLI::App* sub, connection_settings& s) {
  sub->add_option("--base-url", s.base_url, "API base URL")->capture_default_str();
  sub->add_option("--ca-file", s.ca_file, "Trust this PEM CA file instead of the system store");
  sub->add_flag("--insecure", s.insecure, "Skip TLS verification (warns on every start)");
  sub->add_option("--rate", s.rate, "Budget per endpoint, N/W (e.g. 500/60s, 50/1s)")
      ->capture_default_str();
  sub->add_option("--rate-margin-ms", s.rate_margin_ms,
                  "Extra spacing per window for clock differences (-1: 0.2% of the window, "
                  "5 to 250 ms); a request counts until W after its answer")
      ->check(CLI::Range(std::int64_t{-1}, std::int64_t{60'000}))
      ->capture_default_str();
  sub->add_option("--connections", s.connections, "Pooled TLS connections")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  sub->add_option("--brand-id", s.brand_id, "Brand id (else NVIMPORT_BRAND_ID)");
  sub->add_option("--api-key-file", s.api_key_file,
                  "Read the API key from this file (else $CREDENTIALS_DIRECTORY/api_key, then "
                  "NVIMPORT_API_KEY)");
  sub->add_option("--timeout-s", s.timeout_s, "Write and read timeout per request")
      ->capture_default_str();
}

deliver::backoff_policy retry_settings::policy() const {
  return {.base = std::chrono::milliseconds(base_ms),
          .cap = std::chrono::milliseconds(cap_ms),
          .max_attempts = attempts,
          .max_age = std::chrono::seconds(max_age_s)};
}

void add_event_query_options(CLI::App* sub, api::event_query& query) {
  sub->add_option("--event", query.event_name, "Event name")->required();
  sub->add_option("--from", query.start_date, "First day, YYYY-MM-DD")->required();
  sub->add_option("--to", query.end_date, "Last day, YYYY-MM-DD")->required();
}

void add_retry_options(CLI::App* sub, retry_settings& s) {
  sub->add_option("--retry-attempts", s.attempts, "Attempts per request on transient errors")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub->add_option("--retry-base-ms", s.base_ms, "Backoff scale")->capture_default_str();
  sub->add_option("--retry-cap-ms", s.cap_ms, "Longest single backoff")->capture_default_str();
  sub->add_option("--retry-max-age-s", s.max_age_s, "Give a request up after this long")
      ->capture_default_str();
}

boost::system::result<api::credentials, api::credentials_error> read_credentials(
    const connection_settings& s) {
  auto env = [](const char* name) { return std::getenv(name); };
  std::string brand = s.brand_id;
  if (brand.empty() && env("NVIMPORT_BRAND_ID")) brand = env("NVIMPORT_BRAND_ID");
  // A key file given, else the systemd credential $CREDENTIALS_DIRECTORY/api_key, else the
  // environment (DESIGN.md "Interfaces people touch").
  config::key_source source{};
  auto key_path = config::locate_api_key(s.api_key_file, env, source);
  if (source != config::key_source::environment)
    return api::credentials::from_key_file(key_path, brand);
  if (!s.brand_id.empty()) {
    const char* key = env("NVIMPORT_API_KEY");
    return api::credentials::from_key(key ? key : "", brand);
  }
  return api::credentials::from_environment(env);
}

std::unique_ptr<api_session> api_session::open(const connection_settings& s, log::logger& logger,
                                               std::string& error) {
  auto creds = read_credentials(s);
  if (!creds) return error = creds.error().message, nullptr;
  auto url = http::parse_endpoint_url(s.base_url);
  if (!url) return error = url.error().message, nullptr;
  auto rate = limit::parse_rate_spec(s.rate);
  if (!rate) return error = rate.error().message, nullptr;

  std::unique_ptr<api_session> session(new api_session());
  session->creds_.emplace(*creds);
  session->rate_ = *rate;
  if (url->tls) {
    session->tls_.emplace(http::tls_options{.ca_file = s.ca_file, .insecure = s.insecure});
    if (s.insecure) {
      logger.write(log::level::warning, "tls_insecure",
                   {{"message", std::string(http::tls_client_context::insecure_warning)}});
    }
  }
  http::pool_options pool_options{.size = s.connections};
  // A caller holds its connection while it waits for rate budget (client::call), so a wait for
  // a connection can last about a window: only far beyond that is the pool stuck.
  pool_options.acquire_timeout = std::max<std::chrono::milliseconds>(
      std::chrono::seconds(30), 2 * rate->window + 2 * std::chrono::seconds(s.timeout_s));
  pool_options.connection.url = *url;
  pool_options.connection.timeouts.read = std::chrono::seconds(s.timeout_s);
  pool_options.connection.timeouts.write = std::chrono::seconds(s.timeout_s);
  auto executor = session->io_.get_executor();
  const auto margin = rate_margin(s, *rate);
  session->pool_ = std::make_unique<http::connection_pool>(
      executor, session->tls_ ? &*session->tls_ : nullptr, pool_options);
  session->limiters_ = std::make_unique<api::endpoint_limiters>(
      api::endpoint_limiters::local(executor, *rate, margin));
  session->client_ =
      std::make_unique<api::client>(*session->pool_, *session->creds_, *session->limiters_);
  return session;
}

asio::awaitable<final_answer> call_until_final(attempt_function attempt, deliver::backoff& backoff,
                                               attempt_counters& counters) {
  const auto started = clock::now();
  bool may_have_arrived = false;
  for (std::uint32_t attempts = 1;; ++attempts) {
    // Named results, no braced temporary around co_await: GCC 12 destroys those twice.
    api::call_result sent = co_await attempt();
    final_answer answer;
    static_cast<api::call_result&>(answer) = std::move(sent);
    answer.earlier_may_have_arrived = may_have_arrived;
    ++counters.requests;
    auto age = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
    auto kind = answer.result.kind;
    if (kind == api::outcome_kind::throttled) {
      // The client paused the endpoint: waiting is the limiter's job, not a failure.
      ++counters.throttled;
      if (age >= backoff.policy().max_age) co_return answer;
      continue;
    }
    if (kind != api::outcome_kind::retry) co_return answer;
    // A certificate that does not verify will not verify on the next attempt either.
    if (answer.transport_error == http::error_kind::tls) co_return answer;
    // A failure after the request was written may hide an answer the server did send.
    may_have_arrived = may_have_arrived || (answer.request_sent && answer.transport_error);
    auto delay = backoff.next_delay(attempts, age);
    if (!delay) co_return answer;
    ++counters.retries;
    asio::steady_timer timer(co_await asio::this_coro::executor, *delay);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

bool is_unknown_user(const api::call_result& r) noexcept {
  return r.result.kind == api::outcome_kind::permanent && r.http_status == 404;
}

bool interactive() noexcept {
  return ::isatty(0) == 1 && ::isatty(2) == 1;
}

}  // namespace nv::cli

// What every command that talks to the API shares: the connection flags, credentials, TLS,
// the pool, the per-endpoint limiters, the client, and one io_context to run them on.
#pragma once

#include "nv/api/client.hpp"
#include "nv/api/credentials.hpp"
#include "nv/deliver/backoff.hpp"
#include "nv/http/connection_pool.hpp"
#include "nv/http/tls_client_context.hpp"
#include "nv/limit/rate_spec.hpp"
#include "nv/log/logger.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace nv::cli {

/// The flags that say where the API is and how to reach it.
struct connection_settings {
  std::string base_url = "https://analytics.notifyvisitors.com";
  std::string ca_file;
  bool insecure = false;
  std::string rate = "500/60s";
  std::int64_t rate_margin_ms = -1;  ///< -1: default_margin() of the rate
  std::size_t connections = 8;
  std::string brand_id;
  std::string api_key_file;
  std::int64_t timeout_s = 30;
};

/// Returns the limiter margin `s` asks for with `rate`: its rate_margin_ms, or
/// limit::default_margin() when that is -1.
std::chrono::milliseconds rate_margin(const connection_settings& s, const limit::rate_spec& rate);

/// Adds --base-url, --ca-file, --insecure, --rate, --rate-margin-ms, --connections,
/// --brand-id, --api-key-file and --timeout-s to `sub`, storing into `s`.
void add_connection_options(CLI::App* sub, connection_settings& s);

/// The bounds of retrying one request, as flags.
struct retry_settings {
  std::uint32_t attempts = 8;
  std::int64_t base_ms = 200;
  std::int64_t cap_ms = 30'000;
  std::int64_t max_age_s = 600;

  /// Returns the backoff policy these flags describe.
  deliver::backoff_policy policy() const;
};

/// Adds --retry-attempts, --retry-base-ms, --retry-cap-ms and --retry-max-age-s to `sub`.
void add_retry_options(CLI::App* sub, retry_settings& s);

/// Adds the required --event, --from and --to of count and export to `sub`.
void add_event_query_options(CLI::App* sub, api::event_query& query);

/// Reads the credentials: the key file with --brand-id (or NVIMPORT_BRAND_ID), else the
/// systemd credential $CREDENTIALS_DIRECTORY/api_key, else the environment. The key itself
/// never reaches a message.
boost::system::result<api::credentials, api::credentials_error> read_credentials(
    const connection_settings& s);

/// A ready API client with everything it runs on. Use from one thread.
class api_session {
 public:
  /// Checks credentials, URL and rate, then builds TLS, pool, limiters and client; logs the
  /// insecure warning. On a bad setting returns null and sets `error` to a one-line reason.
  static std::unique_ptr<api_session> open(const connection_settings& s, log::logger& logger,
                                           std::string& error);

  /// Returns the io_context everything runs on.
  boost::asio::io_context& io() { return io_; }
  /// Returns the typed client.
  api::client& client() { return *client_; }
  /// Returns the connection pool.
  http::connection_pool& pool() { return *pool_; }
  /// Returns the per-endpoint limiters.
  api::endpoint_limiters& limiters() { return *limiters_; }
  /// Returns the credentials (print with to_string(): the key is redacted).
  const api::credentials& credentials() const { return *creds_; }
  /// Returns the budget per endpoint.
  const limit::rate_spec& rate() const { return *rate_; }

  /// Runs `task` on the io_context until it ends (other work such as timers does not keep the
  /// loop alive past it) and returns its result; rethrows what escaped the task.
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    // An io_context that once ran out of work is stopped and would run nothing more (the
    // loop below would spin): a later run after an earlier one starts it again.
    if (io_.stopped()) io_.restart();
    auto done = boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future);
    while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io_.run_one();
    return done.get();
  }

 private:
  api_session() : io_(1) {}

  boost::asio::io_context io_;
  std::optional<api::credentials> creds_;
  std::optional<limit::rate_spec> rate_;
  std::optional<http::tls_client_context> tls_;
  std::unique_ptr<http::connection_pool> pool_;
  std::unique_ptr<api::endpoint_limiters> limiters_;
  std::unique_ptr<api::client> client_;
};

/// Counts of one command's attempts.
struct attempt_counters {
  std::uint64_t requests = 0;   ///< every attempt
  std::uint64_t retries = 0;    ///< attempts repeated after a transient failure
  std::uint64_t throttled = 0;  ///< throttled answers (the limiter paused; resent)
};

/// Makes one attempt of a request.
using attempt_function = std::function<boost::asio::awaitable<api::call_result>()>;

/// The final answer of a request, and whether an earlier attempt may have reached the server
/// (sent, then the answer was lost): a later "not found" may then be that attempt's work.
struct final_answer : api::call_result {
  bool earlier_may_have_arrived = false;
};

/// Sends `attempt` until its answer is final, with import's rules: throttled → resend (the
/// client paused the endpoint) until `policy.max_age`; transient → backoff with full jitter
/// until the policy's bound; a TLS failure is final at once. Returns the last answer: ok,
/// queued, permanent, auth_failed, or retry/throttled when the bound was hit.
boost::asio::awaitable<final_answer> call_until_final(attempt_function attempt,
                                                      deliver::backoff& backoff,
                                                      attempt_counters& counters);

/// Returns whether an answer says the server does not know the user (HTTP 404).
bool is_unknown_user(const api::call_result& r) noexcept;

/// Returns true when both stdin and stderr are terminals (a person can be asked).
bool interactive() noexcept;

}  // namespace nv::cli

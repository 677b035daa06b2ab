// `nvimport get`: prints users' profiles, one JSON line each.
#include "api_session.hpp"
#include "commands.hpp"

#include <fmt/core.h>

namespace nv::cli {
namespace {

namespace asio = boost::asio;

struct get_settings {
  connection_settings connection;
  retry_settings retry;
  std::vector<std::string> user_ids;
};

/// Reads each profile in turn: found ones go to stdout, missing ones are a line on stderr.
asio::awaitable<int> get_all(api::client& client, const get_settings& s) {
  deliver::backoff backoff(s.retry.policy());
  attempt_counters counters;
  int status = exit_ok;
  for (const auto& id : s.user_ids) {
    // A named function object: GCC mishandles non-trivial temporaries inside co_await.
    attempt_function attempt = [&client, id] { return client.user_data(id); };
    auto answer = co_await call_until_final(std::move(attempt), backoff, counters);
    if (answer.result.kind == api::outcome_kind::ok && !answer.body.data.empty()) {
      fmt::print("{}\n", answer.body.data);
      continue;
    }
    if (is_unknown_user(answer)) {
      fmt::print(stderr, "nvimport get: user \"{}\" not found\n", id);
      status = std::max(status, exit_rejects);
      continue;
    }
    fmt::print(stderr, "nvimport get: cannot read user \"{}\" ({}): {}\n", id,
               api::kind_name(answer.result.kind), answer.result.message);
    co_return exit_cannot_run;
  }
  co_return status;
}

int run_get(const get_settings& s) {
  log::logger logger;
  std::string error;
  auto session = api_session::open(s.connection, logger, error);
  if (!session) {
    fmt::print(stderr, "nvimport get: {}\n", error);
    return exit_cannot_run;
  }
  int status = session->run(get_all(session->client(), s));
  std::fflush(stdout);
  return status;
}

}  // namespace

command add_get_command(CLI::App& app) {
  auto* sub = app.add_subcommand("get", "Print users' profiles, one JSON line each");
  auto s = std::make_shared<get_settings>();
  sub->add_option("user_ids", s->user_ids, "User IDs")->required();
  add_connection_options(sub, s->connection);
  add_retry_options(sub, s->retry);
  return {sub, [s] { return run_get(*s); }};
}

}  // namespace nv::cli

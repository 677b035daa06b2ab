// `nvimport count`: prints how many profiles match an event query.
#include "api_session.hpp"
#include "commands.hpp"

#include "nv/api/date_range.hpp"

#include <fmt/core.h>

namespace nv::cli {
namespace {

namespace asio = boost::asio;

struct count_settings {
  connection_settings connection;
  retry_settings retry;
  api::event_query query;
};

int cannot_run(std::string_view message) {
  fmt::print(stderr, "nvimport count: {}\n", message);
  return exit_cannot_run;
}

int run_count(const count_settings& s) {
  if (auto bad = api::check_date_range(s.query.start_date, s.query.end_date))
    return cannot_run(*bad);
  log::logger logger;
  std::string error;
  auto session = api_session::open(s.connection, logger, error);
  if (!session) return cannot_run(error);
  deliver::backoff backoff(s.retry.policy());
  attempt_counters counters;
  auto& client = session->client();
  auto answer = session->run(call_until_final(
      [&client, query = s.query] { return client.count(query); }, backoff, counters));
  if (answer.result.kind != api::outcome_kind::ok || !answer.body.count) {
    auto why = answer.result.message.empty() ? "the answer holds no count" : answer.result.message;
    return cannot_run(
        fmt::format("the count failed ({}): {}", api::kind_name(answer.result.kind), why));
  }
  fmt::print("{}\n", *answer.body.count);
  return exit_ok;
}

}  // namespace

command add_count_command(CLI::App& app) {
  auto* sub = app.add_subcommand("count", "Print how many profiles match an event query");
  auto s = std::make_shared<count_settings>();
  add_event_query_options(sub, s->query);
  add_connection_options(sub, s->connection);
  add_retry_options(sub, s->retry);
  return {sub, [s] { return run_count(*s); }};
}

}  // namespace nv::cli

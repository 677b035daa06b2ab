// `nvimport delete`: deletes users one request each under the delete budget, with import's
// retry, throttling, reject-file, summary and exit-status rules.
#include "api_session.hpp"
#include "commands.hpp"

#include "nv/api/user_id_input.hpp"
#include "nv/deliver/reject_writer.hpp"

#include <fmt/core.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <fstream>
#include <iostream>

namespace nv::cli {
namespace {

namespace asio = boost::asio;

struct delete_settings {
  connection_settings connection;
  retry_settings retry;
  std::vector<std::string> files;
  std::string rejects = "nvimport.rejects.ndjson";
  bool yes = false;
  bool dry_run = false;
  bool quiet = false;
};

/// One user to delete and where its line came from, for the reject file.
struct target {
  std::string id;
  std::size_t source = 0;
  std::uint64_t line = 0;
  std::uint64_t offset = 0;
  std::string text;
};

/// Where every line and every user ended. Users end in exactly one of deleted, not_found,
/// refused, failed or not_sent.
struct delete_counts {
  std::uint64_t lines = 0;
  std::uint64_t blank = 0;
  std::uint64_t malformed = 0;      ///< lines without a usable userID (reject file)
  std::uint64_t deleted = 0;        ///< success or queued
  std::uint64_t not_found = 0;      ///< 404: the server does not know the user; not a failure
  std::uint64_t refused = 0;        ///< other content refusals (reject file, server's message)
  std::uint64_t failed = 0;         ///< out of retries (reject file)
  std::uint64_t not_sent = 0;       ///< the run stopped first
  std::uint64_t gone_on_retry = 0;  ///< in deleted: 404 after an attempt whose answer was lost
  attempt_counters attempts;
};

/// The inputs, read whole: IDs to delete and lines that hold none.
struct delete_input {
  std::vector<std::string> sources;
  std::vector<target> targets;
  std::string error;
};

delete_input read_input(const std::vector<std::string>& files, deliver::reject_writer* rejects,
                        delete_counts& counts) {
  delete_input in;
  api::user_id_reader reader;
  for (const auto& path : files) {
    std::ifstream file;
    if (path != "-") {
      file.open(path, std::ios::binary);
      if (!file) return in.error = fmt::format("cannot open \"{}\"", path), in;
    }
    std::istream& stream = path == "-" ? std::cin : file;
    in.sources.push_back(path == "-" ? "stdin" : path);
    std::uint64_t line_no = 0, offset = 0;
    for (std::string line; std::getline(stream, line); offset += line.size() + 1) {
      ++line_no;
      ++counts.lines;
      auto read = reader.read(line);
      if (std::holds_alternative<api::blank_line>(read)) {
        ++counts.blank;
      } else if (auto* id = std::get_if<std::string>(&read)) {
        in.targets.push_back({std::move(*id), in.sources.size() - 1, line_no, offset, line});
      } else {
        ++counts.malformed;
        if (rejects)
          rejects->write(
              {in.sources.back(), line_no, offset, std::get<record::reject>(read), line});
      }
    }
  }
  return in;
}

/// Asks on the terminal; true only for an explicit yes.
bool confirmed(std::size_t users) {
  fmt::print(stderr, "nvimport delete: delete {} users? Type yes to go on: ", users);
  std::fflush(stderr);
  std::ifstream tty("/dev/tty");
  std::string answer;
  std::getline(tty, answer);
  return answer == "yes" || answer == "y";
}

/// Deletes the users of `in` with `workers` coroutines pulling the next one.
class deleter {
 public:
  deleter(api::client& client, const delete_input& in, deliver::reject_writer& rejects,
          delete_counts& counts, deliver::backoff_policy policy)
      : client_(client), in_(in), rejects_(rejects), counts_(counts), backoff_(policy) {}

  asio::awaitable<void> run(std::size_t workers, bool quiet) {
    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer all_done(executor, std::chrono::steady_clock::time_point::max());
    std::size_t running = workers;
    for (std::size_t i = 0; i < workers; ++i) {
      asio::co_spawn(executor, work(quiet), [&](std::exception_ptr) {
        if (--running == 0) all_done.cancel();
      });
    }
    boost::system::error_code ignored;
    while (running > 0)
      co_await all_done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }

  void stop() noexcept { stopping_ = true; }
  const std::string& fatal_message() const noexcept { return fatal_; }
  const std::string& last_failure() const noexcept { return last_failure_; }

 private:
  asio::awaitable<void> work(bool quiet) {
    while (next_ < in_.targets.size()) {
      const target& t = in_.targets[next_++];
      if (stopping_) {
        ++counts_.not_sent;
        continue;
      }
      // A named function object: GCC mishandles non-trivial temporaries inside co_await.
      attempt_function attempt = [this, &t] { return client_.delete_user(t.id); };
      auto answer = co_await call_until_final(std::move(attempt), backoff_, counts_.attempts);
      settle(t, answer, quiet);
    }
  }

  void settle(const target& t, const final_answer& answer, bool quiet) {
    const auto& r = answer.result;
    switch (r.kind) {
      case api::outcome_kind::ok:
      case api::outcome_kind::queued:
        ++counts_.deleted;
        return;
      case api::outcome_kind::auth_failed:
        stop_run(fmt::format("the API refused the credentials: {}", r.message));
        ++counts_.not_sent;
        return;
      case api::outcome_kind::permanent:
        if (is_unknown_user(answer) && answer.earlier_may_have_arrived) {
          // An earlier attempt was written and its answer lost: it most likely did the delete.
          ++counts_.deleted;
          ++counts_.gone_on_retry;
          return;
        }
        if (is_unknown_user(answer)) {
          ++counts_.not_found;
          if (!quiet) fmt::print(stderr, "nvimport delete: not found: {}\n", t.id);
          return;
        }
        ++counts_.refused;
        reject(t, record::reject_code::server_rejected, r.message);
        return;
      case api::outcome_kind::retry:
        if (answer.transport_error == http::error_kind::tls) {
          stop_run(r.message);
          ++counts_.not_sent;
          return;
        }
        [[fallthrough]];
      case api::outcome_kind::throttled:
        ++counts_.failed;
        last_failure_ = r.message;
        reject(t, record::reject_code::delivery_failed, fmt::format("gave up: {}", r.message));
        return;
    }
  }

  void reject(const target& t, record::reject_code code, std::string message) {
    record::reject reason{code, std::move(message)};
    rejects_.write({in_.sources[t.source], t.line, t.offset, reason, t.text});
  }

  void stop_run(std::string reason) {
    if (!stopping_) fatal_ = std::move(reason);
    stopping_ = true;
  }

  api::client& client_;
  const delete_input& in_;
  deliver::reject_writer& rejects_;
  delete_counts& counts_;
  deliver::backoff backoff_;
  std::size_t next_ = 0;
  bool stopping_ = false;
  std::string fatal_;
  std::string last_failure_;
};

void print_summary(const delete_counts& c, const std::string& reject_path) {
  auto line = [](std::string_view label, std::uint64_t n, std::string_view note = "") {
    fmt::print(stderr, "  {:<12}{:>10}{}\n", label, n, note);
  };
  fmt::print(stderr, "nvimport delete: summary\n");
  line("lines read", c.lines);
  line("blank", c.blank);
  line("malformed", c.malformed, "  (no usable userID; in the reject file)");
  line("deleted", c.deleted,
       c.gone_on_retry
           ? fmt::format("  ({} found gone on a retry after a lost answer)", c.gone_on_retry)
           : std::string());
  line("not found", c.not_found, "  (unknown to the server: reported, not retried, not a failure)");
  line("refused", c.refused, "  (refused by the server; in the reject file)");
  line("failed", c.failed, "  (out of retries; in the reject file)");
  line("not sent", c.not_sent);
  line("requests", c.attempts.requests);
  line("retries", c.attempts.retries);
  line("throttled", c.attempts.throttled);
  if (!reject_path.empty()) fmt::print(stderr, "  reject file: {}\n", reject_path);
}

int exit_status(const delete_counts& c, const deleter& d) {
  if (!d.fatal_message().empty()) return exit_cannot_run;
  if (c.failed > 0 && c.deleted == 0 && c.not_found == 0 && c.refused == 0)
    return exit_cannot_run;  // the API never answered usefully within the budget
  return c.malformed + c.refused + c.failed == 0 ? exit_ok : exit_rejects;
}

int cannot_run(std::string_view message) {
  fmt::print(stderr, "nvimport delete: {}\n", message);
  return exit_cannot_run;
}

int dry_run(const delete_settings& s) {
  delete_counts counts;
  auto in = read_input(s.files, nullptr, counts);
  if (!in.error.empty()) return cannot_run(in.error);
  for (const auto& t : in.targets) fmt::print("{}\n", t.id);
  fmt::print(stderr, "nvimport delete: dry run: {} users would be deleted, {} lines without one\n",
             in.targets.size(), counts.malformed);
  return counts.malformed == 0 ? exit_ok : exit_rejects;
}

int run_delete(const delete_settings& s) {
  if (s.dry_run) return dry_run(s);
  log::logger logger;
  std::string error;
  auto session = api_session::open(s.connection, logger, error);
  if (!session) return cannot_run(error);
  auto rejects = deliver::reject_writer::open(s.rejects, deliver::open_mode::truncate, error);
  if (!rejects) return cannot_run(error);
  delete_counts counts;
  auto in = read_input(s.files, rejects.get(), counts);
  if (!in.error.empty()) return cannot_run(in.error);
  if (!s.yes) {
    if (!interactive())
      return cannot_run(
          fmt::format("refusing to delete {} users without --yes", in.targets.size()));
    if (!confirmed(in.targets.size())) return cannot_run("not confirmed; nothing deleted");
  }
  deleter d(session->client(), in, *rejects, counts, s.retry.policy());
  asio::signal_set signals(session->io(), SIGINT, SIGTERM);
  signals.async_wait([&d](boost::system::error_code ec, int) {
    if (!ec) d.stop();
  });
  session->run(d.run(s.connection.connections, s.quiet));
  signals.cancel();
  auto closed = rejects->close();
  if (!s.quiet) print_summary(counts, rejects->lines() > 0 ? s.rejects : "");
  if (!d.fatal_message().empty())
    fmt::print(stderr, "nvimport delete: stopped: {} ({})\n", d.fatal_message(),
               session->credentials().to_string());
  if (!d.last_failure().empty())
    fmt::print(stderr,
               "nvimport delete: {} users not deleted after the retry budget; last error: {}\n",
               counts.failed, d.last_failure());
  if (closed)
    return cannot_run(
        fmt::format("cannot write reject file \"{}\": {}", s.rejects, closed.message()));
  return exit_status(counts, d);
}

}  // namespace

command add_delete_command(CLI::App& app) {
  auto* sub = app.add_subcommand("delete", "Delete users, one request each");
  auto s = std::make_shared<delete_settings>();
  sub->add_option("files", s->files,
                  "Files of user IDs (one a line) or NDJSON records with a userID; - for stdin")
      ->required();
  sub->add_option("--rejects", s->rejects, "Reject file (NDJSON, one line per user not deleted)")
      ->capture_default_str();
  sub->add_flag("--yes", s->yes, "Delete without asking");
  sub->add_flag("--dry-run", s->dry_run, "List the user IDs that would be deleted; send nothing");
  sub->add_flag("--quiet", s->quiet, "No per-user lines and no summary");
  add_connection_options(sub, s->connection);
  add_retry_options(sub, s->retry);
  return {sub, [s] { return run_delete(*s); }};
}

}  // namespace nv::cli

// `nvimport export`: pages through the profile endpoint and writes NDJSON profiles, resumable
// from the last completed page.
#include "api_session.hpp"
#include "commands.hpp"

#include "nv/api/date_range.hpp"
#include "nv/api/export_state.hpp"
#include "nv/api/profile_page.hpp"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>
#include <boost/asio/signal_set.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>

namespace nv::cli {
namespace {

namespace asio = boost::asio;

struct export_settings {
  connection_settings connection;
  retry_settings retry;
  api::event_query query;
  std::uint64_t batch_size = 100;
  std::string output = "-";
  bool resume = false;
  std::string progress = "auto";
};

int cannot_run(std::string_view message) {
  fmt::print(stderr, "nvimport export: {}\n", message);
  return exit_cannot_run;
}

std::string errno_text() {
  return std::strerror(errno);
}

/// The output and where the export stands; each page is written, synced, then recorded.
struct export_target {
  int fd = 1;
  bool to_file = false;
  std::string state_path;
  api::export_state state;
};

/// Opens the output fresh, or for --resume cut back to the size of its last completed page.
std::optional<export_target> open_target(const export_settings& s, std::string& error) {
  export_target t;
  t.state = {.event_name = s.query.event_name,
             .start_date = s.query.start_date,
             .end_date = s.query.end_date,
             .batch_size = s.batch_size};
  if (s.output == "-") return t;
  t.to_file = true;
  t.state_path = api::export_state_path(s.output);
  if (s.resume) {
    auto saved = api::load_export_state(t.state_path, error);
    if (!saved) return std::nullopt;
    if (!saved->same_query(t.state)) {
      error =
          fmt::format("\"{}\" records another query (event, dates or batch size)", t.state_path);
      return std::nullopt;
    }
    t.state = *saved;
  }
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (s.resume ? 0 : O_TRUNC);
  t.fd = ::open(s.output.c_str(), flags, 0644);
  if (t.fd < 0)
    return error = fmt::format("cannot open \"{}\": {}", s.output, errno_text()), std::nullopt;
  std::error_code size_error;
  auto size = std::filesystem::file_size(s.output, size_error);
  // Bytes past the last completed page belong to a page that will be fetched again.
  if (size < t.state.output_bytes ||
      ::ftruncate(t.fd, static_cast<off_t>(t.state.output_bytes)) != 0 ||
      ::lseek(t.fd, 0, SEEK_END) < 0) {
    ::close(t.fd);
    error = fmt::format("\"{}\" is shorter than its export state records", s.output);
    return std::nullopt;
  }
  if (auto e = api::save_export_state(t.state_path, t.state)) {
    ::close(t.fd);
    return error = fmt::format("cannot write \"{}\": {}", t.state_path, e.message()), std::nullopt;
  }
  return t;
}

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

/// Fetches pages until the last one, a stop request, or an error ("" when none).
class exporter {
 public:
  exporter(api::client& client, const export_settings& s, export_target& target, bool progress)
      : client_(client),
        settings_(s),
        target_(target),
        backoff_(s.retry.policy()),
        progress_(progress) {}

  asio::awaitable<std::string> run() {
    auto& st = target_.state;
    std::string lines;
    while (!st.done && !stopping_) {
      // A named function object: GCC mishandles non-trivial temporaries inside co_await.
      attempt_function attempt = [this, offset = st.next_offset] {
        return client_.profile(settings_.query, settings_.batch_size, offset);
      };
      auto answer = co_await call_until_final(std::move(attempt), backoff_, counters_);
      if (answer.result.kind != api::outcome_kind::ok)
        co_return fmt::format("page at offset {} failed ({}): {}", st.next_offset,
                              api::kind_name(answer.result.kind), answer.result.message);
      lines.clear();
      auto n = api::append_profile_lines(answer.body.data, lines);
      if (!n) co_return fmt::format("page at offset {} holds no array of profiles", st.next_offset);
      auto next = answer.body.next_offset;
      if (next && *next <= st.next_offset)
        co_return fmt::format("next_offset {} does not advance past {}", *next, st.next_offset);
      if (auto e = commit(lines, *n, next); !e.empty()) co_return e;
      show();
    }
    co_return std::string();
  }

  void stop() noexcept { stopping_ = true; }
  const attempt_counters& counters() const noexcept { return counters_; }

 private:
  // Writes and syncs the page, then records it: a crash in between re-fetches the page, and
  // --resume cuts the output back to the recorded size, so there is no duplicate and no gap.
  std::string commit(const std::string& lines, std::size_t n, std::optional<std::uint64_t> next) {
    auto& st = target_.state;
    if (!write_all(target_.fd, lines))
      return fmt::format("cannot write the output: {}", errno_text());
    ++st.pages;
    st.profiles += n;
    st.output_bytes += lines.size();
    st.done = !next;
    st.next_offset = next.value_or(st.next_offset + n);
    if (!target_.to_file) return {};
    if (::fsync(target_.fd) != 0) return fmt::format("cannot sync the output: {}", errno_text());
    if (auto e = api::save_export_state(target_.state_path, st))
      return fmt::format("cannot write \"{}\": {}", target_.state_path, e.message());
    return {};
  }

  void show() {
    if (!progress_) return;
    fmt::print(stderr, "\rexport: {} profiles, {} pages, {} requests", target_.state.profiles,
               target_.state.pages, counters_.requests);
    std::fflush(stderr);
  }

  api::client& client_;
  const export_settings& settings_;
  export_target& target_;
  deliver::backoff backoff_;
  bool progress_;
  bool stopping_ = false;
  attempt_counters counters_;
};

int run_export(const export_settings& s) {
  if (auto bad = api::check_date_range(s.query.start_date, s.query.end_date))
    return cannot_run(*bad);
  if (s.resume && s.output == "-") return cannot_run("--resume needs -o FILE");
  log::logger logger;
  std::string error;
  auto session = api_session::open(s.connection, logger, error);
  if (!session) return cannot_run(error);
  auto target = open_target(s, error);
  if (!target) return cannot_run(error);
  bool progress = s.progress == "line" || (s.progress == "auto" && ::isatty(2) == 1);
  exporter job(session->client(), s, *target, progress);
  asio::signal_set signals(session->io(), SIGINT, SIGTERM);
  signals.async_wait([&job](boost::system::error_code ec, int) {
    if (!ec) job.stop();
  });
  auto failure = session->run(job.run());
  signals.cancel();
  if (progress) fmt::print(stderr, "\n");
  if (target->to_file && ::close(target->fd) != 0 && failure.empty())
    failure = fmt::format("cannot close the output: {}", errno_text());
  const auto& st = target->state;
  fmt::print(stderr,
             "nvimport export: {} profiles in {} pages ({} requests, {} retries, {} throttled)\n",
             st.profiles, st.pages, job.counters().requests, job.counters().retries,
             job.counters().throttled);
  if (!failure.empty())
    return cannot_run(failure + (target->to_file ? "; --resume continues" : ""));
  if (!st.done) return cannot_run("stopped before the last page; --resume continues");
  return exit_ok;
}

}  // namespace

command add_export_command(CLI::App& app) {
  auto* sub = app.add_subcommand("export", "Write the profiles behind an event as NDJSON");
  auto s = std::make_shared<export_settings>();
  add_event_query_options(sub, s->query);
  sub->add_option("--batch-size", s->batch_size, "Profiles per page")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub->add_option("-o,--output", s->output, "Output file; - for standard output")
      ->capture_default_str();
  sub->add_flag("--resume", s->resume, "Continue from the last completed page of -o FILE");
  sub->add_option("--progress", s->progress, "auto (a line on a terminal), line, or none")
      ->check(CLI::IsMember({"auto", "line", "none"}))
      ->capture_default_str();
  add_connection_options(sub, s->connection);
  add_retry_options(sub, s->retry);
  return {sub, [s] { return run_export(*s); }};
}

}  // namespace nv::cli

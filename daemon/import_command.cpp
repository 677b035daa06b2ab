// `nvimport import`: delivers records to the create endpoint at the API's ceiling.
#include "api_session.hpp"
#include "commands.hpp"
#include "progress_display.hpp"

#include "nv/api/client.hpp"
#include "nv/config/settings.hpp"
#include "nv/deliver/import_job.hpp"
#include "nv/http/connection_pool.hpp"
#include "nv/http/tls_client_context.hpp"
#include "nv/limit/rate_spec.hpp"
#include "nv/log/logger.hpp"
#include "nv/record/record_normaliser.hpp"
#include "nv/source/byte_source.hpp"

#include <fmt/core.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

namespace nv::cli {
namespace {

namespace asio = boost::asio;

struct import_settings {
  std::vector<std::string> files;
  std::string rejects = "nvimport.rejects.ndjson";
  connection_settings connection;
  std::size_t max_batch = 100;
  std::size_t max_line_bytes = std::size_t{1} << 20;
  std::string progress = "auto";
  bool quiet = false;
  bool verify_queued = true;
  std::int64_t verify_delay_ms = 2000;
  std::uint32_t max_resends = 3;
  std::uint32_t retry_attempts = 8;
  std::int64_t retry_base_ms = 200;
  std::int64_t retry_cap_ms = 30'000;
  std::int64_t retry_max_age_s = 600;
  std::string config_file;
  log::level log_level = log::level::info;
};

int cannot_run(std::string_view message) {
  fmt::print(stderr, "nvimport import: {}\n", message);
  return exit_cannot_run;
}

/// Takes from the file every option the command line did not give: flags override the file.
void apply_config(const config::settings& c, const CLI::App& sub, import_settings& s) {
  auto unset = [&sub](const char* flag) { return sub.get_option(flag)->count() == 0; };
  auto& n = s.connection;
  if (unset("--base-url")) n.base_url = c.api.base_url;
  if (unset("--ca-file")) n.ca_file = c.api.ca_file;
  if (unset("--insecure")) n.insecure = c.api.insecure;
  if (unset("--brand-id")) n.brand_id = c.api.brand_id;
  if (unset("--api-key-file")) n.api_key_file = c.api.api_key_file;
  if (unset("--rate")) n.rate = c.api.rate;
  if (unset("--rate-margin-ms")) n.rate_margin_ms = c.api.rate_margin_ms;
  if (unset("--connections")) n.connections = c.api.connections;
  if (unset("--timeout-s")) n.timeout_s = c.api.timeout_s;
  if (unset("--retry-attempts")) s.retry_attempts = c.retry.attempts;
  if (unset("--retry-base-ms")) s.retry_base_ms = c.retry.base_ms;
  if (unset("--retry-cap-ms")) s.retry_cap_ms = c.retry.cap_ms;
  if (unset("--retry-max-age-s")) s.retry_max_age_s = c.retry.max_age_s;
  if (unset("--max-batch")) s.max_batch = c.import.max_batch;
  if (unset("--max-line-bytes")) s.max_line_bytes = c.import.max_line_bytes;
  if (unset("--rejects")) s.rejects = c.import.rejects;
  if (unset("--verify-queued")) s.verify_queued = c.import.verify_queued;
  if (unset("--verify-delay-ms")) s.verify_delay_ms = c.import.verify_delay_ms;
  if (unset("--max-resends")) s.max_resends = c.import.max_resends;
  log::parse_level(c.log.level, s.log_level);  // checked when the file was read
}

/// Applies --config when given; returns the file's error, or "".
std::string load_config(const CLI::App& sub, import_settings& s) {
  if (s.config_file.empty()) return {};
  auto loaded = config::load_file(s.config_file);
  if (!loaded) return loaded.error().message;
  apply_config(*loaded, sub, s);
  return {};
}

deliver::import_options job_options(const import_settings& s) {
  deliver::import_options o;
  o.stage.reader.max_line_bytes = s.max_line_bytes;
  o.stage.batches.max_users = s.max_batch;
  o.delivery.verify_queued = s.verify_queued;
  o.delivery.verify_delay = std::chrono::milliseconds(s.verify_delay_ms);
  o.delivery.max_resends = s.max_resends;
  o.delivery.retry = {.base = std::chrono::milliseconds(s.retry_base_ms),
                      .cap = std::chrono::milliseconds(s.retry_cap_ms),
                      .max_attempts = s.retry_attempts,
                      .max_age = std::chrono::seconds(s.retry_max_age_s)};
  // Twice the connections: a worker prepares or waits on budget while another's answer travels.
  o.workers = s.connection.connections * 2;
  o.queue_batches = s.connection.connections * 2;
  return o;
}

int exit_status(const deliver::import_result& r) {
  if (!r.fatal_message.empty() || !r.read_error.empty() || !r.reject_error.empty())
    return exit_cannot_run;
  bool all_failed =
      r.remote.failed > 0 && r.remote.delivered == 0 && r.remote.rejected_by_server == 0;
  if (all_failed) return exit_cannot_run;  // the API never answered usefully within the budget
  auto rejected = r.local.rejected_total() + r.remote.rejected_by_server + r.remote.failed;
  return rejected == 0 ? exit_ok : exit_rejects;
}

int run_import(const import_settings& s) {
  log::logger logger;
  logger.set_threshold(s.log_level);
  std::string error;
  auto session = api_session::open(s.connection, logger, error);
  if (!session) return cannot_run(error);

  std::vector<std::unique_ptr<source::byte_source>> sources;
  std::uint64_t total_bytes = 0;
  for (const auto& path : s.files) {
    auto opened = source::open_path(path);
    if (!opened.source) return cannot_run(opened.error);
    std::error_code size_error;
    if (path != "-") total_bytes += std::filesystem::file_size(path, size_error);
    sources.push_back(std::move(opened.source));
  }
  auto rejects = deliver::reject_writer::open(s.rejects, deliver::open_mode::truncate, error);
  if (!rejects) return cannot_run(error);

  auto& io = session->io();
  auto& pool = session->pool();
  auto& limiters = session->limiters();
  auto& client = session->client();

  record::record_normaliser normaliser({.max_line_bytes = s.max_line_bytes});
  deliver::import_job job(
      client, std::move(sources),
      [&normaliser](std::string_view line, std::string& wire) {
        return normaliser.normalise(line, wire);
      },
      rejects.get(), job_options(s));

  auto mode = parse_progress_mode(s.progress, s.quiet);
  progress_display display(mode, session->rate(), s.max_batch, total_bytes);
  // SIGINT/SIGTERM: stop reading, deliver what was read, then print the summary.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) job.stop_reading();
  });
  auto done = asio::co_spawn(io, job.run(), asio::use_future);
  auto ticker = display.start(io, job, pool);
  // Run until the job ends; the progress timer alone must not keep the loop alive after that.
  while (done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  auto result = done.get();
  display.finish();
  if (auto e = rejects->close(); e && result.reject_error.empty()) {
    result.reject_error =
        fmt::format("cannot write reject file \"{}\": {}", s.rejects, e.message());
  }
  print_summary(result, pool.stats(), limiters, rejects->lines() > 0 ? s.rejects : "");
  if (!result.fatal_message.empty()) {
    fmt::print(stderr, "nvimport import: stopped: {} ({})\n", result.fatal_message,
               session->credentials().to_string());
  }
  if (!result.last_failure.empty()) {
    fmt::print(stderr,
               "nvimport import: {} users undelivered after the retry budget; last error: {}\n",
               result.remote.failed, result.last_failure);
  }
  if (!result.read_error.empty()) fmt::print(stderr, "nvimport import: {}\n", result.read_error);
  if (!result.reject_error.empty())
    fmt::print(stderr, "nvimport import: {}\n", result.reject_error);
  return exit_status(result);
}

}  // namespace

command add_import_command(CLI::App& app) {
  auto* sub = app.add_subcommand("import", "Deliver user records to the API");
  auto s = std::make_shared<import_settings>();
  sub->add_option("files", s->files, "NDJSON files to read; - for standard input")->required();
  sub->add_option("--rejects", s->rejects, "Reject file (NDJSON, one line per rejected record)")
      ->capture_default_str();
  sub->add_option("--config", s->config_file,
                  "TOML configuration file (see check-config); flags override it");
  add_connection_options(sub, s->connection);
  sub->add_option("--max-batch", s->max_batch, "Users per request (1 to 100)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  sub->add_option("--max-line-bytes", s->max_line_bytes, "Reject longer lines")
      ->check(CLI::Range(std::size_t{64}, std::size_t{64} << 20));
  sub->add_option("--progress", s->progress, "auto (a line on a terminal), json, or none")
      ->check(CLI::IsMember({"auto", "json", "none"}))
      ->capture_default_str();
  sub->add_flag("--quiet", s->quiet, "No progress and no summary");
  sub->add_flag("--verify-queued,!--no-verify-queued", s->verify_queued,
                "Read one user of each queued batch back and resend the batch when missing");
  sub->add_option("--verify-delay-ms", s->verify_delay_ms, "Wait before the read-back")
      ->capture_default_str();
  sub->add_option("--max-resends", s->max_resends, "Resends of a queued batch found missing")
      ->capture_default_str();
  sub->add_option("--retry-attempts", s->retry_attempts, "Attempts per batch on transient errors")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  sub->add_option("--retry-base-ms", s->retry_base_ms, "Backoff scale")->capture_default_str();
  sub->add_option("--retry-cap-ms", s->retry_cap_ms, "Longest single backoff")
      ->capture_default_str();
  sub->add_option("--retry-max-age-s", s->retry_max_age_s, "Give a batch up after this long")
      ->capture_default_str();
  return {sub, [s, sub] {
            if (auto error = load_config(*sub, *s); !error.empty()) {
              fmt::print(stderr, "{}\n", error);
              return exit_cannot_run;
            }
            return run_import(*s);
          }};
}

}  // namespace nv::cli

// `nvimport import`: delivers records to the create endpoint at the API's ceiling.
#include "api_session.hpp"
#include "commands.hpp"
#include "job_settings.hpp"
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
  job_settings job;
  std::vector<std::string> files;
  std::string rejects = "nvimport.rejects.ndjson";
  std::string progress = "auto";
  bool quiet = false;
};

int cannot_run(std::string_view message) {
  fmt::print(stderr, "nvimport import: {}\n", message);
  return exit_cannot_run;
}

/// Applies --config when given; returns the file's error, or "".
std::string load_config(const CLI::App& sub, import_settings& s) {
  if (s.job.config_file.empty()) return {};
  auto loaded = config::load_file(s.job.config_file);
  if (!loaded) return loaded.error().message;
  apply_job_config(*loaded, sub, s.job);
  if (flag_unset(sub, "--rejects")) s.rejects = loaded->import.rejects;
  return {};
}

int exit_status(const deliver::import_result& r) {
  if (!r.fatal_message.empty() || !r.read_error.empty() || !r.reject_error.empty())
    return exit_cannot_run;
  bool all_failed =
      r.remote.failed > 0 && r.remote.delivered == 0 && r.remote.rejected_by_server == 0;
  if (all_failed) return exit_cannot_run;  // the API never answered usefully within the budget
  auto rejected = deliver::rejected_total(r.local, r.remote);
  return rejected == 0 ? exit_ok : exit_rejects;
}

int run_import(const import_settings& s) {
  log::logger logger;
  logger.set_threshold(s.job.log_level);
  std::string error;
  auto session = api_session::open(s.job.connection, logger, error);
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

  record::record_normaliser normaliser({.max_line_bytes = s.job.max_line_bytes});
  deliver::import_job job(client, std::move(sources), pipeline::normalise_with(normaliser),
                          rejects.get(), job_options(s.job));

  auto mode = parse_progress_mode(s.progress, s.quiet);
  progress_display display(mode, session->rate(), s.job.max_batch, total_bytes);
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
  add_job_options(sub, s->job);
  sub->add_option("--progress", s->progress, "auto (a line on a terminal), json, or none")
      ->check(CLI::IsMember({"auto", "json", "none"}))
      ->capture_default_str();
  sub->add_flag("--quiet", s->quiet, "No progress and no summary");
  return {sub, [s, sub] {
            if (auto error = load_config(*sub, *s); !error.empty()) {
              fmt::print(stderr, "{}\n", error);
              return exit_cannot_run;
            }
            return run_import(*s);
          }};
}

}  // namespace nv::cli

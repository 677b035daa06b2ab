// `nvimport daemon`: the service. Imports the watched directory's files as they arrive,
// speaks systemd's notify protocol, and drains on SIGTERM.
#include "api_session.hpp"
#include "commands.hpp"
#include "ingest_service.hpp"
#include "job_settings.hpp"
#include "live_reload.hpp"

#include "nv/checkpoint/checkpoint_store.hpp"
#include "nv/config/settings.hpp"
#include "nv/log/logger.hpp"
#include "nv/metrics/metrics_server.hpp"
#include "nv/record/record_normaliser.hpp"
#include "nv/service/service_notifier.hpp"
#include "nv/spool/socket_activation.hpp"
#include "nv/spool/socket_listener.hpp"
#include "nv/spool/spool_store.hpp"
#include "nv/watch/inbox_importer.hpp"
#include "service_metrics.hpp"

#include <fmt/core.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace nv::cli {
namespace {

namespace asio = boost::asio;
using log::level;

struct daemon_settings {
  job_settings job;
  config::settings::daemon_section daemon;
  config::settings::ingest_section ingest;
  config::settings::metrics_section metrics;
  bool poll = false;
  config::settings file;  ///< what --config said at start (defaults without one)
};

int cannot_run(std::string_view message) {
  fmt::print(stderr, "nvimport daemon: {}\n", message);
  return exit_cannot_run;
}

void apply_daemon_config(const config::settings& c, const CLI::App& sub, daemon_settings& s) {
  auto unset = [&sub](const char* flag) { return flag_unset(sub, flag); };
  auto& d = s.daemon;
  if (unset("--watch-dir")) d.watch_dir = c.daemon.watch_dir;
  if (unset("--state-dir")) d.state_dir = c.daemon.state_dir;
  if (unset("--settle-ms")) d.settle_ms = c.daemon.settle_ms;
  if (unset("--poll-interval-ms")) d.poll_interval_ms = c.daemon.poll_interval_ms;
  if (unset("--checkpoint-interval-ms")) d.checkpoint_interval_ms = c.daemon.checkpoint_interval_ms;
  if (unset("--status-interval-s")) d.status_interval_s = c.daemon.status_interval_s;
  if (unset("--drain-timeout-s")) d.drain_timeout_s = c.daemon.drain_timeout_s;
  auto socket = s.ingest.socket, tcp = s.ingest.tcp, spool_dir = s.ingest.spool_dir;
  s.ingest = c.ingest;
  if (!unset("--socket")) s.ingest.socket = socket;
  if (!unset("--tcp")) s.ingest.tcp = tcp;
  if (!unset("--spool-dir")) s.ingest.spool_dir = spool_dir;
  auto listen = s.metrics.listen;
  s.metrics = c.metrics;
  if (!unset("--metrics-listen")) s.metrics.listen = listen;
}

/// Applies --config when given; returns the file's error, or "".
std::string load_config(const CLI::App& sub, daemon_settings& s) {
  if (s.job.config_file.empty()) return {};
  auto loaded = config::load_file(s.job.config_file);
  if (!loaded) return loaded.error().message;
  apply_job_config(*loaded, sub, s.job);
  apply_daemon_config(*loaded, sub, s);
  s.file = *loaded;
  return {};
}

watch::inbox_importer_options importer_options(const daemon_settings& s) {
  watch::inbox_importer_options o;
  o.file.import = job_options(s.job);
  o.file.checkpoint_interval = std::chrono::milliseconds(s.daemon.checkpoint_interval_ms);
  o.settle = std::chrono::milliseconds(s.daemon.settle_ms);
  o.poll = std::chrono::milliseconds(s.daemon.poll_interval_ms);
  o.mode = s.poll ? watch::watch_mode::polling : watch::watch_mode::automatic;
  return o;
}

/// One line of live counters: systemd's STATUS= and `systemctl status`.
std::string status_line(const watch::inbox_importer& importer) {
  const auto& t = importer.totals();
  auto read = t.local.read;
  auto delivered = t.remote.delivered;
  auto rejected = deliver::rejected_total(t.local, t.remote);
  std::string current = "waiting for files";
  if (const auto* file = importer.current(); file && file->job()) {
    const auto& progress = file->job()->progress();
    read += progress.read.load(std::memory_order_relaxed);
    rejected += progress.rejected.load(std::memory_order_relaxed);
    delivered += file->job()->delivered().delivered;
    current = fmt::format("importing {}", file->file().filename().string());
  }
  return fmt::format("{}; files done {}, failed {}; records read {}, delivered {}, rejected {}",
                     current, t.files_done, t.files_failed, read, delivered, rejected);
}

/// The daemon's timers and signals around the importer, on one io_context.
class service_loop {
 public:
  service_loop(asio::io_context& io, watch::inbox_importer& importer, log::logger& logger,
               const daemon_settings& s)
      : io_(io),
        importer_(importer),
        log_(logger),
        settings_(s),
        signals_(io, SIGTERM, SIGINT),
        hangup_(io, SIGHUP),
        status_timer_(io),
        watchdog_timer_(io),
        drain_timer_(io) {}

  /// Calls `on_reload` when SIGHUP arrives.
  void on_reload(std::function<void()> on_reload) { on_reload_ = std::move(on_reload); }

  /// Calls `on_stop` when SIGTERM or SIGINT arrives (after the importer was told to stop).
  void on_stop(std::function<void()> on_stop) { on_stop_ = std::move(on_stop); }

  /// Starts the signal handlers and periodic notifications, then says READY=1.
  void start() {
    wait_for_stop();
    wait_for_hangup();
    asio::co_spawn(io_, report_status(), asio::detached);
    if (auto interval = notifier_.watchdog_interval())
      asio::co_spawn(io_, ping_watchdog(*interval / 2), asio::detached);
    notifier_.ready();
  }

  /// Cancels the timers and signal waits so their coroutines end before the loop is left.
  void finish() {
    running_ = false;
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    hangup_.cancel(ignored);
    status_timer_.cancel();
    watchdog_timer_.cancel();
    drain_timer_.cancel();
    if (io_.stopped()) io_.restart();
    io_.poll();
  }

 private:
  void wait_for_stop() {
    signals_.async_wait([this](boost::system::error_code error, int signal) {
      if (error || !running_) return;
      log_.write(level::notice, "stopping",
                 {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"},
                  {"drain_timeout_s", std::to_string(settings_.daemon.drain_timeout_s)}});
      notifier_.stopping();
      importer_.stop();
      if (on_stop_) on_stop_();
      start_drain_deadline();
    });
  }

  void wait_for_hangup() {
    hangup_.async_wait([this](boost::system::error_code error, int) {
      if (error || !running_) return;
      notifier_.reloading();
      if (on_reload_) on_reload_();
      notifier_.ready();
      wait_for_hangup();
    });
  }

  void start_drain_deadline() {
    drain_timer_.expires_after(std::chrono::seconds(settings_.daemon.drain_timeout_s));
    drain_timer_.async_wait([this](boost::system::error_code error) {
      if (error || !running_) return;
      // Batches still waiting on budget or backoff are left to the next start: the checkpoint
      // stops before them, so they are sent again then (at least once), never lost.
      importer_.stop_sending();
      importer_.checkpoint_now();
      log_.write(level::warning, "drain_deadline",
                 {{"note", "unsettled batches are resent at the next start"}});
      std::fflush(stderr);
      std::_Exit(exit_ok);
    });
  }

  asio::awaitable<void> report_status() {
    while (running_) {
      notifier_.status(status_line(importer_));
      status_timer_.expires_after(std::chrono::seconds(settings_.daemon.status_interval_s));
      co_await status_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  asio::awaitable<void> ping_watchdog(std::chrono::microseconds period) {
    while (running_) {
      notifier_.watchdog();
      watchdog_timer_.expires_after(period);
      co_await watchdog_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }

  asio::io_context& io_;
  watch::inbox_importer& importer_;
  log::logger& log_;
  const daemon_settings& settings_;
  service::service_notifier notifier_;
  asio::signal_set signals_;
  asio::signal_set hangup_;
  asio::steady_timer status_timer_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer drain_timer_;
  std::function<void()> on_stop_;
  std::function<void()> on_reload_;
  bool running_ = true;
};

/// Serves /metrics and /healthz when an address is configured. Throws on a start-up error.
std::unique_ptr<metrics::metrics_server> open_metrics(asio::io_context& io,
                                                      const daemon_settings& s,
                                                      service_metrics& numbers,
                                                      log::logger& logger) {
  auto listen = config::parse_ip_port(s.metrics.listen);
  if (!listen) return nullptr;
  metrics::metrics_server_options options;
  options.address = listen->address;
  options.port = listen->port;
  options.report_failure = [&logger](const std::string& what) {
    logger.write(level::error, "metrics_failure", {{"error", what}});
  };
  auto server = std::make_unique<metrics::metrics_server>(
      io.get_executor(), options,
      [&numbers](metrics::prometheus_writer& out) { numbers.collect(out); },
      [&numbers] { return numbers.health(); });
  logger.write(level::notice, "metrics_listening",
               {{"address", listen->address}, {"port", std::to_string(server->port())}});
  return server;
}

int run_daemon(const daemon_settings& s, const CLI::App& sub) {
  log::logger logger;
  logger.set_threshold(s.job.log_level);
  std::string error;
  auto session = api_session::open(s.job.connection, logger, error);
  if (!session) return cannot_run(error);
  std::optional<watch::inbox> box;
  std::optional<checkpoint::checkpoint_store> store;
  try {
    box.emplace(s.daemon.watch_dir);
    store.emplace(s.daemon.state_dir);
  } catch (const std::exception& e) {
    return cannot_run(e.what());
  }
  record::record_normaliser normaliser({.max_line_bytes = s.job.max_line_bytes});
  watch::inbox_importer importer(session->io().get_executor(), session->client(), *store,
                                 pipeline::normalise_with(normaliser), *box, logger,
                                 importer_options(s));
  if (!importer.why_polling().empty())
    logger.write(level::warning, "polling", {{"reason", importer.why_polling()}});
  service_metrics numbers(importer, session->client(), session->pool(), session->limiters(),
                          std::chrono::seconds(s.metrics.unreachable_after_s));
  std::unique_ptr<ingest_service> ingest;
  std::unique_ptr<metrics::metrics_server> metrics_server;
  try {
    auto activated = spool::activated_listen_fds();
    if (ingest_service::wanted(s.ingest, activated)) {
      ingest = std::make_unique<ingest_service>(session->io(), s.ingest, s.job.max_line_bytes,
                                                std::move(activated), logger);
    }
    metrics_server = open_metrics(session->io(), s, numbers, logger);
  } catch (const std::exception& e) {
    return cannot_run(e.what());
  }
  if (ingest) {
    importer.take_segments_from(ingest->store());
    numbers.add_spool(*ingest);
  }

  service_loop loop(session->io(), importer, logger, s);
  live_reload reload(sub, s.job, s.file, *session, importer, ingest.get(), logger);
  loop.on_reload([&] { reload.apply(s.job.config_file); });
  if (ingest) {
    loop.on_stop([&] { asio::co_spawn(session->io(), ingest->stop(), asio::detached); });
  }
  loop.start();
  logger.write(level::notice, "started",
               {{"watch_dir", s.daemon.watch_dir},
                {"state_dir", s.daemon.state_dir},
                {"inotify", importer.uses_inotify() ? "yes" : "no"},
                {"rate", s.job.connection.rate},
                {"connections", std::to_string(s.job.connection.connections)},
                {"credentials", session->credentials().to_string()}});
  session->run(importer.run());
  loop.finish();
  if (metrics_server) metrics_server->stop();
  if (ingest) session->run(ingest->stop());

  const auto& t = importer.totals();
  logger.write(level::notice, "stopped",
               {{"files_done", std::to_string(t.files_done)},
                {"files_failed", std::to_string(t.files_failed)},
                {"delivered", std::to_string(t.remote.delivered)},
                {"requests", std::to_string(t.remote.requests)}});
  if (!importer.fatal_message().empty()) {
    logger.write(level::error, "fatal", {{"error", importer.fatal_message()}});
    return exit_cannot_run;
  }
  return exit_ok;
}

}  // namespace

command add_daemon_command(CLI::App& app) {
  auto* sub = app.add_subcommand(
      "daemon", "Run as a service: import the files dropped into a watched directory");
  auto s = std::make_shared<daemon_settings>();
  add_job_options(sub, s->job);
  auto& d = s->daemon;
  sub->add_option("--watch-dir", d.watch_dir, "Directory whose files are imported")
      ->capture_default_str();
  sub->add_option("--state-dir", d.state_dir, "Directory of the checkpoints")
      ->capture_default_str();
  sub->add_option("--settle-ms", d.settle_ms,
                  "Take a file found by a scan once unchanged this long")
      ->capture_default_str();
  sub->add_option("--poll-interval-ms", d.poll_interval_ms, "Rescan the directory this often")
      ->check(CLI::Range(10, 3'600'000))
      ->capture_default_str();
  sub->add_option("--checkpoint-interval-ms", d.checkpoint_interval_ms,
                  "Write a file's checkpoint at most this often")
      ->check(CLI::Range(10, 600'000))
      ->capture_default_str();
  sub->add_option("--status-interval-s", d.status_interval_s, "Report live counters this often")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  sub->add_option("--drain-timeout-s", d.drain_timeout_s,
                  "On SIGTERM, deliver what was read within this long")
      ->check(CLI::Range(0, 3600))
      ->capture_default_str();
  sub->add_flag("--poll", s->poll, "Poll the directory instead of using inotify");
  sub->add_option("--socket", s->ingest.socket, "Unix socket producers stream NDJSON into");
  sub->add_option("--tcp", s->ingest.tcp, "Also accept producers on this loopback ADDRESS:PORT")
      ->check([](const std::string& text) {
        return config::parse_ip_port(text) ? "" : "must be an IP ADDRESS:PORT";
      });
  sub->add_option("--spool-dir", s->ingest.spool_dir, "Where socket data waits to be imported")
      ->capture_default_str();
  sub->add_option("--metrics-listen", s->metrics.listen,
                  "Serve Prometheus /metrics and /healthz on this loopback ADDRESS:PORT")
      ->check([](const std::string& text) {
        return config::parse_ip_port(text) ? "" : "must be an IP ADDRESS:PORT";
      });
  return {sub, [s, sub] {
            if (auto error = load_config(*sub, *s); !error.empty()) {
              fmt::print(stderr, "{}\n", error);
              return exit_cannot_run;
            }
            return run_daemon(*s, *sub);
          }};
}

}  // namespace nv::cli

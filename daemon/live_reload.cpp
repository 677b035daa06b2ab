// What a reload may change live, and what it names as needing a restart.
#include "live_reload.hpp"

#include "nv/limit/rate_spec.hpp"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace nv::cli {

namespace asio = boost::asio;
using log::level;

live_reload::live_reload(const CLI::App& sub, job_settings job, config::settings file,
                         api_session& session, watch::inbox_importer& importer,
                         ingest_service* ingest, log::logger& logger)
    : sub_(sub),
      job_(std::move(job)),
      file_(std::move(file)),
      session_(session),
      importer_(importer),
      ingest_(ingest),
      log_(logger) {}

void live_reload::apply(const std::string& path) {
  if (path.empty()) {
    log_.write(level::warning, "reload_refused",
               {{"error", "no --config file was given, so there is nothing to read again"}});
    return;
  }
  auto loaded = config::load_file(path);
  if (!loaded) {
    log_.write(level::error, "reload_refused",
               {{"error", loaded.error().message}, {"note", "the running settings stay"}});
    return;
  }
  // A watched directory that cannot be used refuses the whole reload, before anything changed.
  std::unique_ptr<watch::inbox> next_inbox;
  if (flag_unset(sub_, "--watch-dir") && loaded->daemon.watch_dir != file_.daemon.watch_dir) {
    try {
      next_inbox = std::make_unique<watch::inbox>(loaded->daemon.watch_dir);
    } catch (const std::exception& e) {
      log_.write(level::error, "reload_refused",
                 {{"error", e.what()}, {"note", "the running settings stay"}});
      return;
    }
  }
  auto sources = apply_sources(*loaded, std::move(next_inbox));
  auto next = job_;
  apply_job_config(*loaded, sub_, next);
  const bool rate_changed = apply_rate(next);
  if (next.connection.connections != job_.connection.connections)
    session_.pool().resize(next.connection.connections);
  importer_.set_import_options(job_options(next));
  log_.set_threshold(next.log_level);
  // What only a restart changes keeps its running value, so the next reload names it again.
  next.connection.base_url = job_.connection.base_url;
  next.connection.ca_file = job_.connection.ca_file;
  next.connection.insecure = job_.connection.insecure;
  next.connection.brand_id = job_.connection.brand_id;
  next.connection.api_key_file = job_.connection.api_key_file;
  next.connection.timeout_s = job_.connection.timeout_s;
  job_ = next;
  log_.write(
      level::notice, "reloaded",
      {{"config", path},
       {"rate", job_.connection.rate},
       {"rate_changed", rate_changed ? "yes" : "no"},
       {"connections", std::to_string(job_.connection.connections)},
       {"log_level", loaded->log.level},
       {"sources", sources.empty() ? "unchanged" : fmt::format("{}", fmt::join(sources, ","))}});
  if (auto keys = restart_only_changes(*loaded); !keys.empty()) {
    log_.write(level::warning, "reload_needs_restart",
               {{"keys", fmt::format("{}", fmt::join(keys, ","))},
                {"note", "these settings stay as they are until the service restarts"}});
  }
}

std::vector<std::string> live_reload::apply_sources(const config::settings& next,
                                                    std::unique_ptr<watch::inbox> next_inbox) {
  std::vector<std::string> applied;
  if (next_inbox) {
    importer_.switch_inbox(*next_inbox);
    inboxes_.push_back(std::move(next_inbox));
    file_.daemon.watch_dir = next.daemon.watch_dir;
    applied.emplace_back("daemon.watch_dir");
  }
  auto& was = file_.ingest;
  auto wanted = next.ingest;
  if (!flag_unset(sub_, "--socket")) wanted.socket = was.socket;
  if (!flag_unset(sub_, "--tcp")) wanted.tcp = was.tcp;
  const bool sockets_changed = wanted.socket != was.socket || wanted.tcp != was.tcp ||
                               wanted.socket_mode != was.socket_mode ||
                               wanted.socket_group != was.socket_group ||
                               wanted.idle_timeout_s != was.idle_timeout_s;
  if (sockets_changed && ingest_ && ingest_->replaceable() &&
      (!wanted.socket.empty() || !wanted.tcp.empty())) {
    auto in = was;  // the spool keeps its settings until a restart
    in.socket = wanted.socket;
    in.tcp = wanted.tcp;
    in.socket_mode = wanted.socket_mode;
    in.socket_group = wanted.socket_group;
    in.idle_timeout_s = wanted.idle_timeout_s;
    asio::co_spawn(session_.io(), ingest_->replace(in), asio::detached);
    was = in;
    applied.emplace_back("ingest sockets");
  }
  return applied;
}

bool live_reload::apply_rate(const job_settings& next) {
  const auto& now = job_.connection;
  const auto& wanted = next.connection;
  if (wanted.rate == now.rate && wanted.rate_margin_ms == now.rate_margin_ms) return false;
  const auto spec = *limit::parse_rate_spec(wanted.rate);  // checked when the file was read
  const auto margin = rate_margin(wanted, spec);
  for (auto which : api::all_endpoints) session_.limiters()[which].reconfigure(spec, margin);
  return true;
}

std::vector<std::string> live_reload::restart_only_changes(const config::settings& next) const {
  std::vector<std::string> keys;
  auto check = [&](bool changed, const char* key) {
    if (changed) keys.emplace_back(key);
  };
  const auto& was = file_;
  check(next.api.base_url != was.api.base_url, "api.base_url");
  check(next.api.ca_file != was.api.ca_file, "api.ca_file");
  check(next.api.insecure != was.api.insecure, "api.insecure");
  check(next.api.brand_id != was.api.brand_id, "api.brand_id");
  check(next.api.api_key_file != was.api.api_key_file, "api.api_key_file");
  check(next.api.timeout_s != was.api.timeout_s, "api.timeout_s");
  check(next.daemon != was.daemon, "daemon");
  check(next.ingest != was.ingest, "ingest");
  check(next.metrics != was.metrics, "metrics");
  return keys;
}

}  // namespace nv::cli

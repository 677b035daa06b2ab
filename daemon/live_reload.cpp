// What a reload may change live, and what it names as needing a restart.
#include "live_reload.hpp"

#include "nv/limit/rate_spec.hpp"

#include <fmt/format.h>

namespace nv::cli {

using log::level;

live_reload::live_reload(const CLI::App& sub, job_settings job, config::settings file,
                         api_session& session, watch::inbox_importer& importer, log::logger& logger)
    : sub_(sub),
      job_(std::move(job)),
      file_(std::move(file)),
      session_(session),
      importer_(importer),
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
  log_.write(level::notice, "reloaded",
             {{"config", path},
              {"rate", job_.connection.rate},
              {"rate_changed", rate_changed ? "yes" : "no"},
              {"connections", std::to_string(job_.connection.connections)},
              {"log_level", loaded->log.level}});
  if (auto keys = restart_only_changes(*loaded); !keys.empty()) {
    log_.write(level::warning, "reload_needs_restart",
               {{"keys", fmt::format("{}", fmt::join(keys, ","))},
                {"note", "these settings stay as they are until the service restarts"}});
  }
}

bool live_reload::apply_rate(const job_settings& next) {
  const auto& now = job_.connection;
  const auto& wanted = next.connection;
  if (wanted.rate == now.rate && wanted.rate_margin_ms == now.rate_margin_ms) return false;
  const auto spec = *limit::parse_rate_spec(wanted.rate);  // checked when the file was read
  const auto margin = wanted.rate_margin_ms < 0 ? limit::default_margin(spec)
                                                : std::chrono::milliseconds(wanted.rate_margin_ms);
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

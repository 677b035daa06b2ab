// The delivery flags shared by import and daemon, and how the configuration file fills them.
#include "job_settings.hpp"

namespace nv::cli {

void add_job_options(CLI::App* sub, job_settings& s) {
  sub->add_option("--config", s.config_file,
                  "TOML configuration file (see check-config); flags override it");
  add_connection_options(sub, s.connection);
  sub->add_option("--max-batch", s.max_batch, "Users per request (1 to 100)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  sub->add_option("--max-line-bytes", s.max_line_bytes, "Reject longer lines")
      ->check(CLI::Range(std::size_t{64}, std::size_t{64} << 20));
  sub->add_flag("--verify-queued,!--no-verify-queued", s.verify_queued,
                "Read one user of each queued batch back and resend the batch when missing");
  sub->add_option("--verify-delay-ms", s.verify_delay_ms, "Wait before the read-back")
      ->capture_default_str();
  sub->add_option("--max-resends", s.max_resends, "Resends of a queued batch found missing")
      ->capture_default_str();
  add_retry_options(sub, s.retry);
}

bool flag_unset(const CLI::App& sub, const char* name) {
  return sub.get_option(name)->count() == 0;
}

void apply_job_config(const config::settings& c, const CLI::App& sub, job_settings& s) {
  auto unset = [&sub](const char* flag) { return flag_unset(sub, flag); };
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
  if (unset("--retry-attempts")) s.retry.attempts = c.retry.attempts;
  if (unset("--retry-base-ms")) s.retry.base_ms = c.retry.base_ms;
  if (unset("--retry-cap-ms")) s.retry.cap_ms = c.retry.cap_ms;
  if (unset("--retry-max-age-s")) s.retry.max_age_s = c.retry.max_age_s;
  if (unset("--max-batch")) s.max_batch = c.import.max_batch;
  if (unset("--max-line-bytes")) s.max_line_bytes = c.import.max_line_bytes;
  if (unset("--verify-queued")) s.verify_queued = c.import.verify_queued;
  if (unset("--verify-delay-ms")) s.verify_delay_ms = c.import.verify_delay_ms;
  if (unset("--max-resends")) s.max_resends = c.import.max_resends;
  log::parse_level(c.log.level, s.log_level);  // checked when the file was read
}

deliver::import_options job_options(const job_settings& s) {
  deliver::import_options o;
  o.stage.reader.max_line_bytes = s.max_line_bytes;
  o.stage.batches.max_users = s.max_batch;
  o.delivery.verify_queued = s.verify_queued;
  o.delivery.verify_delay = std::chrono::milliseconds(s.verify_delay_ms);
  o.delivery.max_resends = s.max_resends;
  o.delivery.retry = s.retry.policy();
  // Twice the connections: a worker prepares or waits on budget while another's answer travels.
  o.workers = s.connection.connections * 2;
  o.queue_batches = s.connection.connections * 2;
  return o;
}

}  // namespace nv::cli

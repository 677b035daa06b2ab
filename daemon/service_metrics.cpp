// Metric names follow Prometheus conventions: nvimport_ prefix, _total for counters, base units.
#include "service_metrics.hpp"

#include "nv/record/reject.hpp"

#include <fmt/format.h>

namespace nv::cli {

namespace {

using metrics::metric_type;

std::size_t slot(api::endpoint which) {
  return static_cast<std::size_t>(which);
}

/// The delivery counters of ended files plus the live file's.
deliver::delivery_counters remote_counters(const watch::inbox_importer& importer) {
  auto sum = importer.totals().remote;
  const auto* file = importer.current();
  if (!file || !file->job()) return sum;
  sum += file->job()->delivered();
  return sum;
}

/// Rejected users by code: ended files, and the live file's local rejects (its stage counters
/// belong to the reading thread; these atomics are published for this) and delivery.
std::array<std::uint64_t, record::reject_code_count> rejects_by_code(
    const watch::inbox_importer& importer) {
  auto by_code = deliver::rejects_by_code(importer.totals().local, remote_counters(importer));
  if (const auto* file = importer.current(); file && file->job()) {
    const auto& live = file->job()->progress().rejected_by_code;
    for (std::size_t i = 0; i < by_code.size(); ++i)
      by_code[i] += live[i].load(std::memory_order_relaxed);
  }
  return by_code;
}

}  // namespace

service_metrics::service_metrics(const watch::inbox_importer& importer, api::client& client,
                                 const http::connection_pool& pool,
                                 const api::endpoint_limiters& limiters,
                                 std::chrono::seconds unreachable_after)
    : importer_(importer), pool_(pool), limiters_(limiters), unreachable_after_(unreachable_after) {
  client.on_attempt([this](const api::attempt_record& attempt) { observe(attempt); });
}

void service_metrics::add_spool(ingest_service& ingest) {
  ingest_ = &ingest;
}

void service_metrics::observe(const api::attempt_record& attempt) {
  if (attempt.http_status != 0) {
    failing_since_.reset();
  } else if (!failing_since_) {
    failing_since_ = clock::now();
  }
  if (!attempt.sent) return;
  ++requests_[{attempt.which, attempt.http_status}];
  latency_[slot(attempt.which)].observe(attempt.latency);
}

void service_metrics::collect(metrics::prometheus_writer& out) const {
  collect_records(out);
  collect_requests(out);
  if (ingest_) collect_spool(out);
}

void service_metrics::collect_records(metrics::prometheus_writer& out) const {
  const auto& totals = importer_.totals();
  auto read = totals.local.read;
  const auto* file = importer_.current();
  if (file && file->job()) read += file->job()->progress().read.load(std::memory_order_relaxed);
  out.counter("nvimport_records_read_total", "Lines read from files and spool segments", read);
  auto by_code = rejects_by_code(importer_);
  out.begin_family("nvimport_records_rejected_total", metric_type::counter,
                   "Records rejected, by reject code (local, server_rejected, delivery_failed)");
  for (std::size_t i = 0; i < by_code.size(); ++i) {
    auto code = record::code_name(static_cast<record::reject_code>(i));
    out.sample(by_code[i], {{"code", code}});
  }
  auto remote = remote_counters(importer_);
  out.counter("nvimport_records_delivered_total", "Users the API acknowledged", remote.delivered);
  out.counter("nvimport_queued_answers_total", "Answers that said queued", remote.queued);
  out.counter("nvimport_throttled_answers_total", "Throttled answers (resent, not failures)",
              remote.throttled);
  out.counter("nvimport_retries_total", "Attempts repeated after a transient failure",
              remote.retries);
  out.counter("nvimport_resends_total", "Queued batches sent again after a failed read-back",
              remote.resends);
  out.begin_family("nvimport_files_total", metric_type::counter, "Files that ended, by outcome");
  out.sample(totals.files_done, {{"outcome", "done"}});
  out.sample(totals.files_failed, {{"outcome", "failed"}});
  out.gauge("nvimport_batches_in_flight", "Batches handed to delivery and not settled yet",
            file ? file->in_flight() : 0);
  out.begin_family("nvimport_checkpoint_lag_bytes", metric_type::gauge,
                   "Bytes read past the last checkpoint of the source being imported");
  if (file) {
    auto source = file->file().filename().string();
    out.sample(file->checkpoint_lag_bytes(), {{"source", source}});
  }
}

void service_metrics::collect_requests(metrics::prometheus_writer& out) const {
  out.begin_family("nvimport_requests_total", metric_type::counter,
                   "Requests sent, by endpoint and HTTP status (0: no answer)");
  for (const auto& [key, count] : requests_) {
    auto status = std::to_string(key.second);
    out.sample(count, {{"endpoint", api::name(key.first)}, {"status", status}});
  }
  out.begin_family("nvimport_limiter_wait_seconds_total", metric_type::counter,
                   "Time requests spent waiting for rate budget, by endpoint");
  for (auto which : api::all_endpoints) {
    auto waited = std::chrono::duration<double>(limiters_[which].stats().waited).count();
    out.sample(waited, {{"endpoint", api::name(which)}});
  }
  for (auto which : api::all_endpoints) {
    latency_[slot(which)].write(out, "nvimport_request_duration_seconds",
                                "Time from a request's start to its answer, by endpoint",
                                {{"endpoint", api::name(which)}});
  }
  auto pool = pool_.stats();
  out.counter("nvimport_tls_handshakes_total", "TLS handshakes (few means connections are reused)",
              pool.counters.handshakes);
  out.gauge("nvimport_connections_lent", "Pooled connections in use", pool.lent);
}

void service_metrics::collect_spool(metrics::prometheus_writer& out) const {
  auto spool = ingest_->store().counters();
  out.gauge("nvimport_spool_bytes", "Bytes of socket data on disk waiting to be imported",
            spool.disk_bytes);
  out.gauge("nvimport_spool_waiting_producers", "Appends waiting for room in a full spool",
            spool.waiting_appends);
  const auto sockets = ingest_->counters();
  out.gauge("nvimport_socket_producers", "Producers connected now", sockets.open_connections);
  out.begin_family("nvimport_socket_lines_total", metric_type::counter,
                   "Lines received on the sockets, by outcome");
  out.sample(sockets.lines_accepted, {{"outcome", "spooled"}});
  out.sample(sockets.lines_rejected, {{"outcome", "rejected"}});
}

metrics::health_report service_metrics::health() const {
  if (failing_since_ && clock::now() - *failing_since_ >= unreachable_after_) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - *failing_since_);
    return {false, fmt::format("API unreachable for {} s", seconds.count())};
  }
  if (ingest_ && ingest_->store().counters().waiting_appends > 0) {
    return {false, fmt::format("spool full: {} producers waiting for room",
                               ingest_->store().counters().waiting_appends)};
  }
  return {};
}

}  // namespace nv::cli

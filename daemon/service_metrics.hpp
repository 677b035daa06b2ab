// The daemon's numbers as Prometheus text, and its health, from the parts that count them.
#pragma once

#include "ingest_service.hpp"

#include "nv/api/client.hpp"
#include "nv/http/connection_pool.hpp"
#include "nv/metrics/latency_histogram.hpp"
#include "nv/metrics/metrics_routes.hpp"
#include "nv/watch/inbox_importer.hpp"

#include <array>
#include <chrono>
#include <map>
#include <optional>

namespace nv::cli {

/// Reads what the importer, the client, the pool, the limiters, the spool and the socket
/// listener counted, at each scrape. Per-attempt numbers (requests by endpoint and status, the
/// latency histogram, API reachability) come from the client's attempt observer. Use from the
/// io_context's thread; everything given must outlive it.
class service_metrics {
 public:
  service_metrics(const watch::inbox_importer& importer, api::client& client,
                  const http::connection_pool& pool, const api::endpoint_limiters& limiters,
                  std::chrono::seconds unreachable_after);

  /// Adds the spool and the sockets to the page and to the health check.
  void add_spool(ingest_service& ingest);

  /// Writes every family.
  void collect(metrics::prometheus_writer& out) const;
  /// Fails when the API has not answered for `unreachable_after` since a failure, or when the
  /// spool is full (producers are waiting).
  metrics::health_report health() const;

 private:
  void observe(const api::attempt_record& attempt);
  void collect_records(metrics::prometheus_writer& out) const;
  void collect_requests(metrics::prometheus_writer& out) const;
  void collect_spool(metrics::prometheus_writer& out) const;

  using clock = std::chrono::steady_clock;
  const watch::inbox_importer& importer_;
  const http::connection_pool& pool_;
  const api::endpoint_limiters& limiters_;
  ingest_service* ingest_ = nullptr;
  std::chrono::seconds unreachable_after_;
  std::map<std::pair<api::endpoint, unsigned>, std::uint64_t> requests_;  // by endpoint, status
  std::array<metrics::latency_histogram, api::endpoint_count> latency_;
  std::optional<clock::time_point> failing_since_;  // no answer since then
};

}  // namespace nv::cli

// The answers of the metrics server: /metrics, /healthz, and what any other request gets.
#pragma once

#include "nv/metrics/prometheus_writer.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>
#include <string>

namespace nv::metrics {

/// What /healthz reports: healthy gives 200 "ok", unhealthy 503 with the reason.
struct health_report {
  bool healthy = true;
  std::string reason;  ///< why not healthy, e.g. "API unreachable for 312 s"
};

/// Writes the numbers of one scrape into the page; called on the io_context's thread.
using metrics_collector = std::function<void(prometheus_writer&)>;

/// Tells whether the service is healthy; called on the io_context's thread.
using health_check = std::function<health_report()>;

/// The Content-Type of a /metrics page.
inline constexpr std::string_view exposition_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

/// Returns the answer to `request`: GET or HEAD of /metrics (the collector's page) or /healthz;
/// 404 for another path, 405 for another method. `page` becomes the body, so a string kept by
/// the connection lends its capacity to every scrape (take it back from the response's body).
/// A HEAD answer has the Content-Length of the GET answer and no body.
boost::beast::http::response<boost::beast::http::string_body> answer_request(
    const boost::beast::http::request<boost::beast::http::string_body>& request,
    const metrics_collector& collect, const health_check& health, std::string page);

}  // namespace nv::metrics

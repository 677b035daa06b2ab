// The answers of the metrics server: /metrics, /healthz, and what any other request gets.
#include "nv/metrics/metrics_routes.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include <utility>

namespace nv::metrics {
namespace {

namespace http = boost::beast::http;
using response = http::response<http::string_body>;

constexpr std::string_view plain_text = "text/plain; charset=utf-8";

void set_text(response& answer, std::string_view content_type, std::string body) {
  answer.set(http::field::content_type, content_type);
  answer.body() = std::move(body);
}

void write_page(response& answer, const metrics_collector& collect, std::string page) {
  prometheus_writer writer(page);
  if (collect) collect(writer);
  set_text(answer, exposition_content_type, std::move(page));
}

void write_health(response& answer, const health_check& health, std::string page) {
  health_report report = health ? health() : health_report{};
  page.clear();
  if (report.healthy) {
    page += "ok\n";
  } else {
    answer.result(http::status::service_unavailable);
    page += report.reason.empty() ? "unhealthy" : report.reason;
    page += '\n';
  }
  set_text(answer, plain_text, std::move(page));
}

}  // namespace

response answer_request(const http::request<http::string_body>& request,
                        const metrics_collector& collect, const health_check& health,
                        std::string page) {
  response answer{http::status::ok, request.version()};
  answer.set(http::field::server, "nvimport");
  answer.keep_alive(request.keep_alive());
  // A scraper may add a query string; the path alone picks the page.
  std::string_view target = request.target();
  std::string_view path = target.substr(0, target.find('?'));
  const bool known = path == "/metrics" || path == "/healthz";
  const bool readable = request.method() == http::verb::get || request.method() == http::verb::head;
  if (!known) {
    answer.result(http::status::not_found);
    page.clear();
    set_text(answer, plain_text, std::move(page.append("not found\n")));
  } else if (!readable) {
    answer.result(http::status::method_not_allowed);
    answer.set(http::field::allow, "GET, HEAD");
    page.clear();
    set_text(answer, plain_text, std::move(page.append("method not allowed\n")));
  } else if (path == "/metrics") {
    write_page(answer, collect, std::move(page));
  } else {
    write_health(answer, health, std::move(page));
  }
  answer.prepare_payload();
  // HEAD keeps the Content-Length just computed and sends no body (RFC 9110, 9.3.2).
  if (request.method() == http::verb::head) answer.body().clear();
  return answer;
}

}  // namespace nv::metrics

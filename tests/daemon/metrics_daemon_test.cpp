// Integration tests of `nvimport daemon`'s /metrics and /healthz: the page parses with Python's
// prometheus_client parser, its counters equal a run's numbers (files and socket data, against
// nvsim's own statistics), and /healthz turns 503 once the API has been unreachable too long.
#include "daemon/daemon_runner.hpp"

#include "nv/record/reject.hpp"

#include <doctest/doctest.h>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nv::test::daemon_process;
using nv::test::number;
using nv::test::nvsim_process;

namespace {

/// Returns nvsim's answers to /api/v1/user/create by HTTP status, as /metrics labels them.
std::map<std::string, double> create_answers(nvsim_process& sim) {
  std::map<std::string, double> answers;
  const auto stats = nv::test::create_stats(sim);  // named: a range-for keeps no temporary alive
  for (const auto& [status, count] : stats.at("answers").as_object())
    answers[std::string(status)] = count.to_number<double>();
  return answers;
}

}  // namespace

TEST_CASE("/metrics parses as Prometheus text and its counters equal the run's numbers") {
  auto dirs = nv::test::make_daemon_dirs("metrics-run");
  // Every batch holding "srv-bad" is refused with a 400 until bisection isolates it.
  nvsim_process sim(NV_NVSIM_PATH, {"--rate", "off", "--reject-user", "^srv-bad$"});
  auto config = nv::test::write_config(
      dirs, "[ingest]\nseal_after_ms = 100\n[metrics]\nunreachable_after_s = 1\n");
  daemon_process daemon(sim, dirs,
                        nv::test::ingest_flags(dirs, config, {"--drain-timeout-s", "1"}));
  const auto ports = nv::test::wait_for_ports(daemon);
  INFO("daemon log:\n" << daemon.log());
  const auto root = dirs.inbox.parent_path();

  auto healthy = nv::test::get_metrics_page(ports.metrics, "/healthz");
  CHECK(healthy.status == 200);
  CHECK(healthy.body == "ok\n");

  std::string file = nv::test::tagged_users("file", 250);
  file += R"({"userId":"bad-mobile","phone":"+0123"})"
          "\n";
  file += "{not json\n";
  file += R"({"userId":"srv-bad","email":"srv@example.com"})"
          "\n";
  nv::test::drop_file(dirs.inbox, "users.ndjson", file);
  REQUIRE(daemon.wait_for_event("file_done"));
  auto report = nv::test::read_json_file(dirs.done() / "users.ndjson.report.json");
  CHECK(number(report.at("records").as_object(), "read") == 253);
  CHECK(number(report.at("records").as_object(), "delivered") == 250);

  auto producer = nv::test::socket_producer::over_unix(nv::test::socket_path(dirs));
  std::string stream = nv::test::tagged_users("sock", 120);
  stream += "[1]\n";
  stream += R"({"userId":"sock-bad","phone":"+0123"})"
            "\n";
  REQUIRE(producer.send(stream));
  CHECK(producer.finish() == nv::test::ack_line(121, 1));
  REQUIRE(nv::test::wait_for_spool_imported(daemon, dirs, 120, 20s));

  auto page = nv::test::scrape_metrics(ports.metrics, root);
  INFO("metrics page:\n" << page.text);
  CHECK(page.value("nvimport_records_read_total") == 253 + 121);
  CHECK(page.value("nvimport_records_delivered_total") == 250 + 120);
  CHECK(number(nv::test::create_stats(sim), "distinct_users") == 370);
  std::map<std::string, double> expected_rejects;
  for (std::size_t i = 0; i < nv::record::reject_code_count; ++i)  // every code has a sample
    expected_rejects[std::string(nv::record::code_name(static_cast<nv::record::reject_code>(i)))] =
        0;
  expected_rejects["bad_mobile"] = 2;
  expected_rejects["malformed_json"] = 1;
  expected_rejects["server_rejected"] = 1;
  CHECK(page.by_label("nvimport_records_rejected_total", "code") == expected_rejects);

  // Requests by status are what nvsim answered: 200s and the 400s of the bisection.
  const auto answers = create_answers(sim);
  CHECK(answers.contains("400"));
  std::map<std::string, double> create_requests;
  double create_total = 0;
  for (const auto& s : page.samples) {
    if (s.name != "nvimport_requests_total") continue;
    CHECK(s.labels.at("endpoint") == "create");
    create_requests[s.labels.at("status")] = s.value;
    create_total += s.value;
  }
  CHECK(create_requests == answers);
  CHECK(create_total == number(nv::test::create_stats(sim), "requests"));
  CHECK(page.value("nvimport_request_duration_seconds_count", {{"endpoint", "create"}}) ==
        create_total);
  CHECK(page.value("nvimport_throttled_answers_total") == 0);
  CHECK(page.value("nvimport_files_total", {{"outcome", "done"}}) == 1);
  CHECK(page.value("nvimport_files_total", {{"outcome", "failed"}}) == 0);
  CHECK(page.value("nvimport_batches_in_flight") == 0);
  CHECK(page.value("nvimport_socket_lines_total", {{"outcome", "spooled"}}) == 121);
  CHECK(page.value("nvimport_socket_lines_total", {{"outcome", "rejected"}}) == 1);
  CHECK(page.value("nvimport_socket_producers") == 0);
  CHECK(page.value("nvimport_spool_bytes") == 0);
  CHECK(page.value("nvimport_spool_waiting_producers") == 0);

  // With the API gone, a file's requests fail; after unreachable_after_s /healthz says so.
  CHECK(sim.stop().status == 0);
  nv::test::drop_file(dirs.inbox, "late.ndjson", nv::test::tagged_users("late", 10));
  nv::test::http_answer unhealthy;
  REQUIRE(daemon.wait_until(
      [&] {
        unhealthy = nv::test::get_metrics_page(ports.metrics, "/healthz");
        return unhealthy.status != 200;
      },
      15s));
  CHECK(unhealthy.status == 503);
  CHECK(unhealthy.body.starts_with("API unreachable for "));
  auto last = nv::test::scrape_metrics(ports.metrics, root);
  CHECK(last.value("nvimport_records_delivered_total") == 370);
  CHECK(last.value("nvimport_records_read_total") == 253 + 121 + 10);
  // The late file cannot settle: the drain's deadline ends the daemon, still with exit 0.
  CHECK(daemon.stop() == 0);
}

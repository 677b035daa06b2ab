// Tests of prometheus_writer: the exact page text (families, labels, escaping, values), and that
// Python's prometheus_client parser reads the page back to the same families and values.
#include "nv/metrics/prometheus_writer.hpp"
#include "support/nvsim_process.hpp"
#include "support/shell_run.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

using nv::metrics::histogram_view;
using nv::metrics::label;
using nv::metrics::metric_type;
using nv::metrics::prometheus_writer;

TEST_CASE("prometheus_writer: a counter family with two label sets has one HELP and TYPE") {
  std::string page;
  prometheus_writer writer(page);
  writer.counter("nv_requests_total", "Requests sent, by endpoint and status.", 7,
                 {{"endpoint", "create"}, {"status", "200"}});
  writer.counter("nv_requests_total", "Requests sent, by endpoint and status.", 2,
                 {{"endpoint", "create"}, {"status", "429"}});
  writer.gauge("nv_batches_in_flight", "Batches sent and not yet answered.", 3);
  CHECK(page ==
        "# HELP nv_requests_total Requests sent, by endpoint and status.\n"
        "# TYPE nv_requests_total counter\n"
        "nv_requests_total{endpoint=\"create\",status=\"200\"} 7\n"
        "nv_requests_total{endpoint=\"create\",status=\"429\"} 2\n"
        "# HELP nv_batches_in_flight Batches sent and not yet answered.\n"
        "# TYPE nv_batches_in_flight gauge\n"
        "nv_batches_in_flight 3\n");
  CHECK(writer.page() == page);
}

TEST_CASE("prometheus_writer: begin_family then samples, labels built at run time") {
  std::string page;
  prometheus_writer writer(page);
  writer.begin_family("nv_rejected_total", metric_type::counter, "Records rejected, by reason.");
  const std::vector<std::string> reasons{"bad_json", "missing_id"};
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    std::array<label, 1> labels{{{"reason", reasons[i]}}};
    writer.sample(10 * (i + 1), std::span<const label>(labels));
  }
  writer.begin_family("nv_up", metric_type::untyped, "Whether the daemon runs.");
  writer.sample(1);
  CHECK(page ==
        "# HELP nv_rejected_total Records rejected, by reason.\n"
        "# TYPE nv_rejected_total counter\n"
        "nv_rejected_total{reason=\"bad_json\"} 10\n"
        "nv_rejected_total{reason=\"missing_id\"} 20\n"
        "# HELP nv_up Whether the daemon runs.\n"
        "# TYPE nv_up untyped\n"
        "nv_up 1\n");
}

TEST_CASE("prometheus_writer: label values and HELP are escaped") {
  std::string page;
  prometheus_writer writer(page);
  writer.gauge("nv_checkpoint_lag_bytes",
               "Bytes read past the checkpoint.\nPer \\source\\ \"file\".", 12,
               {{"source", "C:\\in\\\"a\"\nb.ndjson"}});
  CHECK(page ==
        "# HELP nv_checkpoint_lag_bytes Bytes read past the checkpoint.\\nPer \\\\source\\\\ "
        "\"file\".\n"
        "# TYPE nv_checkpoint_lag_bytes gauge\n"
        "nv_checkpoint_lag_bytes{source=\"C:\\\\in\\\\\\\"a\\\"\\nb.ndjson\"} 12\n");
}

TEST_CASE("prometheus_writer: integers stay exact, doubles round-trip, and Inf and NaN are named") {
  std::string page;
  prometheus_writer writer(page);
  writer.begin_family("v", metric_type::gauge, "Values.");
  writer.sample(std::numeric_limits<std::uint64_t>::max(), {{"k", "u64max"}});
  writer.sample(std::uint64_t{9007199254740993}, {{"k", "2^53+1"}});
  writer.sample(std::int64_t{-42}, {{"k", "negative"}});
  writer.sample(0.1, {{"k", "tenth"}});
  writer.sample(3.0, {{"k", "three"}});
  writer.sample(1e-9, {{"k", "nano"}});
  writer.sample(123456.789, {{"k", "decimal"}});
  writer.sample(std::numeric_limits<double>::infinity(), {{"k", "inf"}});
  writer.sample(-std::numeric_limits<double>::infinity(), {{"k", "-inf"}});
  writer.sample(std::numeric_limits<double>::quiet_NaN(), {{"k", "nan"}});
  CHECK(page ==
        "# HELP v Values.\n"
        "# TYPE v gauge\n"
        "v{k=\"u64max\"} 18446744073709551615\n"
        "v{k=\"2^53+1\"} 9007199254740993\n"
        "v{k=\"negative\"} -42\n"
        "v{k=\"tenth\"} 0.1\n"
        "v{k=\"three\"} 3\n"
        "v{k=\"nano\"} 1e-09\n"
        "v{k=\"decimal\"} 123456.789\n"
        "v{k=\"inf\"} +Inf\n"
        "v{k=\"-inf\"} -Inf\n"
        "v{k=\"nan\"} NaN\n");
}

TEST_CASE("prometheus_writer: a histogram has cumulative buckets, +Inf last, then sum and count") {
  const std::array<double, 2> bounds{0.1, 1};
  const std::array<std::uint64_t, 3> per_bucket{1, 0, 2};  // 0.0625 | nothing | 4, 0.5 + Inf
  std::string page;
  prometheus_writer writer(page);
  writer.histogram("nv_request_seconds", "Time from request to answer.",
                   histogram_view{bounds, per_bucket, 4.5625}, {{"endpoint", "create"}});
  writer.histogram("nv_request_seconds", "Time from request to answer.",
                   histogram_view{bounds, std::array<std::uint64_t, 3>{}, 0},
                   {{"endpoint", "get"}});
  CHECK(page ==
        "# HELP nv_request_seconds Time from request to answer.\n"
        "# TYPE nv_request_seconds histogram\n"
        "nv_request_seconds_bucket{endpoint=\"create\",le=\"0.1\"} 1\n"
        "nv_request_seconds_bucket{endpoint=\"create\",le=\"1\"} 1\n"
        "nv_request_seconds_bucket{endpoint=\"create\",le=\"+Inf\"} 3\n"
        "nv_request_seconds_sum{endpoint=\"create\"} 4.5625\n"
        "nv_request_seconds_count{endpoint=\"create\"} 3\n"
        "nv_request_seconds_bucket{endpoint=\"get\",le=\"0.1\"} 0\n"
        "nv_request_seconds_bucket{endpoint=\"get\",le=\"1\"} 0\n"
        "nv_request_seconds_bucket{endpoint=\"get\",le=\"+Inf\"} 0\n"
        "nv_request_seconds_sum{endpoint=\"get\"} 0\n"
        "nv_request_seconds_count{endpoint=\"get\"} 0\n");
}

TEST_CASE("prometheus_writer: a histogram without labels has only le") {
  const std::array<double, 1> bounds{0.5};
  const std::array<std::uint64_t, 2> per_bucket{2, 1};
  std::string page;
  prometheus_writer writer(page);
  writer.begin_family("wait_seconds", metric_type::histogram, "Waits.");
  writer.histogram_sample(histogram_view{bounds, per_bucket, 1.5});
  CHECK(page ==
        "# HELP wait_seconds Waits.\n"
        "# TYPE wait_seconds histogram\n"
        "wait_seconds_bucket{le=\"0.5\"} 2\n"
        "wait_seconds_bucket{le=\"+Inf\"} 3\n"
        "wait_seconds_sum 1.5\n"
        "wait_seconds_count 3\n");
}

TEST_CASE("prometheus_writer: a reused page is cleared and keeps its capacity") {
  std::string page = "left over from the last scrape";
  page.reserve(4096);
  const auto capacity = page.capacity();
  {
    prometheus_writer writer(page);
    writer.counter("a_total", "A.", 1);
  }
  CHECK(page == "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n");
  CHECK(page.capacity() == capacity);
}

TEST_CASE("prometheus_writer: metric and label names are checked against the format's grammar") {
  using nv::metrics::valid_label_name;
  using nv::metrics::valid_metric_name;
  CHECK(valid_metric_name("nv_records_read_total"));
  CHECK(valid_metric_name("job:nv_requests:rate5m"));
  CHECK(valid_metric_name("_x9"));
  CHECK_FALSE(valid_metric_name(""));
  CHECK_FALSE(valid_metric_name("9lives"));
  CHECK_FALSE(valid_metric_name("nv-records"));
  CHECK_FALSE(valid_metric_name("nv records"));
  CHECK_FALSE(valid_metric_name("nv_é"));
  CHECK(valid_label_name("endpoint"));
  CHECK(valid_label_name("_status2"));
  CHECK_FALSE(valid_label_name("job:name"));
  CHECK_FALSE(valid_label_name("__name__"));
  CHECK_FALSE(valid_label_name("2xx"));
  CHECK_FALSE(valid_label_name(""));
}

// The writer and the parser agree only if a real parser says so: Debian's python3-prometheus-
// client (scripts/bootstrap installs it for /usr/bin/python3, whatever python3 comes first).
TEST_CASE("prometheus_writer: Python's prometheus_client parser reads the page back") {
  const std::array<double, 3> bounds{0.005, 0.25, 30};
  const std::array<std::uint64_t, 4> per_bucket{4, 0, 1, 1};
  std::string page;
  prometheus_writer writer(page);
  writer.counter("nv_records_read_total", "Records read.\nAll sources.", 12345,
                 {{"source", "a \"b\"\\c\nd"}});
  writer.counter("nv_records_read_total", "Records read.\nAll sources.", 0, {{"source", "stdin"}});
  writer.gauge("nv_spool_bytes", "Bytes in the spool.", 1048576);
  writer.gauge("nv_limiter_wait_ratio", "Share of time waiting.", 0.375);
  writer.gauge("nv_nothing_yet", "Not a number yet.", std::numeric_limits<double>::quiet_NaN());
  writer.histogram("nv_request_seconds", "Request latency.",
                   histogram_view{bounds, per_bucket, 42.5}, {{"endpoint", "create"}});
  const std::string dir = nv::test::make_temp_dir("metrics-parse").string();
  std::ofstream(dir + "/page.txt") << page;
  std::ofstream(dir + "/parse.py") << R"(import sys
from prometheus_client.parser import text_string_to_metric_families
for family in text_string_to_metric_families(open("page.txt").read()):
    print("family", family.name, family.type, repr(family.documentation))
    for s in family.samples:
        labels = ",".join(f"{k}={v!r}" for k, v in sorted(s.labels.items()))
        print(" ", s.name, labels, repr(s.value))
)";
  const auto run = nv::test::run_in(dir, "/usr/bin/python3 parse.py");
  REQUIRE_MESSAGE(run.status == 0, run.err);
  CHECK(run.out ==
        "family nv_records_read counter 'Records read.\\nAll sources.'\n"
        "  nv_records_read_total source='a \"b\"\\\\c\\nd' 12345.0\n"
        "  nv_records_read_total source='stdin' 0.0\n"
        "family nv_spool_bytes gauge 'Bytes in the spool.'\n"
        "  nv_spool_bytes  1048576.0\n"
        "family nv_limiter_wait_ratio gauge 'Share of time waiting.'\n"
        "  nv_limiter_wait_ratio  0.375\n"
        "family nv_nothing_yet gauge 'Not a number yet.'\n"
        "  nv_nothing_yet  nan\n"
        "family nv_request_seconds histogram 'Request latency.'\n"
        "  nv_request_seconds_bucket endpoint='create',le='0.005' 4.0\n"
        "  nv_request_seconds_bucket endpoint='create',le='0.25' 4.0\n"
        "  nv_request_seconds_bucket endpoint='create',le='30' 5.0\n"
        "  nv_request_seconds_bucket endpoint='create',le='+Inf' 6.0\n"
        "  nv_request_seconds_sum endpoint='create' 42.5\n"
        "  nv_request_seconds_count endpoint='create' 6.0\n");
}

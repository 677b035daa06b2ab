// Tests of latency_histogram: which bucket a duration lands in (le is inclusive), sum and count,
// the written text with a label, and the bounds it refuses.
#include "nv/metrics/latency_histogram.hpp"

#include <doctest/doctest.h>

#include <array>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

using nv::metrics::latency_histogram;
using nv::metrics::prometheus_writer;
using namespace std::chrono_literals;

namespace {

// Returns the per-bucket counts the histogram holds.
std::vector<std::uint64_t> buckets_of(const latency_histogram& histogram) {
  auto counts = histogram.view().bucket_counts;
  return {counts.begin(), counts.end()};
}

}  // namespace

TEST_CASE("latency_histogram: the default bounds run from 5 ms to 30 s") {
  const auto bounds = latency_histogram::default_bounds();
  CHECK(std::vector<double>(bounds.begin(), bounds.end()) ==
        std::vector<double>{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  latency_histogram histogram;
  CHECK(histogram.view().upper_bounds.size() == 12);
  CHECK(histogram.view().bucket_counts.size() == 13);
  CHECK(histogram.count() == 0);
}

TEST_CASE("latency_histogram: a value on a bound counts in that bucket, above the last in +Inf") {
  const std::array<double, 3> bounds{0.25, 1, 4};
  latency_histogram histogram(bounds);
  histogram.observe(0.25);                                      // on the first bound: le="0.25"
  histogram.observe(0.0);                                       // below everything: le="0.25"
  histogram.observe(0.5);                                       // le="1"
  histogram.observe(1.0);                                       // on a bound: le="1"
  histogram.observe(4.0);                                       // le="4"
  histogram.observe(4.5);                                       // above the last bound: +Inf only
  histogram.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  CHECK(buckets_of(histogram) == std::vector<std::uint64_t>{2, 2, 1, 1});
  CHECK(histogram.count() == 6);
  CHECK(histogram.sum() == 10.25);
}

TEST_CASE("latency_histogram: durations are counted in seconds") {
  latency_histogram histogram;
  histogram.observe(250ms);
  histogram.observe(std::chrono::microseconds(4500));
  histogram.observe(31s);
  CHECK(buckets_of(histogram) == std::vector<std::uint64_t>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1});
  CHECK(histogram.sum() == doctest::Approx(31.2545).epsilon(1e-12));
  CHECK(histogram.count() == 3);
}

TEST_CASE("latency_histogram: written with an endpoint label, buckets cumulated") {
  const std::array<double, 2> bounds{0.125, 2};
  latency_histogram create(bounds);
  latency_histogram get(bounds);
  create.observe(0.0625);
  create.observe(1.5);
  create.observe(8.0);
  get.observe(0.125);
  std::string page;
  prometheus_writer writer(page);
  create.write(writer, "nv_request_seconds", "Request latency.", {{"endpoint", "create"}});
  get.write(writer, "nv_request_seconds", "Request latency.", {{"endpoint", "get"}});
  CHECK(page ==
        "# HELP nv_request_seconds Request latency.\n"
        "# TYPE nv_request_seconds histogram\n"
        "nv_request_seconds_bucket{endpoint=\"create\",le=\"0.125\"} 1\n"
        "nv_request_seconds_bucket{endpoint=\"create\",le=\"2\"} 2\n"
        "nv_request_seconds_bucket{endpoint=\"create\",le=\"+Inf\"} 3\n"
        "nv_request_seconds_sum{endpoint=\"create\"} 9.5625\n"
        "nv_request_seconds_count{endpoint=\"create\"} 3\n"
        "nv_request_seconds_bucket{endpoint=\"get\",le=\"0.125\"} 1\n"
        "nv_request_seconds_bucket{endpoint=\"get\",le=\"2\"} 1\n"
        "nv_request_seconds_bucket{endpoint=\"get\",le=\"+Inf\"} 1\n"
        "nv_request_seconds_sum{endpoint=\"get\"} 0.125\n"
        "nv_request_seconds_count{endpoint=\"get\"} 1\n");
}

TEST_CASE("latency_histogram: bounds must be finite and strictly increasing") {
  const std::array<double, 2> equal{1, 1};
  const std::array<double, 2> falling{2, 1};
  const std::array<double, 2> infinite{1, std::numeric_limits<double>::infinity()};
  CHECK_THROWS_AS(latency_histogram{equal}, std::invalid_argument);
  CHECK_THROWS_AS(latency_histogram{falling}, std::invalid_argument);
  CHECK_THROWS_AS(latency_histogram{infinite}, std::invalid_argument);
  const std::array<double, 0> none{};
  latency_histogram only_inf(none);
  only_inf.observe(3.0);
  CHECK(buckets_of(only_inf) == std::vector<std::uint64_t>{1});
}

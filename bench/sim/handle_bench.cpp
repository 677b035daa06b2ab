// Benchmark of simulated_api::handle on bench/sim/run's 100-user create body (~35 KB), without
// sockets or TLS: the CPU nvsim spends per request on parsing, strict checks and the store.
//
//   nv_sim_handle_bench [REQUESTS] [PASSES] [fresh]   (defaults: 20000 requests, 5 passes)
//
// Each pass re-sends the same body, as wrk does, so every user after the first pass is an update.
// With "fresh", every request carries 100 users never sent before, as an import does (the store
// grows by REQUESTS x PASSES x 100 users): the insert path bench/e2e exercises. The answer of
// every request is checked, so a fast wrong answer cannot win.
#include "sim/endpoints.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

/// Marks where a fresh run writes the request's number into each user's id and email.
constexpr std::string_view request_mark = "RRRRRRR";

/// Returns the body bench/sim/run generates: 100 users with standard and custom attributes.
/// With `fresh`, ids and emails hold request_mark, to be overwritten per request.
std::string make_body(bool fresh) {
  std::string out = R"({"nv":[)";
  constexpr const char* genders[] = {"male", "female", "other"};
  for (int i = 0; i < 100; ++i) {
    if (i) out += ',';
    // Python's json.dumps writes i * 1.5 as 0.0, 1.5, 3.0: a float always has a fraction.
    std::string score = fmt::format("{}", i * 1.5);
    if (score.find('.') == std::string::npos) score += ".0";
    out += fmt::format(
        R"({{"userID":"bench-{4}user-{0:05}@example.com","user_attributes":{{"name":"Bench User {0}",)"
        R"("first_name":"Bench","last_name":"User{0}","email":"bench-{4}user-{0:05}@example.com",)"
        R"("mobile":"+9198{0:08}","birth_date":"1990-11-25","gender":"{1}","email_opt_in":"1",)"
        R"("sms_opt_in":"0","whatsapp_opt_in":"2","company":"Example Ltd","plan":"gold",)"
        R"("visits":{0},"score":{2},"vip":{3},"address":{{"city":"Pune","zip":"41{0:04}"}}}}}})",
        i, genders[i % 3], score, i % 2 == 0 ? "true" : "false",
        fresh ? std::string(request_mark) + "-" : "");
  }
  out += "]}";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const long requests = argc > 1 ? std::atol(argv[1]) : 20000;
  const int passes = argc > 2 ? std::atoi(argv[2]) : 5;
  const bool fresh = argc > 3 && std::string_view(argv[3]) == "fresh";
  nv::sim::options opts;
  opts.brands.push_back({"1", "test-key"});
  opts.rate.requests = 0;
  // Never destroyed: freeing a fresh run's million users would dominate a profile of the run.
  auto& api = *new nv::sim::simulated_api(opts);
  std::string body = make_body(fresh);
  const std::size_t size = body.size();
  std::vector<std::size_t> marks;  // Where the request's number goes (fresh only).
  for (auto at = body.find(request_mark); at != std::string::npos;
       at = body.find(request_mark, at + 1))
    marks.push_back(at);
  long sent = 0;
  body.reserve(size + simdjson::SIMDJSON_PADDING);
  const nv::sim::request_view request{"POST",
                                      "/api/v1/user/create",
                                      "test-key",
                                      "1",
                                      std::string_view(body.data(), size),
                                      body.capacity() - size};
  const std::string expected =
      R"({"response":{"status":"success","message":"100 users processed"}})";
  std::vector<double> rates;
  for (int pass = 0; pass < passes; ++pass) {
    auto start = clock_type::now();
    for (long i = 0; i < requests; ++i, ++sent) {
      if (fresh) {
        char digits[8];
        fmt::format_to(digits, "{:07}", sent % 10000000);
        for (std::size_t at : marks) std::memcpy(body.data() + at, digits, request_mark.size());
      }
      nv::sim::answer a = api.handle(request);
      if (a.status != 200 || a.body != expected) {
        fmt::print(stderr, "nv_sim_handle_bench: unexpected answer {} {}\n", a.status, a.body);
        return 1;
      }
    }
    std::chrono::duration<double> took = clock_type::now() - start;
    rates.push_back(static_cast<double>(requests) / took.count());
  }
  std::sort(rates.begin(), rates.end());
  double median = rates[rates.size() / 2];
  fmt::print("body {} B, {} requests x {} passes{}\n", size, requests, passes,
             fresh ? ", 100 new users each" : "");
  fmt::print("handle: {:.0f} requests/s median ({:.1f} us each, {:.0f} MB/s)\n", median,
             1e6 / median, median * static_cast<double>(size) / 1e6);
  return 0;
}

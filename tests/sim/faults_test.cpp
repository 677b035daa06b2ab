// Integration tests: each fault flag of nvsim shows its effect at the configured rate.
#include "sim/sim_client.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

using namespace nv::test;
using namespace nv::test::sim;
using namespace std::chrono_literals;

namespace {

constexpr int requests = 600;

// With a seeded generator the counts are repeatable; the tolerance is about four standard
// deviations of the binomial, so a wrong probability cannot pass by luck.
void check_rate(int hits, double p) {
  double sd = std::sqrt(requests * p * (1 - p));
  CAPTURE(hits);
  CHECK(std::abs(hits - requests * p) <= 4 * sd);
}

}  // namespace

TEST_CASE("--fail-5xx answers 503 with an error body at the configured rate") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--rate", "off", "--fail-5xx", "0.3", "--seed", "7"});
  auto client = nvsim.client();
  int failed = 0;
  for (int i = 0; i < requests; ++i) {
    auto a = client->post(create_path, create_body(1, "u", i), default_credentials());
    if (a.status == 503) {
      ++failed;
      CHECK(status_of(a) == "error");
    } else {
      CHECK(a.status == 200);
    }
  }
  check_rate(failed, 0.3);
  auto stats = nvsim.stats();
  CHECK(answers(stats, create_path, "503") == failed);
  CHECK(stat(stats, create_path, "distinct_users") == requests - failed);
}

TEST_CASE("--drop closes the connection without an answer at the configured rate") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--rate", "off", "--drop", "0.2", "--seed", "8"});
  auto client = nvsim.client();
  int dropped = 0;
  for (int i = 0; i < requests; ++i) {
    auto a = client->post(create_path, create_body(1, "u", i), default_credentials());
    if (a.error)
      ++dropped;
    else
      CHECK(a.status == 200);
  }
  check_rate(dropped, 0.2);
  auto stats = nvsim.stats();
  CHECK(stat(stats, create_path, "dropped") == dropped);
  CHECK(stat(stats, create_path, "distinct_users") == requests - dropped);
}

TEST_CASE("--queued answers queued and --lose-queued never stores some queued batches") {
  nvsim_process nvsim(NV_NVSIM_PATH,
                      {"--rate", "off", "--queued", "0.5", "--lose-queued", "0.5", "--seed", "9"});
  auto client = nvsim.client();
  int queued = 0;
  for (int i = 0; i < requests; ++i) {
    auto a = client->post(create_path, create_body(1, "u", i), default_credentials());
    CHECK(a.status == 200);
    queued += status_of(a) == "queued";
  }
  check_rate(queued, 0.5);
  auto stored = static_cast<int>(nvsim.users().size());
  int lost = requests - stored;
  check_rate(lost, 0.25);
  CHECK(lost < queued);
  CHECK(stat(nvsim.stats(), create_path, "users_received") == requests);
}

TEST_CASE("--delay-ms delays each answer within its range") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--delay-ms", "80..120"});
  auto client = nvsim.client();
  CHECK_FALSE(client->connect());
  for (int i = 0; i < 5; ++i) {
    auto start = std::chrono::steady_clock::now();
    CHECK(client->post(create_path, create_body(1), default_credentials()).status == 200);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took >= 80ms);
    CHECK(took < 1000ms);
  }
}

TEST_CASE("--reject-user fails a batch holding a matching userID with 400 naming it") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--reject-user", "^bad-"});
  auto client = nvsim.client();
  auto body = R"({"nv":[{"userID":"good-1"},{"userID":"bad-7"}]})";
  auto a = client->post(create_path, body, default_credentials());
  CHECK(a.status == 400);
  CHECK(
      a.body ==
      R"({"response":{"status":"error","message":"Error: rejected by a server rule, user bad-7"}})");
  CHECK(nvsim.users().empty());
  CHECK(
      client->post(create_path, R"({"nv":[{"userID":"good-1"}]})", default_credentials()).status ==
      200);
}

TEST_CASE("--slow-accept holds each new connection before its handshake") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--slow-accept", "300"});
  auto client = nvsim.client();
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(client->connect());
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);
  // The connection, once up, answers at full speed.
  start = std::chrono::steady_clock::now();
  CHECK(client->post(create_path, create_body(1), default_credentials()).status == 200);
  CHECK(std::chrono::steady_clock::now() - start < 300ms);
}

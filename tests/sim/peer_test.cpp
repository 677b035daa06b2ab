// Integration tests: peers nobody here wrote (curl, Python's ssl + http.client) talk to nvsim.
#include "sim/sim_client.hpp"
#include "support/child_process.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

using namespace nv::test;
using namespace std::chrono_literals;

TEST_CASE("curl --cacert posts a create body and reads the answer") {
  nvsim_process nvsim(NV_NVSIM_PATH);
  child_process curl(
      "/usr/bin/curl",
      {"--silent", "--show-error", "--cacert", nvsim.ca_file().string(), "-H",
       "x-api-key: test-key", "-H", "x-brand-id: 1", "-H", "content-type: application/json",
       "--data-binary", sim::create_body(2, "curl-"), nvsim.base_url() + sim::create_path});
  auto out = curl.read_stdout_to_end(20s);
  CHECK(curl.wait(20s) == 0);
  CHECK(out == R"({"response":{"status":"success","message":"2 users processed"}})");
  CHECK(nvsim.users().size() == 2);
}

TEST_CASE("Python http.client with ssl.create_default_context(cafile) talks to nvsim") {
  nvsim_process nvsim(NV_NVSIM_PATH);
  const char* script = R"(
import http.client, json, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
conn = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[2]), context=ctx, timeout=20)
headers = {"x-api-key": "test-key", "x-brand-id": "1", "content-type": "application/json"}
body = json.dumps({"nv": [{"userID": "py-1", "user_attributes": {"gender": "other"}}]})
for _ in range(2):  # keep-alive: two requests on one connection
    conn.request("POST", "/api/v1/user/create", body, headers)
    r = conn.getresponse()
    print(r.status, json.loads(r.read())["response"]["status"])
)";
  child_process python("/usr/bin/env", {"python3", "-c", script, nvsim.ca_file().string(),
                                        std::to_string(nvsim.port())});
  auto out = python.read_stdout_to_end(20s);
  CHECK(python.wait(20s) == 0);
  CHECK(out == "200 success\n200 success\n");
  CHECK(sim::stat(nvsim.stats(), sim::create_path, "duplicates_received") == 1);
}

TEST_CASE("--threads 2: concurrent keep-alive clients, the rate window and the counts stay exact") {
  nvsim_process nvsim(NV_NVSIM_PATH, {"--threads", "2", "--rate", "50/60s"});
  // 4 threads x 20 requests of 2 users each, on 4 connections at once: 50 admitted, 30 throttled.
  const char* script = R"(
import http.client, json, ssl, sys, threading
ctx = ssl.create_default_context(cafile=sys.argv[1])
headers = {"x-api-key": "test-key", "x-brand-id": "1", "content-type": "application/json"}
statuses, lock = [], threading.Lock()
def client(t):
    conn = http.client.HTTPSConnection("127.0.0.1", int(sys.argv[2]), context=ctx, timeout=20)
    for i in range(20):
        users = [{"userID": f"t{t}-{i}-{k}", "user_attributes": {"n": i}} for k in range(2)]
        conn.request("POST", "/api/v1/user/create", json.dumps({"nv": users}), headers)
        r = conn.getresponse()
        r.read()
        with lock:
            statuses.append(r.status)
threads = [threading.Thread(target=client, args=(t,)) for t in range(4)]
for t in threads: t.start()
for t in threads: t.join()
print(statuses.count(200), statuses.count(429))
)";
  child_process python("/usr/bin/env", {"python3", "-c", script, nvsim.ca_file().string(),
                                        std::to_string(nvsim.port())});
  auto out = python.read_stdout_to_end(60s);
  CHECK(python.wait(60s) == 0);
  CHECK(out == "50 30\n");
  auto stats = nvsim.stats();
  CHECK(sim::stat(stats, sim::create_path, "requests") == 80);
  CHECK(sim::stat(stats, sim::create_path, "throttled") == 30);
  CHECK(sim::stat(stats, sim::create_path, "users_received") == 100);
  CHECK(sim::stat(stats, sim::create_path, "distinct_users") == 100);
  CHECK(nvsim.users().size() == 100);
}

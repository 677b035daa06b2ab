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

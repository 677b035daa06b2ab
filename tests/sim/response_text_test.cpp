// Unit tests of the HTTP text nvsim writes for an answer.
#include "sim/response_text.hpp"

#include <doctest/doctest.h>

using namespace nv::sim;

TEST_CASE("an HTTP/1.1 keep-alive answer has no Connection header and an exact length") {
  std::string out;
  write_response(out, answer{200, R"({"ok":1})"}, 11, true);
  CHECK(out ==
        "HTTP/1.1 200 OK\r\nServer: nvsim\r\nContent-Type: application/json\r\n"
        "Content-Length: 8\r\n\r\n{\"ok\":1}");
}

TEST_CASE("a throttled answer carries Retry-After, a closing one Connection: close") {
  std::string out;
  answer a{429, "{}"};
  a.retry_after = std::chrono::seconds(7);
  write_response(out, a, 11, false);
  CHECK(out ==
        "HTTP/1.1 429 Too Many Requests\r\nServer: nvsim\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nRetry-After: 7\r\nConnection: close\r\n\r\n{}");
}

TEST_CASE("HTTP/1.0 says keep-alive only when keeping the connection, and the type is kept") {
  std::string out = "left over from the previous answer";
  answer a{200, "{}\n", "application/x-ndjson"};
  write_response(out, a, 10, true);
  CHECK(out ==
        "HTTP/1.0 200 OK\r\nServer: nvsim\r\nContent-Type: application/x-ndjson\r\n"
        "Content-Length: 3\r\nConnection: keep-alive\r\n\r\n{}\n");
  write_response(out, a, 10, false);
  CHECK(out.find("Connection") == std::string::npos);
  CHECK(out.starts_with("HTTP/1.0 200 OK\r\n"));
}

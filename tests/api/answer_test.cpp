// Tests for parsing answer envelopes.
#include "nv/api/answer.hpp"

#include <doctest/doctest.h>

using nv::api::answer;
using nv::api::answer_parser;
using nv::api::answer_status;

namespace {

answer parse(std::string body) {
  static answer_parser parser;
  return parser.parse(body);
}

}  // namespace

TEST_CASE("answer: the documented envelope") {
  const auto a = parse(
      R"({"response":{"status":"error","message":"Error: userId and anonymousId cannot be empty."}})");
  CHECK(a.json);
  CHECK(a.status == answer_status::error);
  CHECK(a.status_text == "error");
  CHECK(a.message == "Error: userId and anonymousId cannot be empty.");
  CHECK_FALSE(a.count);
  CHECK(a.data.empty());
}

TEST_CASE("answer: status at the top level, and the response object wins over it") {
  CHECK(parse(R"({"status":"queued"})").status == answer_status::queued);
  const auto both =
      parse(R"({"status":"error","message":"outer","response":{"status":"success"}})");
  CHECK(both.status == answer_status::success);
  CHECK(both.message == "outer");
  CHECK(parse(R"({"response":{"status":"later"}})").status == answer_status::other);
  CHECK(parse(R"({"response":{}})").status == answer_status::missing);
}

TEST_CASE("answer: count as a number or a numeric string") {
  CHECK(parse(R"({"response":{"status":"success","count":1234}})").count == 1234u);
  CHECK(parse(R"({"response":{"status":"success","count":"77"}})").count == 77u);
  CHECK_FALSE(parse(R"({"response":{"status":"success","count":"many"}})").count);
}

TEST_CASE("answer: data is kept as raw JSON; next_offset is absent at the end") {
  const auto page = parse(
      R"({"response":{"status":"success","data":[{"userID":"a"},{"userID":"b"}] ,"next_offset":200}})");
  CHECK(page.data == R"([{"userID":"a"},{"userID":"b"}])");
  CHECK(page.next_offset == 200u);
  const auto last = parse(R"({"response":{"status":"success","data":[],"next_offset":null}})");
  CHECK(last.data == "[]");
  CHECK_FALSE(last.next_offset);
  const auto one = parse(R"({"response":{"status":"success","data":{"userID":"a","n":1}}})");
  CHECK(one.data == R"({"userID":"a","n":1})");
}

TEST_CASE("answer: a body that is not a JSON object is reported as such") {
  for (const char* body :
       {"", "<html>Bad gateway</html>", "[1,2]", "\"success\"", R"({"response":{"status":"succ)"}) {
    CAPTURE(body);
    const auto a = parse(body);
    CHECK_FALSE(a.json);
    CHECK(a.status == answer_status::missing);
  }
}

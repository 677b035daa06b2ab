// Tests for the wire contract: paths, names, body builders, the throttle phrase.
#include "nv/api/wire.hpp"

#include <doctest/doctest.h>

using namespace nv::api;

TEST_CASE("wire: every endpoint has its documented path and a stable name") {
  CHECK(path(endpoint::create) == "/api/v1/user/create");
  CHECK(path(endpoint::profile) == "/api/v1/user/profile");
  CHECK(path(endpoint::count) == "/api/v1/user/count");
  CHECK(path(endpoint::delete_user) == "/api/v1/user/delete");
  CHECK(path(endpoint::user_data) == "/api/v1/user/userData");
  CHECK(path(endpoint::user_event) == "/api/v1/user_event/create");
  CHECK(name(endpoint::create) == "create");
  CHECK(name(endpoint::delete_user) == "delete");
  CHECK(name(endpoint::user_data) == "user_data");
  CHECK(name(endpoint::user_event) == "user_event");
  for (std::size_t i = 0; i < endpoint_count; ++i) CHECK(index(all_endpoints[i]) == i);
}

TEST_CASE("wire: user id bodies escape quotes, backslashes and control characters") {
  CHECK(wire::user_id_body("michaelclark@example.com") ==
        R"({"userID":"michaelclark@example.com"})");
  CHECK(wire::user_id_body("a\"b\\c\nd\x01"
                           "é") == "{\"userID\":\"a\\\"b\\\\c\\nd\\u0001é\"}");
  CHECK(wire::user_id_body("") == R"({"userID":""})");
}

TEST_CASE("wire: count and profile bodies") {
  CHECK(wire::count_body("signup", "2024-01-01", "2024-01-31") ==
        R"({"event_name":"signup","start_date":"2024-01-01","end_date":"2024-01-31"})");
  CHECK(wire::profile_body("sign\"up", "2024-01-01", "2024-01-31", 100, 200) ==
        R"({"event_name":"sign\"up","start_date":"2024-01-01","end_date":"2024-01-31",)"
        R"("batch_size":100,"offset":200})");
}

TEST_CASE("wire: the rate-limit phrase is found in any case") {
  CHECK(wire::mentions_rate_limit("Rate limit exceeded"));
  CHECK(wire::mentions_rate_limit("error: RATE LIMIT reached, try later"));
  CHECK(wire::mentions_rate_limit("rate limit"));
  CHECK_FALSE(wire::mentions_rate_limit("rate-limit"));
  CHECK_FALSE(wire::mentions_rate_limit("Error: userId and anonymousId cannot be empty."));
  CHECK_FALSE(wire::mentions_rate_limit(""));
}

// Tests for packing users into bodies: count and byte limits, sources, halves, reuse.
#include "nv/batch/batch_builder.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace nv::batch;
using nv::record::reject_code;

namespace {

batch_user origin(std::uint64_t line) {
  return {.line = line, .offset = (line - 1) * 10, .end_offset = line * 10};
}

std::string user_wire(int n) {
  return "{\"userID\":\"u" + std::to_string(n) + "\"}";
}

/// Adds a user the record stage's way: its wire written straight into the body being filled.
add_result add(batch_builder& builder, std::uint32_t source, std::uint64_t line,
               std::string_view wire, std::string_view original) {
  builder.start_user(source).append(wire);
  return builder.finish_user(origin(line), original);
}

}  // namespace

TEST_CASE("a batch is handed out as soon as it holds max_users users") {
  batch_builder builder({.max_users = 3});
  std::vector<std::unique_ptr<batch>> full;
  for (int i = 1; i <= 7; ++i) {
    auto result = add(builder, 0, i, user_wire(i), "line" + std::to_string(i));
    CHECK_FALSE(result.rejected);
    if (result.full) full.push_back(std::move(result.full));
  }
  REQUIRE(full.size() == 2);
  CHECK(full[0]->body() == R"({"nv":[{"userID":"u1"},{"userID":"u2"},{"userID":"u3"}]})");
  CHECK(full[1]->body() == R"({"nv":[{"userID":"u4"},{"userID":"u5"},{"userID":"u6"}]})");
  CHECK(full[1]->first_offset() == 30);
  CHECK(full[1]->end_offset() == 60);
  CHECK(full[1]->user(2).line == 6);
  CHECK(full[1]->wire(1) == R"({"userID":"u5"})");
  CHECK(full[1]->original_line(0) == "line4");
  auto rest = builder.flush();
  REQUIRE(rest);
  CHECK(rest->body() == R"({"nv":[{"userID":"u7"}]})");
  CHECK(rest->size() == 1);
  CHECK_FALSE(builder.flush());
}

TEST_CASE("users of different sources never share a batch") {
  batch_builder builder;
  CHECK_FALSE(add(builder, 0, 1, user_wire(1), "a").full);
  auto result = add(builder, 1, 1, user_wire(2), "b");
  REQUIRE(result.full);
  CHECK(result.full->source_id() == 0);
  auto rest = builder.flush();
  REQUIRE(rest);
  CHECK(rest->source_id() == 1);
  CHECK(rest->body() == R"({"nv":[{"userID":"u2"}]})");
}

TEST_CASE("build_body writes the body of any sub-range, e.g. the halves for bisection") {
  batch_builder builder({.max_users = 4});
  std::unique_ptr<batch> full;
  for (int i = 1; i <= 4; ++i) full = add(builder, 0, i, user_wire(i), "x").full;
  REQUIRE(full);
  std::string body;
  full->build_body(0, 2, body);
  CHECK(body == R"({"nv":[{"userID":"u1"},{"userID":"u2"}]})");
  full->build_body(2, 2, body);
  CHECK(body == R"({"nv":[{"userID":"u3"},{"userID":"u4"}]})");
  full->build_body(3, 1, body);
  CHECK(body == R"({"nv":[{"userID":"u4"}]})");
  full->build_body(0, 4, body);
  CHECK(body == full->body());
}

TEST_CASE("recycled batches are reused with their buffers and start empty") {
  batch_builder builder({.max_users = 1});
  auto first = add(builder, 0, 1, user_wire(1), "a").full;
  REQUIRE(first);
  const batch* address = first.get();
  builder.recycle(std::move(first));
  auto second = add(builder, 2, 2, user_wire(2), "b").full;
  REQUIRE(second);
  CHECK(second.get() == address);
  CHECK(second->size() == 1);
  CHECK(second->source_id() == 2);
  CHECK(second->body() == R"({"nv":[{"userID":"u2"}]})");
  CHECK(second->original_line(0) == "b");
}

TEST_CASE("users written in place fill batches by count and by bytes, the moved one kept whole") {
  // 9 framing + 15 + 1 + 15 = 40 bytes fit; a third user moves to the next batch.
  batch_builder builder({.max_users = 3, .max_body_bytes = 40});
  CHECK_FALSE(add(builder, 0, 1, user_wire(1), "line1").full);
  CHECK_FALSE(add(builder, 0, 2, user_wire(2), "line2").full);
  auto result = add(builder, 0, 3, user_wire(3), "line3");
  REQUIRE(result.full);
  CHECK(result.full->body() == R"({"nv":[{"userID":"u1"},{"userID":"u2"}]})");
  CHECK(result.full->body().size() == 40);
  CHECK(result.full->size() == 2);
  CHECK(result.full->end_offset() == 20);
  CHECK_FALSE(add(builder, 0, 4, user_wire(4), "line4").full);
  CHECK(builder.filling()->first_offset() == 20);
  auto rest = builder.flush();
  REQUIRE(rest);
  CHECK(rest->body() == R"({"nv":[{"userID":"u3"},{"userID":"u4"}]})");
  CHECK(rest->wire(0) == user_wire(3));
  CHECK(rest->original_line(0) == "line3");
  CHECK(rest->user(1).line == 4);

  batch_builder by_count({.max_users = 2});
  CHECK_FALSE(add(by_count, 0, 1, user_wire(1), "line1").full);
  auto full = add(by_count, 0, 2, user_wire(2), "line2").full;
  REQUIRE(full);
  CHECK(full->body() == R"({"nv":[{"userID":"u1"},{"userID":"u2"}]})");
  CHECK_FALSE(by_count.flush());
}

TEST_CASE("a user written in place and taken back leaves the body as it was") {
  batch_builder builder({.max_users = 100, .max_body_bytes = 24});
  CHECK_FALSE(add(builder, 0, 1, user_wire(1), "line1").rejected);  // 9 + 15 = 24
  // Cancelled (the normaliser rejected it halfway through writing).
  builder.start_user(0).append("{\"userID\":");
  builder.cancel_user();
  // Too large alone: taken back, the batch kept.
  auto result = add(builder, 0, 2, R"({"userID":"u22"})", "line2");
  REQUIRE(result.rejected);
  CHECK(result.rejected->code == reject_code::record_too_large);
  CHECK(result.rejected->message ==
        "user is 16 bytes on the wire; a request body is limited to 24 bytes");
  CHECK_FALSE(result.full);
  auto rest = builder.flush();
  REQUIRE(rest);
  CHECK(rest->body() == R"({"nv":[{"userID":"u1"}]})");
  CHECK(rest->size() == 1);
  // Taken back as the first user of an empty batch: nothing is left to hand out.
  builder.start_user(0).append(user_wire(3));
  builder.cancel_user();
  CHECK_FALSE(builder.flush());
}

TEST_CASE("a user written in place from another source sets the filled batch aside") {
  batch_builder switching;
  CHECK_FALSE(add(switching, 0, 1, user_wire(1), "line1").full);
  // Rejected from source 1: the batch of source 0 waits, and flush() hands it out first.
  switching.start_user(1).append(std::string(1 << 20, 'x'));
  CHECK(switching.finish_user(origin(1), "big").rejected);
  REQUIRE(switching.filling());
  CHECK(switching.filling()->source_id() == 0);
  auto result = add(switching, 1, 2, user_wire(2), "line2");
  REQUIRE(result.full);
  CHECK(result.full->source_id() == 0);
  CHECK(result.full->body() == R"({"nv":[{"userID":"u1"}]})");
  auto rest = switching.flush();
  REQUIRE(rest);
  CHECK(rest->source_id() == 1);
  CHECK(rest->body() == R"({"nv":[{"userID":"u2"}]})");
  CHECK_FALSE(switching.flush());
}

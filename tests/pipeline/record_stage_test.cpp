// Tests for the record stage and its blocking pump, with a stand-in normaliser.
#include "nv/pipeline/record_stage.hpp"
#include "nv/pipeline/record_pump.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <cstring>
#include <ostream>
#include <string>
#include <vector>

using namespace nv::pipeline;
using nv::record::reject;
using nv::record::reject_code;

namespace {

/// Stands in for record_normaliser: a JSON object with a string "userID" becomes
/// {"userID":"…"}; it parses in place, so it also proves the line is padded.
class fake_normaliser {
 public:
  std::optional<reject> operator()(std::string_view line, nv::record::text_buffer& body) {
    simdjson::padded_string_view view(line.data(), line.size(),
                                      line.size() + simdjson::SIMDJSON_PADDING);
    simdjson::ondemand::document doc;
    std::string_view id;
    if (parser_.iterate(view).get(doc) != simdjson::SUCCESS) return bad("cannot parse");
    simdjson::ondemand::object object;
    if (doc.get_object().get(object) != simdjson::SUCCESS) return bad("not an object");
    auto error = object["userID"].get_string().get(id);
    if (error == simdjson::NO_SUCH_FIELD) return reject{reject_code::missing_user_id, "no userID"};
    if (error) return bad("bad userID");
    body.append("{\"userID\":\"");
    body.append(id);
    body.append("\"}");
    return std::nullopt;
  }

 private:
  static reject bad(const char* why) { return {reject_code::malformed_json, why}; }
  simdjson::ondemand::parser parser_;
};

/// A byte source over a string, `piece` bytes per read, optionally failing at the end.
class string_source final : public nv::source::byte_source {
 public:
  string_source(std::string name, std::string data, std::size_t piece, bool fail = false)
      : name_(std::move(name)), data_(std::move(data)), piece_(piece), fail_(fail) {}
  nv::source::read_result read_some(std::span<char> into) override {
    std::size_t n = std::min({into.size(), piece_, data_.size() - pos_});
    if (n == 0) {
      if (fail_) return {.error = std::make_error_code(std::errc::io_error)};
      return {.eof = true};
    }
    std::memcpy(into.data(), data_.data() + pos_, n);
    pos_ += n;
    return {.bytes = n};
  }
  std::string_view name() const noexcept override { return name_; }

 private:
  std::string name_, data_;
  std::size_t piece_, pos_ = 0;
  bool fail_;
};

struct seen_reject {
  std::string source;
  std::uint64_t line, offset;
  reject_code code;
  std::string message, record;
  bool operator==(const seen_reject&) const = default;
};

std::ostream& operator<<(std::ostream& out, const seen_reject& r) {
  return out << r.source << ":" << r.line << "@" << r.offset << " " << nv::record::code_name(r.code)
             << " " << r.message << " [" << r.record << "]";
}

struct run_result {
  std::vector<std::string> bodies;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;  // [first, end) per batch
  std::vector<std::uint32_t> batch_sources;
  std::vector<seen_reject> rejects;
  stage_counters counters;
  pump_event last = pump_event::end;
};

run_result run(std::vector<std::unique_ptr<nv::source::byte_source>> sources,
               stage_options options = {}) {
  fake_normaliser normaliser;
  record_stage stage(std::ref(normaliser), options);
  record_pump pump(stage, std::move(sources));
  run_result out;
  for (;;) {
    out.last = pump.next();
    if (out.last == pump_event::batch) {
      auto b = stage.take_batch();
      out.bodies.emplace_back(b->body());
      out.ranges.emplace_back(b->first_offset(), b->end_offset());
      out.batch_sources.push_back(b->source_id());
      stage.recycle(std::move(b));
    } else if (out.last == pump_event::reject) {
      const auto& r = stage.rejected();
      out.rejects.push_back({std::string(r.source), r.line, r.offset, r.reason.code,
                             r.reason.message, std::string(r.record)});
    } else {
      break;
    }
  }
  out.counters = stage.counters();
  return out;
}

std::vector<std::unique_ptr<nv::source::byte_source>> one(std::string data,
                                                          std::size_t piece = 4096) {
  std::vector<std::unique_ptr<nv::source::byte_source>> sources;
  sources.push_back(std::make_unique<string_source>("in", std::move(data), piece));
  return sources;
}

}  // namespace

TEST_CASE("CRLF, a BOM, trailing whitespace and blank lines are accepted and blanks counted") {
  std::string input =
      "\xEF\xBB\xBF{\"userID\":\"a\"}\r\n\r\n   \n{\"userID\":\"b\"}  \n\n{\"userID\":\"c\"}";
  for (std::size_t piece : {1, 3, 4096}) {
    CAPTURE(piece);
    auto result = run(one(input, piece));
    CHECK(result.last == pump_event::end);
    CHECK(result.rejects.empty());
    REQUIRE(result.bodies.size() == 1);
    CHECK(result.bodies[0] == R"({"nv":[{"userID":"a"},{"userID":"b"},{"userID":"c"}]})");
    CHECK(result.ranges[0] == std::pair<std::uint64_t, std::uint64_t>{3, input.size()});
    CHECK(result.counters.read == 6);
    CHECK(result.counters.blank == 3);
    CHECK(result.counters.valid == 3);
    CHECK(result.counters.rejected_total() == 0);
    CHECK(result.counters.batches == 1);
    CHECK(result.counters.body_bytes == result.bodies[0].size());
  }
}

TEST_CASE("a line over the maximum is rejected and the good line after it is kept") {
  stage_options options;
  options.reader = {.max_line_bytes = 32, .read_chunk = 16, .too_long_prefix = 10};
  std::string long_line = "{\"userID\":\"" + std::string(60, 'x') + "\"}";
  auto result = run(one(long_line + "\n{\"userID\":\"ok\"}\n", 5), options);
  REQUIRE(result.rejects.size() == 1);
  CHECK(result.rejects[0] == seen_reject{"in", 1, 0, reject_code::line_too_long,
                                         "line is 73 bytes, over the maximum of 32 bytes",
                                         "{\"userID\":"});
  REQUIRE(result.bodies.size() == 1);
  CHECK(result.bodies[0] == R"({"nv":[{"userID":"ok"}]})");
  CHECK(result.ranges[0] == std::pair<std::uint64_t, std::uint64_t>{74, 90});
  CHECK(result.counters.rejected[static_cast<std::size_t>(reject_code::line_too_long)] == 1);
}

TEST_CASE("rejects carry source, line, offset, reason and the original line") {
  auto result = run(one("{\"userID\":\"a\"}\nnot json\n{\"name\":\"x\"}\n{\"userID\":\"d\"}\n"));
  REQUIRE(result.rejects.size() == 2);
  CHECK(result.rejects[0] ==
        seen_reject{"in", 2, 15, reject_code::malformed_json, "not an object", "not json"});
  CHECK(result.rejects[1] ==
        seen_reject{"in", 3, 24, reject_code::missing_user_id, "no userID", "{\"name\":\"x\"}"});
  REQUIRE(result.bodies.size() == 1);
  CHECK(result.bodies[0] == R"({"nv":[{"userID":"a"},{"userID":"d"}]})");
  CHECK(result.counters.read == 4);
  CHECK(result.counters.valid == 2);
  CHECK(result.counters.rejected_total() == 2);
}

TEST_CASE("several sources run in a row and never share a batch") {
  std::vector<std::unique_ptr<nv::source::byte_source>> sources;
  sources.push_back(std::make_unique<string_source>("first", "{\"userID\":\"a\"}\n", 7));
  sources.push_back(std::make_unique<string_source>("second", "oops\n{\"userID\":\"b\"}", 7));
  auto result = run(std::move(sources));
  CHECK(result.bodies ==
        std::vector<std::string>{R"({"nv":[{"userID":"a"}]})", R"({"nv":[{"userID":"b"}]})"});
  CHECK(result.batch_sources == std::vector<std::uint32_t>{0, 1});
  REQUIRE(result.rejects.size() == 1);
  CHECK(result.rejects[0].source == "second");
  CHECK(result.rejects[0].line == 1);
}

TEST_CASE("a read error stops the pump with a message naming the source") {
  std::vector<std::unique_ptr<nv::source::byte_source>> sources;
  sources.push_back(
      std::make_unique<string_source>("bad.ndjson", "{\"userID\":\"a\"}\n", 64, true));
  fake_normaliser normaliser;
  record_stage stage(std::ref(normaliser));
  record_pump pump(stage, std::move(sources));
  CHECK(pump.next() == pump_event::read_error);
  CHECK(pump.error() == "cannot read \"bad.ndjson\": Input/output error");
}

TEST_CASE("round trip: every body re-parses and carries exactly the accepted users in order") {
  // 1,000 lines: every 7th is broken, every 11th blank; batches of at most 30 users and 600 bytes.
  std::string input;
  std::vector<std::string> accepted;
  for (int i = 0; i < 1000; ++i) {
    if (i % 11 == 0) {
      input += "\n";
    } else if (i % 7 == 0) {
      input += "{\"userID\":" + std::to_string(i) + "\n";
    } else {
      std::string id =
          "user-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 13), 'z');
      input += "{\"userID\":\"" + id + "\",\"n\":" + std::to_string(i) + "}\r\n";
      accepted.push_back(id);
    }
  }
  stage_options options;
  options.batches = {.max_users = 30, .max_body_bytes = 600};
  auto result = run(one(input, 333), options);
  std::vector<std::string> users;
  simdjson::dom::parser parser;
  for (const auto& body : result.bodies) {
    CHECK(body.size() <= 600);
    simdjson::dom::array nv;
    REQUIRE(parser.parse(body)["nv"].get(nv) == simdjson::SUCCESS);
    CHECK(nv.size() <= 30);
    for (auto user : nv) users.emplace_back(std::string_view(user["userID"]));
  }
  CHECK(users == accepted);
  CHECK(result.counters.valid == accepted.size());
  CHECK(result.counters.read ==
        result.counters.blank + result.counters.valid + result.counters.rejected_total());
  CHECK(result.counters.blank == 91);
  // Batches cover consecutive byte ranges of the source, in order.
  for (std::size_t i = 1; i < result.ranges.size(); ++i) {
    CHECK(result.ranges[i].first >= result.ranges[i - 1].second);
  }
}

TEST_CASE("the stage can be fed by hand, a byte at a time, like an asynchronous reader would") {
  fake_normaliser normaliser;
  record_stage stage(std::ref(normaliser));
  CHECK(stage.next() == stage_event::idle);
  CHECK(stage.open_source("manual") == 0);
  std::string input = "{\"userID\":\"a\"}\nbad\n";
  std::size_t pos = 0;
  std::vector<stage_event> events;
  for (;;) {
    auto event = stage.next();
    if (event == stage_event::need_input) {
      auto space = stage.prepare();
      if (pos == input.size()) {
        stage.finish();
      } else {
        space[0] = input[pos++];
        stage.commit(1);
      }
      continue;
    }
    events.push_back(event);
    if (event == stage_event::batch) CHECK(stage.take_batch()->size() == 1);
    if (event == stage_event::source_end) break;
  }
  CHECK(events ==
        std::vector<stage_event>{stage_event::reject, stage_event::batch, stage_event::source_end});
  CHECK(stage.next() == stage_event::idle);
  CHECK(stage.source_name(0) == "manual");
}

TEST_CASE("resume_point stays at the first line of the batch being filled until it is out") {
  fake_normaliser normaliser;
  stage_options options;
  options.batches.max_users = 2;
  record_stage stage(std::ref(normaliser), options);
  // Line 1 "a" @0, 2 blank @15, 3 rejected @16, 4 blank @19, 5 "b" @20, 6 "c" @35, end @50.
  const std::string input = "{\"userID\":\"a\"}\n\n{}\n\n{\"userID\":\"b\"}\n{\"userID\":\"c\"}\n";
  stage.open_source("in");
  auto span = stage.prepare();
  std::memcpy(span.data(), input.data(), input.size());
  stage.commit(input.size());
  using nv::source::stream_position;
  CHECK(stage.resume_point() == stream_position{0, 1});
  REQUIRE(stage.next() == stage_event::reject);  // "{}" has no userID; "a" is filling
  CHECK(stage.resume_point() == stream_position{0, 1});
  REQUIRE(stage.next() == stage_event::batch);  // a and b
  CHECK(stage.resume_point() == stream_position{35, 6});
  auto partial_before = stage.take_partial();
  CHECK(partial_before == nullptr);                  // "c" is not read yet
  REQUIRE(stage.next() == stage_event::need_input);  // "c" is filling the next batch
  CHECK(stage.resume_point() == stream_position{35, 6});
  stage.finish();
  REQUIRE(stage.next() == stage_event::batch);  // the last partial batch: c
  CHECK(stage.resume_point() == stream_position{input.size(), 7});
}

TEST_CASE("take_partial hands out the batch being filled and counts it") {
  fake_normaliser normaliser;
  record_stage stage(std::ref(normaliser));
  const std::string input = "{\"userID\":\"a\"}\n{\"userID\":\"b\"}\n";
  stage.open_source("in");
  auto span = stage.prepare();
  std::memcpy(span.data(), input.data(), input.size());
  stage.commit(input.size());
  REQUIRE(stage.next() == stage_event::need_input);
  auto partial = stage.take_partial();
  REQUIRE(partial != nullptr);
  CHECK(partial->body() == R"({"nv":[{"userID":"a"},{"userID":"b"}]})");
  CHECK(stage.counters().batches == 1);
  CHECK(stage.resume_point() == nv::source::stream_position{input.size(), 3});
  CHECK(stage.take_partial() == nullptr);
}

TEST_CASE("a pump started at a checkpoint skips the bytes before it and numbers lines on") {
  const std::string input = "{\"userID\":\"a\"}\n{\"userID\":\"b\"}\n{}\n{\"userID\":\"c\"}\n";
  fake_normaliser normaliser;
  record_stage stage(std::ref(normaliser));
  record_pump pump(stage, one(input), {{15, 2}});
  REQUIRE(pump.next() == pump_event::reject);
  CHECK(stage.rejected().line == 3);
  CHECK(stage.rejected().offset == 30);
  REQUIRE(pump.next() == pump_event::batch);
  auto b = stage.take_batch();
  CHECK(b->body() == R"({"nv":[{"userID":"b"},{"userID":"c"}]})");
  CHECK(b->first_offset() == 15);
  CHECK(b->user(0).line == 2);
  CHECK(b->user(1).line == 4);
  CHECK(pump.next() == pump_event::end);
}

TEST_CASE("a checkpoint past the end of the source is a read error naming it") {
  fake_normaliser normaliser;
  record_stage stage(std::ref(normaliser));
  record_pump pump(stage, one("{\"userID\":\"a\"}\n"), {{100, 9}});
  CHECK(pump.next() == pump_event::read_error);
  CHECK(pump.error().starts_with("cannot resume \"in\" at byte 100: "));
}

TEST_CASE("stage counters add up field by field, every reject code included") {
  stage_counters total, run;
  run.read = 10;
  run.blank = 1;
  run.valid = 6;
  run.rejected[static_cast<std::size_t>(reject_code::bad_email)] = 2;
  run.rejected[static_cast<std::size_t>(reject_code::delivery_failed)] = 1;
  run.batches = 2;
  run.body_bytes = 700;
  total += run;
  total += run;
  CHECK(total.read == 20);
  CHECK(total.blank == 2);
  CHECK(total.valid == 12);
  CHECK(total.rejected[static_cast<std::size_t>(reject_code::bad_email)] == 4);
  CHECK(total.rejected[static_cast<std::size_t>(reject_code::delivery_failed)] == 2);
  CHECK(total.rejected_total() == 6);
  CHECK(total.batches == 4);
  CHECK(total.body_bytes == 1400);
}

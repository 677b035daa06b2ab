// Tests of the report written beside a file that ended.
#include "nv/watch/file_report.hpp"

#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <fstream>

using namespace std::chrono_literals;
using nv::record::reject_code;
namespace json = boost::json;

TEST_CASE("the report counts records by outcome and reject code, with times and requests") {
  auto dir = nv::test::make_temp_dir("watch-report");
  nv::watch::file_outcome o;
  o.started = std::chrono::system_clock::time_point{} + 1'700'000'000s;
  o.ended = o.started + 2500ms;
  o.resumed_from = nv::checkpoint::position{1234, 17};
  o.finished = true;
  auto& local = o.result.local;
  local.read = 10;
  local.blank = 1;
  local.valid = 7;
  local.rejected[static_cast<std::size_t>(reject_code::bad_mobile)] = 2;
  auto& remote = o.result.remote;
  remote.delivered = 5;
  remote.rejected_by_server = 1;
  remote.failed = 1;
  remote.batches = 1;
  remote.requests = 4;
  remote.retries = 1;
  remote.bisections = 1;
  nv::watch::ended_file where{dir / "a", dir / "a.report.json", dir / "a.rejects.ndjson"};
  std::ofstream(where.rejects) << "x\n";
  o.warning = "checkpoint \"x\": not JSON; importing the file from its start";

  auto text = nv::watch::file_report_json("a", where, nv::watch::file_end::done, o);
  REQUIRE(text.ends_with("}\n"));
  auto expected = json::parse(R"({
    "file": "a", "path": ")" + where.file.string() +
                              R"(", "outcome": "done", "error": "",
    "started_at": "2023-11-14T22:13:20.000Z", "finished_at": "2023-11-14T22:13:22.500Z",
    "duration_s": 2.5, "resumed_from": {"offset": 1234, "line": 17},
    "records": {"read": 10, "blank": 1, "valid": 7, "delivered": 5, "rejected": 4,
                "not_sent": 0},
    "rejects": {"bad_mobile": 2, "server_rejected": 1, "delivery_failed": 1},
    "rejects_file": ")" + where.rejects.string() +
                              R"(",
    "requests": {"batches": 1, "sent": 4, "retries": 1, "throttled": 0, "bisections": 1,
                 "queued": 0, "verifications": 0, "resends": 0},
    "warning": "checkpoint \"x\": not JSON; importing the file from its start"})");
  CHECK(json::serialize(json::parse(text)) == json::serialize(expected));
}

TEST_CASE("a failed file's report carries the error and no rejects file when there is none") {
  auto dir = nv::test::make_temp_dir("watch-report-failed");
  nv::watch::file_outcome o;
  o.result.read_error = "cannot read \"x.gz\": truncated gzip stream";
  nv::watch::ended_file where{dir / "x.gz", dir / "x.gz.report.json", dir / "x.gz.rejects.ndjson"};
  auto report =
      json::parse(nv::watch::file_report_json("x.gz", where, nv::watch::file_end::failed, o));
  CHECK(report.at("outcome") == "failed");
  CHECK(report.at("error") == "cannot read \"x.gz\": truncated gzip stream");
  CHECK(report.at("rejects_file").is_null());
  CHECK(report.at("resumed_from").is_null());
  CHECK(report.at("rejects").as_object().empty());
  CHECK_FALSE(report.as_object().contains("warning"));
}

// Boost.JSON builds the report, so every name and message is escaped correctly.
#include "nv/watch/file_report.hpp"

#include "nv/record/reject.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace nv::watch {

namespace json = boost::json;

namespace {

std::string utc(std::chrono::system_clock::time_point at) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(at);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(at - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis);
}

/// The reason the file failed, or "" when it did not.
std::string failure_reason(const file_outcome& outcome) {
  if (!outcome.open_error.empty()) return outcome.open_error;
  return outcome.result.read_error;
}

json::object records(const file_outcome& outcome) {
  const auto& local = outcome.result.local;
  const auto& remote = outcome.result.remote;
  return {{"read", local.read},
          {"blank", local.blank},
          {"valid", local.valid},
          {"delivered", remote.delivered},
          {"rejected", deliver::rejected_total(local, remote)},
          {"not_sent", remote.not_sent}};
}

/// Rejects by code: the local ones, the server's refusals and the deliveries given up.
json::object rejects_by_code(const file_outcome& outcome) {
  json::object by_code;
  const auto counts = deliver::rejects_by_code(outcome.result.local, outcome.result.remote);
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] > 0) by_code[record::code_name(static_cast<record::reject_code>(i))] = counts[i];
  }
  return by_code;
}

json::object requests(const file_outcome& outcome) {
  const auto& remote = outcome.result.remote;
  return {{"batches", remote.batches},
          {"sent", remote.requests},
          {"retries", remote.retries},
          {"throttled", remote.throttled},
          {"bisections", remote.bisections},
          {"queued", remote.queued},
          {"verifications", remote.verifications},
          {"resends", remote.resends}};
}

/// The rejects file when there is one (an earlier run of a resumed file may have made it).
json::value rejects_file(const ended_file& where) {
  std::error_code error;
  if (!std::filesystem::exists(where.rejects, error)) return nullptr;
  return json::value(where.rejects.string());
}

json::value resumed(const file_outcome& outcome) {
  if (!outcome.resumed_from) return nullptr;
  return json::object{{"offset", outcome.resumed_from->offset},
                      {"line", outcome.resumed_from->line}};
}

}  // namespace

std::string file_report_json(std::string_view original_name, const ended_file& where, file_end end,
                             const file_outcome& outcome) {
  const auto seconds = std::chrono::duration<double>(outcome.ended - outcome.started).count();
  json::object report{
      {"file", original_name},
      {"path", where.file.string()},
      {"outcome", end == file_end::done ? "done" : "failed"},
      {"error", failure_reason(outcome)},
      {"started_at", utc(outcome.started)},
      {"finished_at", utc(outcome.ended)},
      {"duration_s", std::round(seconds * 1000) / 1000},
      {"resumed_from", resumed(outcome)},
      {"records", records(outcome)},
      {"rejects", rejects_by_code(outcome)},
      {"rejects_file", rejects_file(where)},
      {"requests", requests(outcome)},
  };
  if (!outcome.warning.empty()) report["warning"] = outcome.warning;
  return json::serialize(report) + "\n";
}

}  // namespace nv::watch

// The API's JSON answer, parsed once with simdjson into the fields a caller acts on.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>

namespace nv::api {

/// The status an answer states.
enum class answer_status : std::uint8_t {
  missing,  ///< no status field (or the body was not a JSON object)
  success,
  queued,
  error,
  other,  ///< a status text this client does not know
};

/// The fields of an answer envelope (response object over top level, see wire.hpp).
struct answer {
  bool json = false;  ///< the body was a JSON object
  answer_status status = answer_status::missing;
  std::string status_text;
  std::string message;
  std::optional<std::uint64_t> count;
  std::string data;  ///< raw JSON of `data`, "" when absent
  std::optional<std::uint64_t> next_offset;
};

/// Parses answers with one reused simdjson parser. Not thread-safe: one per client.
class answer_parser {
 public:
  /// Parses `body`; grows its capacity for simdjson's padding (no copy). Never throws: a
  /// body that is not a JSON object yields json == false.
  answer parse(std::string& body);

 private:
  simdjson::ondemand::parser parser_;
};

}  // namespace nv::api

// Reads the user IDs a delete works on: a bare ID per line, or an NDJSON record with a userID
// (an import input, an export, or a reject line whose original record holds one).
#pragma once

#include "nv/record/reject.hpp"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace nv::api {

/// A line that holds nothing to do (empty or only white space).
struct blank_line {};

/// What one input line of a delete gives: nothing, a user ID, or a reason it holds none.
using user_id_line = std::variant<blank_line, std::string, record::reject>;

/// Turns input lines into user IDs. Not thread-safe: it reuses one simdjson parser.
class user_id_reader {
 public:
  /// Returns the user ID of `line`: a line starting with `{` is a JSON object whose userID
  /// (or userId, user_id) is taken, or, for a reject line, the userID of its "record"; any other
  /// line is the ID itself, trimmed. IDs follow API.md: 1 to 100 characters.
  user_id_line read(std::string_view line);

 private:
  user_id_line read_object(std::string_view line, int depth);

  simdjson::dom::parser parser_;
};

}  // namespace nv::api

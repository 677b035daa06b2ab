// One JSON object per line, checked with simdjson's DOM parser (full validation, no copy).
#include "nv/spool/object_line_check.hpp"

namespace nv::spool {

object_line_check::object_line_check(std::size_t max_line_bytes) : parser_(max_line_bytes) {}

std::string_view object_line_check::problem(std::string_view line) {
  // The reader's buffer is padded, so the parser need not copy the line.
  auto document = parser_.parse(line.data(), line.size(), false);
  if (document.error()) return simdjson::error_message(document.error());
  switch (document.value_unsafe().type()) {
    case simdjson::dom::element_type::OBJECT:
      return {};
    case simdjson::dom::element_type::ARRAY:
      return "a JSON array, not an object";
    case simdjson::dom::element_type::STRING:
      return "a JSON string, not an object";
    default:
      return "a JSON scalar, not an object";
  }
}

}  // namespace nv::spool

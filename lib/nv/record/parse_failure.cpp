// Rejects for lines that are not a JSON object: malformed_json, invalid_utf8, not_an_object.
#include "nv/record/parse_failure.hpp"

#include <fmt/format.h>

#include "nv/record/field_checks.hpp"
#include "nv/record/json_number.hpp"
#include "nv/record/ondemand_values.hpp"
#include "nv/record/utf8.hpp"

namespace nv::record {
namespace {

constexpr std::string_view bom = "\xEF\xBB\xBF";

/// A short operator-facing description of a simdjson parse error.
std::string_view describe_error(simdjson::error_code error) {
  switch (error) {
    case simdjson::TAPE_ERROR:
    case simdjson::INCORRECT_TYPE:
      return "unexpected token (a missing or extra comma, colon, brace, bracket or key)";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "an object or array is not closed, or something follows it";
    case simdjson::STRING_ERROR:
      return "bad escape in a string";
    case simdjson::UNESCAPED_CHARS:
      return "a raw control character inside a string";
    case simdjson::UNCLOSED_STRING:
      return "a string is not closed";
    case simdjson::NUMBER_ERROR:
      return "bad number";
    case simdjson::T_ATOM_ERROR:
      return "bad literal (expected true)";
    case simdjson::F_ATOM_ERROR:
      return "bad literal (expected false)";
    case simdjson::N_ATOM_ERROR:
      return "bad literal (expected null)";
    case simdjson::DEPTH_ERROR:
      return "nested too deeply";
    case simdjson::EMPTY:
      return "the line holds no JSON value (empty or white space)";
    default:
      return simdjson::error_message(error);
  }
}

/// Returns the offset of `where` in the original line, when it points into it.
std::optional<std::size_t> offset_in(const line_view& line, const char* where) {
  const char* begin = line.json.data();
  const char* end = begin + line.json.size();
  if (where < begin || where >= end) return std::nullopt;
  return static_cast<std::size_t>(where - line.original.data());
}

}  // namespace

line_view strip_bom(std::string_view line) noexcept {
  return {line, line.starts_with(bom) ? line.substr(bom.size()) : line};
}

reject iterate_failure(simdjson::error_code error, const line_view& line) {
  if (const auto bad = first_invalid_utf8(line.original); bad != std::string_view::npos) {
    std::string bytes;
    for (std::size_t i = bad; i < line.original.size() && i < bad + 4; ++i) {
      bytes += fmt::format("\\x{:02X}", static_cast<unsigned char>(line.original[i]));
    }
    return {reject_code::invalid_utf8,
            fmt::format("the line is not valid UTF-8 at byte {} ({})", bad, bytes)};
  }
  if (error == simdjson::CAPACITY) {
    return {reject_code::line_too_long,
            fmt::format("the line has {} bytes, more than the parser takes", line.original.size())};
  }
  return {reject_code::malformed_json, fmt::format("malformed JSON: {}", describe_error(error))};
}

reject malformed(simdjson::error_code error, simdjson::ondemand::document& doc,
                 const line_view& line) {
  const char* where = nullptr;
  if (doc.current_location().get(where) == simdjson::SUCCESS) {
    if (const auto offset = offset_in(line, where)) {
      return {reject_code::malformed_json,
              fmt::format("malformed JSON near byte {}: {}", *offset, describe_error(error))};
    }
  }
  return {reject_code::malformed_json, fmt::format("malformed JSON: {}", describe_error(error))};
}

std::optional<reject> trailing_content(simdjson::ondemand::document& doc, const line_view& line) {
  const char* where = nullptr;
  const auto error = doc.current_location().get(where);
  if (error == simdjson::OUT_OF_BOUNDS) return std::nullopt;  // nothing follows
  const auto offset = error ? std::nullopt : offset_in(line, where);
  if (offset) {
    return reject{reject_code::malformed_json,
                  fmt::format("malformed JSON: content after the value at byte {}", *offset)};
  }
  return reject{reject_code::malformed_json, "malformed JSON: content after the value"};
}

reject not_an_object(simdjson::ondemand::document& doc, simdjson::ondemand::json_type type,
                     const line_view& line, text_buffer& scratch, std::size_t max_depth) {
  namespace od = simdjson::ondemand;
  json_kind kind = json_kind::array;
  if (type == od::json_type::array) {
    od::array array;
    if (auto error = doc.get_array().get(array)) return malformed(error, doc, line);
    const auto walk = write_compact_array(array, scratch, max_depth - 1);
    scratch.clear();
    if (walk.status == walk_status::malformed) return malformed(walk.error, doc, line);
    if (walk.status == walk_status::ok) {
      if (auto trailing = trailing_content(doc, line)) return *trailing;
    }  // too deep or a number too large: not checked further, and not an object anyway
  } else {
    std::string_view raw;
    if (auto error = doc.raw_json_token().get(raw)) return malformed(error, doc, line);
    if (raw.data() + raw.size() != line.json.data() + line.json.size()) {
      return malformed(simdjson::TAPE_ERROR, doc, line);  // a second value follows
    }
    simdjson::error_code error = simdjson::SUCCESS;
    switch (type) {
      case od::json_type::string: {
        kind = json_kind::string;
        std::string_view unused;
        error = doc.get_string().get(unused);
        break;
      }
      case od::json_type::number:
        kind = json_kind::number;
        if (!is_json_number(trim_json_space_right(raw))) error = simdjson::NUMBER_ERROR;
        break;
      case od::json_type::boolean: {
        kind = json_kind::boolean;
        bool unused = false;
        error = doc.get_bool().get(unused);
        break;
      }
      default: {
        kind = json_kind::null;
        bool is_null = false;
        error = doc.is_null().get(is_null);
        if (!error && !is_null) error = simdjson::N_ATOM_ERROR;
        break;
      }
    }
    if (error) return malformed(error, doc, line);
  }
  return reject{reject_code::not_an_object,
                fmt::format("the line is a JSON {}, not an object", kind_name(kind))};
}

}  // namespace nv::record

// Reject reasons for lines that are not a well-formed JSON object, with the byte where it
// went wrong.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <simdjson.h>

#include "nv/record/reject.hpp"
#include "nv/record/text_buffer.hpp"

namespace nv::record {

/// A line as given, and the part handed to the parser (without a leading UTF-8 BOM).
struct line_view {
  std::string_view original;
  std::string_view json;
};

/// Returns the line with a leading UTF-8 byte order mark skipped.
line_view strip_bom(std::string_view line) noexcept;

/// Returns the reject for a failed parser.iterate(): invalid_utf8 when the line's bytes are
/// not UTF-8 (whatever simdjson reported first), line_too_long for CAPACITY, else
/// malformed_json (an empty or blank line included).
reject iterate_failure(simdjson::error_code error, const line_view& line);

/// Returns the malformed_json reject for `error`, located at the document's current token
/// when simdjson can tell.
reject malformed(simdjson::error_code error, simdjson::ondemand::document& doc,
                 const line_view& line);

/// Returns the reject for a document whose first token is not `{`: not_an_object naming its
/// type when the whole line is one well-formed JSON value (arrays checked `max_depth` levels
/// deep, using `scratch`), else malformed_json.
reject not_an_object(simdjson::ondemand::document& doc, simdjson::ondemand::json_type type,
                     const line_view& line, text_buffer& scratch, std::size_t max_depth);

/// Returns a malformed_json reject when anything follows the document's first value.
std::optional<reject> trailing_content(simdjson::ondemand::document& doc, const line_view& line);

}  // namespace nv::record

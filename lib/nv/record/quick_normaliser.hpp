// The record normaliser's fast path: one pass over the bytes of a line of the common shape,
// with an index of its quotes instead of simdjson's, deciding only "accepted" or "not sure".
//
// Nearly every line of a real export is a flat object of plain strings, short numbers and
// literals. Walking such a line with simdjson on-demand costs twice a full DOM parse (the
// index is built over the whole line, then every token is visited through the iterator), so
// these lines are read here directly instead. Anything outside the shape, and every line that
// breaks a rule, is left to the on-demand path, which alone words rejects: the fast path never
// rejects, so it cannot get a reject code or message wrong.
#pragma once

#include <cstddef>
#include <string_view>

#include "nv/record/attribute_types.hpp"
#include "nv/record/record_fields.hpp"
#include "nv/record/record_normaliser.hpp"

namespace nv::record {

/// Containers nested deeper than this inside a custom attribute are left to the full path.
inline constexpr std::size_t quick_max_depth = 64;
/// Longer lines are left to the full path (the quote index is sized for this).
inline constexpr std::size_t quick_max_line_bytes = 8192;
/// Numbers with more digits than this before or after the point are left to the full path
/// (18 digits always fit a 64-bit integer, or a finite double with a fraction).
inline constexpr std::size_t quick_max_number_digits = 18;

/// Fills `fields` (cleared by the caller) from `json`, a line without its byte order mark, as
/// record_normaliser's on-demand path would, and returns true when the line is accepted and
/// has the common shape: at most quick_max_line_bytes bytes of valid UTF-8 with no backslash
/// and no control character (a tab included); one object, with spaces allowed around tokens;
/// numbers without exponent and with at most quick_max_number_digits digits either side of
/// the point; true, false and null; containers only as the attribute container or inside
/// object-valued custom attributes, nested at most quick_max_depth deep; and every rule of
/// API.md met, with `types` (not changed) for the run's attribute types. Returns false for any
/// other line, `fields` then partly filled. `json.data()` must be followed by
/// simdjson::SIMDJSON_PADDING readable bytes.
bool quick_normalise(std::string_view json, const normaliser_options& options,
                     const attribute_types& types, record_fields& fields);

}  // namespace nv::record

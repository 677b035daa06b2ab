// Applies API.md's rules to one decoded field value: the wire value, or a reject with a message.
//
// Decisions taken for all inputs (the normaliser relies on them):
// - `null` for any field means "not provided": the field is left out.
// - "" for an optional standard attribute means "not provided" too (exports with blank columns
//   are common); for userID/anonymousID it is a bad_user_id / bad_anonymous_id, and for a custom
//   attribute "" is a valid string value.
// - Lengths are counted in code points, never bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nv/record/reject.hpp"
#include "nv/record/standard_fields.hpp"

namespace nv::record {

inline constexpr std::size_t max_id_chars = 100;
inline constexpr std::size_t max_attr_name_chars = 49;
inline constexpr std::size_t max_attr_value_chars = 999;

/// The JSON type of an input value.
enum class json_kind : std::uint8_t { null, string, number, boolean, object, array };

/// Returns "null", "string", "number", "boolean", "object" or "array".
std::string_view kind_name(json_kind kind) noexcept;

/// One input value as the rules see it. `text` is the unescaped string, the number exactly as
/// written, or "true"/"false"; it is empty for null, objects and arrays. `plain`: the text needs
/// no JSON escaping (a string that had no escape in the input).
struct json_scalar {
  json_kind kind = json_kind::null;
  std::string_view text;
  bool plain = true;
};

/// Returns the value described for a message: `number 12`, `"abc"` (shortened and escaped),
/// `an object`, ….
std::string describe(const json_scalar& value);

/// Returns the wire text of userID or anonymousID (empty when `value` is null), or nothing
/// when the value breaks the rule. The hot path: no allocation; check_identity() says why.
std::optional<std::string_view> identity_text(field_id id, const json_scalar& value) noexcept;

/// Returns the wire text of a standard attribute as check_standard() does, or nothing when the
/// value breaks the rule. The hot path: no allocation; check_standard() says why.
std::optional<std::string_view> standard_text(field_id id, const json_scalar& value) noexcept;

/// Returns whether check_attr_name() accepts `name`, without building a reject.
bool is_valid_attr_name(std::string_view name) noexcept;

/// Checks userID or anonymousID. On success `out` is the id, or empty when `value` is null.
std::optional<reject> check_identity(field_id id, const json_scalar& value, std::string_view& out);

/// Checks a standard attribute. On success `out` is its wire text: the string, the date cut
/// from a date-time, the lower-case gender, or "0"/"1"/"2" for an opt-in; empty when the field
/// is not provided (null or "").
std::optional<reject> check_standard(field_id id, const json_scalar& value, std::string_view& out);

/// Returns whether check_standard() always gives `id` a wire text of plain ASCII (dates,
/// genders and opt-ins are rewritten; other fields keep the input's string).
bool has_canonical_text(field_id id) noexcept;

/// Checks a custom attribute name: 1 to 49 code points, no control character, not the name of
/// an identity field under any spelling.
std::optional<reject> check_attr_name(std::string_view name);

/// Checks a custom attribute's string value: at most 999 code points.
std::optional<reject> check_attr_string(std::string_view name, std::string_view value);

}  // namespace nv::record

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

#include "nv/record/field_rules.hpp"
#include "nv/record/json_number.hpp"
#include "nv/record/reject.hpp"
#include "nv/record/standard_fields.hpp"
#include "nv/record/utf8.hpp"
#include "nv/record/wire_literals.hpp"

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

/// Returns the code for a malformed value of each standard attribute.
constexpr reject_code bad_value_code(field_id id) noexcept {
  switch (id) {
    case field_id::email:
      return reject_code::bad_email;
    case field_id::mobile:
      return reject_code::bad_mobile;
    case field_id::birth_date:
      return reject_code::bad_birth_date;
    case field_id::gender:
      return reject_code::bad_gender;
    case field_id::email_opt_in:
    case field_id::sms_opt_in:
    case field_id::whatsapp_opt_in:
      return reject_code::bad_opt_in;
    default:
      return reject_code::bad_string_field;
  }
}

/// Returns "0", "1" or "2" for an opt-in given as a number or a numeric string of that value.
inline std::optional<std::string_view> opt_in_text(const json_scalar& value) noexcept {
  if (value.kind != json_kind::number && value.kind != json_kind::string) return std::nullopt;
  if (value.text.size() == 1 && value.text[0] >= '0' && value.text[0] <= '2') {
    return wire_flag(static_cast<std::size_t>(value.text[0] - '0'));
  }
  const auto number = exact_small_integer(value.text);
  if (!number || *number > 2) return std::nullopt;
  return wire_flag(*number);
}

// identity_text() and standard_text() are inline: out of line, their optional result went
// through memory and was reloaded in pieces (a store-forwarding stall per field).

/// Returns the wire text of userID or anonymousID (empty when `value` is null), or nothing
/// when the value breaks the rule. The hot path: no allocation; check_identity() says why.
inline std::optional<std::string_view> identity_text(field_id, const json_scalar& value) noexcept {
  if (value.kind == json_kind::null) return std::string_view{};
  if (value.kind != json_kind::string || value.text.empty() ||
      exceeds_code_points(value.text, max_id_chars)) {
    return std::nullopt;
  }
  return value.text;
}

/// Returns the wire text of a standard attribute as check_standard() does, or nothing when the
/// value breaks the rule. The hot path: no allocation; check_standard() says why. `padded`:
/// `value.text.data()` is followed by rule_padding readable bytes, for the vector checks.
template <bool padded = false>
inline std::optional<std::string_view> standard_text(field_id id,
                                                     const json_scalar& value) noexcept {
  if (value.kind == json_kind::null) return std::string_view{};
  if (value.kind == json_kind::string && value.text.empty()) return std::string_view{};
  if (bad_value_code(id) == reject_code::bad_opt_in) return opt_in_text(value);
  if (value.kind != json_kind::string) return std::nullopt;
  switch (id) {
    case field_id::email:
      if (!(padded ? is_plausible_padded_email(value.text) : is_plausible_email(value.text))) {
        return std::nullopt;
      }
      break;
    case field_id::mobile:
      if (!(padded ? is_padded_e164(value.text) : is_e164(value.text))) return std::nullopt;
      break;
    case field_id::birth_date:
      return birth_date_of(value.text);
    case field_id::gender:
      return padded ? canonical_padded_gender(value.text) : canonical_gender(value.text);
    default:
      break;
  }
  return value.text;
}

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

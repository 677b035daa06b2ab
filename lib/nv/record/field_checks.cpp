// The per-field checks of API.md and the wording of their reject messages.
#include "nv/record/field_checks.hpp"

#include <array>

#include <fmt/format.h>

#include "nv/record/field_rules.hpp"
#include "nv/record/json_escape.hpp"
#include "nv/record/json_number.hpp"
#include "nv/record/utf8.hpp"
#include "nv/record/wire_literals.hpp"

namespace nv::record {
namespace {

reject make_reject(reject_code code, std::string message) {
  return {code, std::move(message)};
}

bool has_control_character(std::string_view text) noexcept {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

std::string_view kind_name(json_kind kind) noexcept {
  static constexpr std::array<std::string_view, 6> names = {"null",    "string", "number",
                                                            "boolean", "object", "array"};
  return names[static_cast<std::size_t>(kind)];
}

std::string describe(const json_scalar& value) {
  switch (value.kind) {
    case json_kind::string:
      return quote_for_message(value.text);
    case json_kind::number:
      return fmt::format("number {}", shorten(value.text));
    case json_kind::boolean:
      return std::string(value.text);
    case json_kind::null:
      return "null";
    case json_kind::object:
      return "an object";
    case json_kind::array:
      return "an array";
  }
  return "a value";
}

bool is_valid_attr_name(std::string_view name) noexcept {
  if (name.empty() || exceeds_code_points(name, max_attr_name_chars)) return false;
  if (has_control_character(name)) return false;
  const auto field = find_field(name);
  return !field || !is_identity(*field);
}

std::optional<reject> check_identity(field_id id, const json_scalar& value, std::string_view& out) {
  out = {};
  if (value.kind == json_kind::null) return std::nullopt;
  const bool user = id == field_id::user_id;
  const auto bad = user ? reject_code::bad_user_id : reject_code::bad_anonymous_id;
  const auto name = wire_name(id);
  if (value.kind != json_kind::string) {
    return make_reject(bad, fmt::format("{} must be a string, got {}", name, describe(value)));
  }
  if (value.text.empty()) return make_reject(bad, fmt::format("{} is empty", name));
  if (exceeds_code_points(value.text, max_id_chars)) {
    return make_reject(user ? reject_code::user_id_too_long : reject_code::anonymous_id_too_long,
                       fmt::format("{} {} has {} characters (at most {})", name, describe(value),
                                   count_code_points(value.text), max_id_chars));
  }
  out = value.text;
  return std::nullopt;
}

std::optional<reject> check_standard(field_id id, const json_scalar& value, std::string_view& out) {
  out = {};
  const auto name = wire_name(id);
  if (value.kind == json_kind::null) return std::nullopt;
  if (value.kind == json_kind::string && value.text.empty()) return std::nullopt;
  const auto code = bad_value_code(id);
  if (code == reject_code::bad_opt_in) {
    const auto flag = opt_in_text(value);
    if (!flag) {
      return make_reject(code, fmt::format("{} {} is not 0, 1 or 2", name, describe(value)));
    }
    out = *flag;
    return std::nullopt;
  }
  if (value.kind != json_kind::string) {
    return make_reject(code, fmt::format("{} must be a string, got {}", name, describe(value)));
  }
  const std::string_view text = value.text;
  switch (id) {
    case field_id::email:
      if (!is_plausible_email(text)) {
        return make_reject(code, fmt::format("{} {} is not a plausible address (one @, non-empty "
                                             "local and domain parts)",
                                             name, describe(value)));
      }
      break;
    case field_id::mobile:
      if (!is_e164(text)) {
        return make_reject(code, fmt::format("{} {} is not E.164 (+ then 8–15 digits, first "
                                             "digit not 0)",
                                             name, describe(value)));
      }
      break;
    case field_id::birth_date: {
      const auto date = birth_date_of(text);
      if (!date) {
        return make_reject(code, fmt::format("{} {} is not a real date (YYYY-MM-DD, or an ISO "
                                             "8601 date-time)",
                                             name, describe(value)));
      }
      out = *date;
      return std::nullopt;
    }
    case field_id::gender: {
      const auto gender = canonical_gender(text);
      if (!gender) {
        return make_reject(
            code, fmt::format("{} {} is not male, female or other", name, describe(value)));
      }
      out = *gender;
      return std::nullopt;
    }
    default:
      break;
  }
  out = text;
  return std::nullopt;
}

bool has_canonical_text(field_id id) noexcept {
  switch (id) {
    case field_id::birth_date:
    case field_id::gender:
    case field_id::email_opt_in:
    case field_id::sms_opt_in:
    case field_id::whatsapp_opt_in:
      return true;
    default:
      return false;
  }
}

std::optional<reject> check_attr_name(std::string_view name) {
  if (name.empty()) return make_reject(reject_code::bad_attr_name, "attribute name is empty");
  if (exceeds_code_points(name, max_attr_name_chars)) {
    return make_reject(
        reject_code::attr_name_too_long,
        fmt::format("attribute name {} has {} characters (at most {})", quote_for_message(name),
                    count_code_points(name), max_attr_name_chars));
  }
  if (has_control_character(name)) {
    return make_reject(
        reject_code::bad_attr_name,
        fmt::format("attribute name {} holds a control character", quote_for_message(name)));
  }
  if (const auto field = find_field(name); field && is_identity(*field)) {
    return make_reject(reject_code::bad_attr_name,
                       fmt::format("attribute {} names the identity field {}; give it at the "
                                   "top level",
                                   quote_for_message(name), wire_name(*field)));
  }
  return std::nullopt;
}

std::optional<reject> check_attr_string(std::string_view name, std::string_view value) {
  if (!exceeds_code_points(value, max_attr_value_chars)) return std::nullopt;
  return make_reject(
      reject_code::attr_value_too_long,
      fmt::format("attribute {} value {} has {} characters (at most {})", quote_for_message(name),
                  quote_for_message(value), count_code_points(value), max_attr_value_chars));
}

}  // namespace nv::record

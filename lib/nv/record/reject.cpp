// Names of reject codes and the shortening of values quoted in reject messages.
#include "nv/record/reject.hpp"

#include <array>

namespace nv::record {
namespace {

constexpr std::array<std::string_view, reject_code_count> names = {
    "line_too_long",     "invalid_utf8",          "malformed_json",   "not_an_object",
    "duplicate_key",     "missing_user_id",       "bad_user_id",      "user_id_too_long",
    "bad_anonymous_id",  "anonymous_id_too_long", "bad_string_field", "bad_email",
    "bad_mobile",        "bad_birth_date",        "bad_gender",       "bad_opt_in",
    "bad_attr_name",     "attr_name_too_long",    "bad_attr_value",   "attr_value_too_long",
    "attr_type_changed", "too_many_attr_names",   "record_too_large", "server_rejected",
    "delivery_failed",
};

}  // namespace

std::string_view code_name(reject_code code) noexcept {
  auto index = static_cast<std::size_t>(code);
  return index < names.size() ? names[index] : std::string_view{"unknown"};
}

std::optional<reject_code> code_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<reject_code>(i);
  }
  return std::nullopt;
}

std::string shorten(std::string_view value, std::size_t max_chars) {
  // Count code points so a cut never splits a multi-byte character.
  std::size_t chars = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if ((static_cast<unsigned char>(value[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars) return std::string(value.substr(0, i)) + "…";
    ++chars;
  }
  return std::string(value);
}

}  // namespace nv::record

// Why a record was not delivered: a stable short code plus a message, carried as data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nv::record {

/// Every reason a record can end in the reject file. The names returned by code_name() are
/// stable: operators grep reject files and dashboards count by them.
enum class reject_code : std::uint8_t {
  // Reading the line.
  line_too_long,
  invalid_utf8,
  // Parsing the JSON.
  malformed_json,
  not_an_object,
  duplicate_key,
  // Identity.
  missing_user_id,
  bad_user_id,
  user_id_too_long,
  bad_anonymous_id,
  anonymous_id_too_long,
  // Standard attributes.
  bad_string_field,
  bad_email,
  bad_mobile,
  bad_birth_date,
  bad_gender,
  bad_opt_in,
  // Custom attributes.
  bad_attr_name,
  attr_name_too_long,
  bad_attr_value,
  attr_value_too_long,
  attr_type_changed,
  too_many_attr_names,
  // Packing.
  record_too_large,
  // Delivery.
  server_rejected,
  delivery_failed,
};

inline constexpr std::size_t reject_code_count =
    static_cast<std::size_t>(reject_code::delivery_failed) + 1;

/// Returns the stable snake_case name of a code, as written to reject files and metrics.
std::string_view code_name(reject_code code) noexcept;

/// Returns the code named `name`, or nothing when no code has that name.
std::optional<reject_code> code_from_name(std::string_view name) noexcept;

/// A reason a record is rejected: what rule, and a one-line message naming field and value.
struct reject {
  reject_code code;
  std::string message;
};

/// Returns `value` cut to at most `max_chars` code points with an ellipsis, for messages.
std::string shorten(std::string_view value, std::size_t max_chars = 40);

}  // namespace nv::record

// nvsim's own strict checks of request bodies, written apart from lib/nv/record/ on purpose:
// a bug in nvimport's serialiser must be caught here, not mirrored.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace nv::sim {

/// The JSON type a custom attribute was first seen with (the API wants one type per attribute).
enum class attribute_type : std::uint8_t { string, number, boolean, object };

/// Returns the name of an attribute type as used in error messages.
std::string_view type_name(attribute_type type) noexcept;

/// Hashes std::string and std::string_view alike, so lookups by a view need no copy.
struct name_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view name) const noexcept {
    return std::hash<std::string_view>{}(name);
  }
};

/// Returns whether `a` and `b` hold the same bytes. Inline for the short names and values of
/// users, which are compared by the thousand per request: a call to memcmp costs more than the
/// comparison itself there.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  std::size_t n = a.size();
  if (n != b.size()) return false;
  auto load8 = [](const char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  auto load4 = [](const char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
  };
  // Two loads that may overlap cover every length from the first to twice the load size.
  if (n >= 8 && n <= 16)
    return load8(a.data()) == load8(b.data()) && load8(a.data() + n - 8) == load8(b.data() + n - 8);
  if (n >= 4 && n < 8)
    return load4(a.data()) == load4(b.data()) && load4(a.data() + n - 4) == load4(b.data() + n - 4);
  if (n < 4) {
    for (std::size_t i = 0; i < n; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  return std::memcmp(a.data(), b.data(), n) == 0;
}

/// The type of each custom attribute seen so far by one brand; found by string_view.
using attribute_types = std::unordered_map<std::string, attribute_type, name_hash, std::equal_to<>>;

/// One user of a create body that passed every check; points into the parser's document, so
/// it is valid until that parser parses again.
struct checked_user {
  std::string_view id;
  bool anonymous = false;
  std::optional<simdjson::dom::object> attributes;  ///< Empty: no user_attributes.
};

/// The result of checking a body: the users, or an error message for the 400 answer.
struct check_result {
  std::vector<checked_user> users;
  attribute_types new_types;  ///< Custom attribute types the body introduces.
  std::string error;  ///< "Error: <what>, user <id or #index>"; empty when the body is good.
  bool ok() const { return error.empty(); }
};

/// Checks a user/create body {"nv":[USER…]} (1–100 users) against the brand's attribute
/// `types`; the caller records result.new_types once it accepts the batch. A key given twice in
/// any object of the body fails it as "malformed JSON: duplicate key K" (the first such key in
/// document order), before any other rule: the check looks for duplicates while it walks the
/// body anyway, so a caller needs no find_duplicate_key() pass of its own.
check_result check_create_body(simdjson::dom::element body, const attribute_types& types);

/// Checks a user_event/create body {"nv":{USER fields, "event_name":S, "date"?:S}} the same way,
/// duplicate keys included.
check_result check_event_body(simdjson::dom::element body, const attribute_types& types);

/// Returns the first key found twice in one object anywhere in `root`, or nothing. The DOM keeps
/// every duplicate, and a strict server treats such a body as malformed rather than pick one.
std::optional<std::string_view> find_duplicate_key(simdjson::dom::element root);

/// Returns whether `text` is a real calendar date written YYYY-MM-DD.
bool is_calendar_date(std::string_view text) noexcept;

/// Returns whether `text` is E.164: '+', then 8–15 digits, the first not 0.
bool is_e164(std::string_view text) noexcept;

/// Returns whether `text` is a plausible address: one '@', non-empty local part and domain.
bool is_plausible_email(std::string_view text) noexcept;

/// Returns the number of UTF-8 code points in `text` (the parser has validated the encoding).
std::size_t code_points(std::string_view text) noexcept;

}  // namespace nv::sim

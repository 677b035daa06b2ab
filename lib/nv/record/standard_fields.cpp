// Wire names of the named fields (their spellings and lookup are inline in the header).
#include "nv/record/standard_fields.hpp"

#include <array>

namespace nv::record {
namespace {

constexpr std::array<std::string_view, field_count> wire_names = {
    "userID",  "anonymousID",  "name",          "first_name",      "last_name",  "email",
    "mobile",  "birth_date",   "gender",        "email_opt_in",    "sms_opt_in", "whatsapp_opt_in",
    "company", "hashed_email", "hashed_mobile", "user_attributes",
};

}  // namespace

std::string_view wire_name(field_id id) noexcept {
  return wire_names[static_cast<std::size_t>(id)];
}

}  // namespace nv::record

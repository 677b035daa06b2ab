// The strict wire rules of API.md for USER objects, applied to a Boost.JSON DOM.
#include "sim/wire_checks.hpp"

#include <fmt/format.h>

#include <array>
#include <optional>

namespace nv::sim {
namespace {

namespace json = boost::json;

constexpr std::size_t max_users = 100;
constexpr std::size_t max_id_chars = 100;
constexpr std::size_t max_attr_name_chars = 49;
constexpr std::size_t max_string_chars = 999;

constexpr std::array<std::string_view, 6> plain_string_attrs = {
    "name", "first_name", "last_name", "company", "hashed_email", "hashed_mobile"};
constexpr std::array<std::string_view, 3> opt_in_attrs = {"email_opt_in", "sms_opt_in",
                                                          "whatsapp_opt_in"};

template <std::size_t N>
bool is_one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  for (auto n : names)
    if (n == name) return true;
  return false;
}

std::optional<attribute_type> type_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string:
      return attribute_type::string;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return attribute_type::number;
    case json::kind::bool_:
      return attribute_type::boolean;
    case json::kind::object:
      return attribute_type::object;
    default:
      return std::nullopt;
  }
}

// Checks one standard attribute; returns what is wrong or an empty string.
std::string check_standard(std::string_view name, const json::value& v) {
  const json::string* s = v.if_string();
  if (!s) return fmt::format("{} must be a string", name);
  std::string_view text = *s;
  if (code_points(text) > max_string_chars)
    return fmt::format("{} longer than 999 characters", name);
  if (name == "email" && !is_plausible_email(text)) return fmt::format("bad email \"{}\"", text);
  if (name == "mobile" && !is_e164(text)) return fmt::format("bad mobile \"{}\" (E.164)", text);
  if (name == "birth_date" && !is_calendar_date(text))
    return fmt::format("bad birth_date \"{}\" (YYYY-MM-DD)", text);
  if (name == "gender" && text != "male" && text != "female" && text != "other")
    return fmt::format("bad gender \"{}\" (male, female or other)", text);
  if (is_one_of(name, opt_in_attrs) && text != "0" && text != "1" && text != "2")
    return fmt::format("bad {} \"{}\" (\"0\", \"1\" or \"2\")", name, text);
  return {};
}

bool is_standard(std::string_view name) {
  return is_one_of(name, plain_string_attrs) || is_one_of(name, opt_in_attrs) || name == "email" ||
         name == "mobile" || name == "birth_date" || name == "gender";
}

// Checks a custom attribute, and its type against the brand's and this batch's earlier types.
std::string check_custom(std::string_view name, const json::value& v, const attribute_types& known,
                         attribute_types& batch) {
  std::size_t chars = code_points(name);
  if (chars < 1 || chars > max_attr_name_chars)
    return fmt::format("attribute name \"{}\" must be 1-49 characters", name);
  auto type = type_of(v);
  if (!type) return fmt::format("attribute {} must be a string, number, boolean or object", name);
  if (v.is_string() && code_points(v.get_string()) > max_string_chars)
    return fmt::format("attribute {} longer than 999 characters", name);
  const attribute_type* first = nullptr;
  if (auto it = known.find(name); it != known.end())
    first = &it->second;
  else if (auto jt = batch.find(name); jt != batch.end())
    first = &jt->second;
  if (first && *first != *type)
    return fmt::format("attribute {} changed type from {} to {}", name, type_name(*first),
                       type_name(*type));
  if (!first) batch.emplace(std::string(name), *type);
  return {};
}

std::string check_id(std::string_view field, const json::value& v) {
  const json::string* s = v.if_string();
  if (!s) return fmt::format("{} must be a string", field);
  std::size_t chars = code_points(*s);
  if (chars < 1 || chars > max_id_chars) return fmt::format("{} must be 1-100 characters", field);
  return {};
}

// Checks a user's identity and attributes; fills `out` and returns what is wrong, if anything.
// `extra` names fields allowed beside the user's own (user_event/create's event fields).
std::string check_user(const json::object& user, const attribute_types& known,
                       attribute_types& batch, checked_user& out,
                       std::initializer_list<std::string_view> extra = {}) {
  const json::value* user_id = user.if_contains("userID");
  const json::value* anon_id = user.if_contains("anonymousID");
  if (!user_id && !anon_id) return "userID and anonymousID cannot be empty";
  if (user_id) {
    if (auto e = check_id("userID", *user_id); !e.empty()) return e;
    out.id = user_id->get_string();
  }
  if (anon_id) {
    if (auto e = check_id("anonymousID", *anon_id); !e.empty()) return e;
    if (!user_id) {
      out.id = anon_id->get_string();
      out.anonymous = true;
    }
  }
  for (const auto& field : user) {
    std::string_view key = field.key();
    if (key == "userID" || key == "anonymousID" || key == "user_attributes") continue;
    bool allowed = false;
    for (auto e : extra) allowed = allowed || e == key;
    if (!allowed) return fmt::format("unknown field {}", key);
  }
  const json::value* attrs = user.if_contains("user_attributes");
  if (!attrs) return {};
  out.attributes = attrs->if_object();
  if (!out.attributes) return "user_attributes must be an object";
  for (const auto& attr : *out.attributes) {
    std::string_view name = attr.key();
    auto e = is_standard(name) ? check_standard(name, attr.value())
                               : check_custom(name, attr.value(), known, batch);
    if (!e.empty()) return e;
  }
  return {};
}

std::string user_label(const checked_user& user, std::size_t index) {
  if (user.id.empty()) return fmt::format("user #{}", index);
  return fmt::format("user {}", user.id);
}

}  // namespace

std::string_view type_name(attribute_type type) noexcept {
  switch (type) {
    case attribute_type::string:
      return "string";
    case attribute_type::number:
      return "number";
    case attribute_type::boolean:
      return "boolean";
    case attribute_type::object:
      return "object";
  }
  return "unknown";
}

void commit_types(attribute_types& types, const check_result& accepted) {
  for (const auto& [name, type] : accepted.new_types) types.emplace(name, type);
}

check_result check_create_body(const json::value& body, const attribute_types& types) {
  check_result result;
  const json::object* root = body.if_object();
  const json::value* nv = root ? root->if_contains("nv") : nullptr;
  if (!nv || !nv->is_array()) {
    result.error = "Error: body must be an object with an nv array";
    return result;
  }
  if (root->size() != 1) {
    result.error = "Error: unexpected field beside nv";
    return result;
  }
  const json::array& users = nv->get_array();
  if (users.empty() || users.size() > max_users) {
    result.error = fmt::format("Error: nv must hold 1-100 users, not {}", users.size());
    return result;
  }
  attribute_types& batch = result.new_types;
  result.users.reserve(users.size());
  for (std::size_t i = 0; i < users.size(); ++i) {
    checked_user user;
    const json::object* object = users[i].if_object();
    std::string what = object ? check_user(*object, types, batch, user) : "user must be an object";
    if (!what.empty()) {
      result.users.clear();
      result.new_types.clear();
      result.error = fmt::format("Error: {}, {}", what, user_label(user, i));
      return result;
    }
    result.users.push_back(user);
  }
  return result;
}

check_result check_event_body(const json::value& body, const attribute_types& types) {
  check_result result;
  const json::object* root = body.if_object();
  const json::value* nv = root ? root->if_contains("nv") : nullptr;
  const json::object* object = nv ? nv->if_object() : nullptr;
  if (!object || root->size() != 1) {
    result.error = "Error: body must be an object with an nv object";
    return result;
  }
  attribute_types& batch = result.new_types;
  checked_user user;
  std::string what = check_user(*object, types, batch, user, {"event_name", "date", "attributes"});
  const json::value* name = object->if_contains("event_name");
  const json::value* date = object->if_contains("date");
  if (what.empty() && (!name || !name->is_string() || name->get_string().empty()))
    what = "event_name must be a non-empty string";
  if (what.empty() && date && !(date->is_string() && is_calendar_date(date->get_string())))
    what = "date must be YYYY-MM-DD";
  if (!what.empty()) {
    result.new_types.clear();
    result.error = fmt::format("Error: {}, {}", what, user_label(user, 0));
    return result;
  }
  result.users.push_back(user);
  return result;
}

bool is_calendar_date(std::string_view t) noexcept {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  int parts[3] = {0, 0, 0};
  std::size_t starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = starts[p]; i < starts[p] + lengths[p]; ++i) {
      if (t[i] < '0' || t[i] > '9') return false;
      parts[p] = parts[p] * 10 + (t[i] - '0');
    }
  }
  int year = parts[0], month = parts[1], day = parts[2];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= days[month - 1] + (month == 2 && leap ? 1 : 0);
}

bool is_e164(std::string_view t) noexcept {
  if (t.size() < 9 || t.size() > 16 || t[0] != '+' || t[1] == '0') return false;
  for (std::size_t i = 1; i < t.size(); ++i)
    if (t[i] < '0' || t[i] > '9') return false;
  return true;
}

bool is_plausible_email(std::string_view t) noexcept {
  auto at = t.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < t.size() &&
         t.find('@', at + 1) == std::string_view::npos;
}

std::size_t code_points(std::string_view text) noexcept {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace nv::sim

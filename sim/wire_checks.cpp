// The strict wire rules of API.md for USER objects, applied to a simdjson DOM.
#include "sim/wire_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace nv::sim {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t max_users = 100;
constexpr std::size_t max_id_chars = 100;
constexpr std::size_t max_attr_name_chars = 49;
constexpr std::size_t max_string_chars = 999;
// Objects up to this many keys are checked for duplicates pairwise; larger ones are sorted.
constexpr std::size_t pairwise_keys = 32;

// The standard attributes of API.md, by the rule their value follows.
enum class standard_kind : std::uint8_t {
  custom,
  plain,
  email,
  mobile,
  birth_date,
  gender,
  opt_in
};

// Returns whether `name`, already known to have N-1 characters, is `literal`; the constant
// length lets the compiler compare inline instead of calling memcmp.
template <std::size_t N>
bool spelled(std::string_view name, const char (&literal)[N]) {
  return std::memcmp(name.data(), literal, N - 1) == 0;
}

// Returns which standard attribute `name` is, or custom; dispatches on the length first since
// this runs for every attribute of every user.
standard_kind classify(std::string_view n) {
  using k = standard_kind;
  switch (n.size()) {
    case 4:
      return spelled(n, "name") ? k::plain : k::custom;
    case 5:
      return spelled(n, "email") ? k::email : k::custom;
    case 6:
      return spelled(n, "mobile") ? k::mobile : spelled(n, "gender") ? k::gender : k::custom;
    case 7:
      return spelled(n, "company") ? k::plain : k::custom;
    case 9:
      return spelled(n, "last_name") ? k::plain : k::custom;
    case 10:
      if (spelled(n, "first_name")) return k::plain;
      if (spelled(n, "birth_date")) return k::birth_date;
      return spelled(n, "sms_opt_in") ? k::opt_in : k::custom;
    case 12:
      if (spelled(n, "email_opt_in")) return k::opt_in;
      return spelled(n, "hashed_email") ? k::plain : k::custom;
    case 13:
      return spelled(n, "hashed_mobile") ? k::plain : k::custom;
    case 15:
      return spelled(n, "whatsapp_opt_in") ? k::opt_in : k::custom;
    default:
      return k::custom;
  }
}

std::optional<attribute_type> type_of(dom::element v) {
  switch (v.type()) {
    case dom::element_type::STRING:
      return attribute_type::string;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return attribute_type::number;
    case dom::element_type::BOOL:
      return attribute_type::boolean;
    case dom::element_type::OBJECT:
      return attribute_type::object;
    default:
      return std::nullopt;
  }
}

// Returns the string of `v`, or nothing when it is not a string.
std::optional<std::string_view> string_of(dom::element v) {
  std::string_view text;
  if (v.get_string().get(text)) return std::nullopt;
  return text;
}

// Checks one standard attribute; returns what is wrong or an empty string.
std::string check_standard(std::string_view name, standard_kind kind, dom::element v) {
  auto s = string_of(v);
  if (!s) return fmt::format("{} must be a string", name);
  std::string_view text = *s;
  if (code_points(text) > max_string_chars)
    return fmt::format("{} longer than 999 characters", name);
  switch (kind) {
    case standard_kind::email:
      if (!is_plausible_email(text)) return fmt::format("bad email \"{}\"", text);
      break;
    case standard_kind::mobile:
      if (!is_e164(text)) return fmt::format("bad mobile \"{}\" (E.164)", text);
      break;
    case standard_kind::birth_date:
      if (!is_calendar_date(text)) return fmt::format("bad birth_date \"{}\" (YYYY-MM-DD)", text);
      break;
    case standard_kind::gender:
      if (text != "male" && text != "female" && text != "other")
        return fmt::format("bad gender \"{}\" (male, female or other)", text);
      break;
    case standard_kind::opt_in:
      if (text.size() != 1 || text[0] < '0' || text[0] > '2')
        return fmt::format("bad {} \"{}\" (\"0\", \"1\" or \"2\")", name, text);
      break;
    case standard_kind::plain:
    case standard_kind::custom:
      break;
  }
  return {};
}

// Checks a custom attribute, and its type against the brand's and this batch's earlier types.
std::string check_custom(std::string_view name, dom::element v, const attribute_types& known,
                         attribute_types& batch) {
  std::size_t chars = code_points(name);
  if (chars < 1 || chars > max_attr_name_chars)
    return fmt::format("attribute name \"{}\" must be 1-49 characters", name);
  auto type = type_of(v);
  if (!type) return fmt::format("attribute {} must be a string, number, boolean or object", name);
  if (auto s = string_of(v); s && code_points(*s) > max_string_chars)
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

std::string check_id(std::string_view field, dom::element v) {
  auto s = string_of(v);
  if (!s) return fmt::format("{} must be a string", field);
  std::size_t chars = code_points(*s);
  if (chars < 1 || chars > max_id_chars) return fmt::format("{} must be 1-100 characters", field);
  return {};
}

// The identity fields of a user object, found in one pass over its fields.
struct user_fields {
  std::optional<dom::element> user_id, anon_id, attributes;
  std::string_view unknown;  // The first field that is neither identity, attributes nor extra.
};

user_fields find_fields(dom::object user, std::initializer_list<std::string_view> extra) {
  user_fields f;
  for (auto [key, value] : user) {
    if (key == "userID")
      f.user_id = value;
    else if (key == "anonymousID")
      f.anon_id = value;
    else if (key == "user_attributes")
      f.attributes = value;
    else if (f.unknown.empty() && std::find(extra.begin(), extra.end(), key) == extra.end())
      f.unknown = key;
  }
  return f;
}

// Checks a user's identity and attributes; fills `out` and returns what is wrong, if anything.
// `extra` names fields allowed beside the user's own (user_event/create's event fields).
std::string check_user(dom::object user, const attribute_types& known, attribute_types& batch,
                       checked_user& out, std::initializer_list<std::string_view> extra = {}) {
  user_fields f = find_fields(user, extra);
  if (!f.user_id && !f.anon_id) return "userID and anonymousID cannot be empty";
  if (f.user_id) {
    if (auto e = check_id("userID", *f.user_id); !e.empty()) return e;
    out.id = *string_of(*f.user_id);
  }
  if (f.anon_id) {
    if (auto e = check_id("anonymousID", *f.anon_id); !e.empty()) return e;
    if (!f.user_id) {
      out.id = *string_of(*f.anon_id);
      out.anonymous = true;
    }
  }
  if (!f.unknown.empty()) return fmt::format("unknown field {}", f.unknown);
  if (!f.attributes) return {};
  dom::object attrs;
  if (f.attributes->get_object().get(attrs)) return "user_attributes must be an object";
  out.attributes = attrs;
  for (auto [name, value] : attrs) {
    auto kind = classify(name);
    auto e = kind != standard_kind::custom ? check_standard(name, kind, value)
                                           : check_custom(name, value, known, batch);
    if (!e.empty()) return e;
  }
  return {};
}

// Returns a key of `object` that appears twice in it, or nothing.
std::optional<std::string_view> duplicate_in(dom::object object) {
  std::size_t n = object.size();
  if (n < 2) return std::nullopt;
  if (n <= pairwise_keys) {
    // A cheap fingerprint per key spares most string comparisons: keys of one object tend to
    // share lengths, so comparing the strings themselves costs a memcmp for each such pair.
    // Left uninitialised on purpose: only the first i entries are read, and zeroing them costs
    // more than the comparisons.
    std::array<const char*, pairwise_keys> starts;
    std::array<std::size_t, pairwise_keys> sizes;
    std::array<std::uint32_t, pairwise_keys> prints;
    std::uint64_t seen = 0;  // One bit per fingerprint, hashed into 64.
    std::size_t i = 0;
    for (auto [key, value] : object) {
      std::uint32_t print = 0;
      if (!key.empty())
        print = static_cast<std::uint32_t>(key.size()) << 16 |
                static_cast<unsigned char>(key.front()) << 8 |
                static_cast<unsigned char>(key.back());
      std::uint64_t bit = std::uint64_t{1} << (print * 2654435761u >> 26);
      if (seen & bit)  // Rare: only then are earlier keys compared.
        for (std::size_t j = 0; j < i; ++j)
          if (prints[j] == print && std::string_view(starts[j], sizes[j]) == key) return key;
      seen |= bit;
      starts[i] = key.data();
      sizes[i] = key.size();
      prints[i++] = print;
    }
    return std::nullopt;
  }
  std::vector<std::string_view> keys;
  keys.reserve(n);
  for (auto [key, value] : object) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  auto it = std::adjacent_find(keys.begin(), keys.end());
  return it == keys.end() ? std::nullopt : std::optional(*it);
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

check_result check_create_body(dom::element body, const attribute_types& types) {
  check_result result;
  dom::object root;
  dom::array users;
  if (body.get_object().get(root) || root["nv"].get_array().get(users)) {
    result.error = "Error: body must be an object with an nv array";
    return result;
  }
  if (root.size() != 1) {
    result.error = "Error: unexpected field beside nv";
    return result;
  }
  std::size_t count = users.size();
  if (count == 0 || count > max_users) {
    result.error = fmt::format("Error: nv must hold 1-100 users, not {}", count);
    return result;
  }
  attribute_types& batch = result.new_types;
  result.users.reserve(count);
  std::size_t i = 0;
  for (dom::element element : users) {
    checked_user user;
    dom::object object;
    std::string what = element.get_object().get(object) ? "user must be an object"
                                                        : check_user(object, types, batch, user);
    if (!what.empty()) {
      result.users.clear();
      result.new_types.clear();
      result.error = fmt::format("Error: {}, {}", what, user_label(user, i));
      return result;
    }
    result.users.push_back(user);
    ++i;
  }
  return result;
}

check_result check_event_body(dom::element body, const attribute_types& types) {
  check_result result;
  dom::object root, object;
  if (body.get_object().get(root) || root["nv"].get_object().get(object) || root.size() != 1) {
    result.error = "Error: body must be an object with an nv object";
    return result;
  }
  attribute_types& batch = result.new_types;
  checked_user user;
  std::string what = check_user(object, types, batch, user, {"event_name", "date", "attributes"});
  std::string_view name;
  bool has_name = !object["event_name"].get_string().get(name);
  dom::element date;
  bool has_date = !object["date"].get(date);
  if (what.empty() && (!has_name || name.empty())) what = "event_name must be a non-empty string";
  if (what.empty() && has_date) {
    auto text = string_of(date);
    if (!text || !is_calendar_date(*text)) what = "date must be YYYY-MM-DD";
  }
  if (!what.empty()) {
    result.new_types.clear();
    result.error = fmt::format("Error: {}, {}", what, user_label(user, 0));
    return result;
  }
  result.users.push_back(user);
  return result;
}

std::optional<std::string_view> find_duplicate_key(dom::element root) {
  // Only containers are descended into: most values are scalars, and a call per scalar costs.
  auto is_container = [](dom::element v) {
    auto t = v.type();
    return t == dom::element_type::OBJECT || t == dom::element_type::ARRAY;
  };
  dom::object object;
  dom::array array;
  if (!root.get_object().get(object)) {
    if (auto key = duplicate_in(object)) return key;
    for (auto [key, value] : object)
      if (is_container(value))
        if (auto found = find_duplicate_key(value)) return found;
  } else if (!root.get_array().get(array)) {
    for (dom::element value : array)
      if (is_container(value))
        if (auto found = find_duplicate_key(value)) return found;
  }
  return std::nullopt;
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

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

// Returns whether `text`, counted in code points, is longer than `limit`. Counting is needed
// only when there are more bytes than that: a code point takes at least one byte.
bool longer_than(std::string_view text, std::size_t limit) {
  return text.size() > limit && code_points(text) > limit;
}

// Checks one standard attribute; returns what is wrong or an empty string.
std::string check_standard(std::string_view name, standard_kind kind, dom::element v) {
  auto s = string_of(v);
  if (!s) return fmt::format("{} must be a string", name);
  std::string_view text = *s;
  if (longer_than(text, max_string_chars))
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

// The keys of one object seen so far, so that a key coming twice is found while the object is
// walked anyway. Holds up to pairwise_keys keys: a larger object goes through duplicate_in().
class key_tracker {
 public:
  /// Records `key`; returns whether the object had it already.
  bool repeated(std::string_view key) {
    // A cheap fingerprint per key spares most string comparisons: keys of one object tend to
    // share lengths, so comparing the strings themselves costs a memcmp for each such pair.
    std::uint32_t print = 0;
    if (!key.empty())
      print = static_cast<std::uint32_t>(key.size()) << 16 |
              static_cast<unsigned char>(key.front()) << 8 | static_cast<unsigned char>(key.back());
    std::uint64_t bit = std::uint64_t{1} << (print * 2654435761u >> 26);
    if (seen_ & bit)  // Rare: only then are earlier keys compared.
      for (std::size_t j = 0; j < count_; ++j)
        if (prints_[j] == print && std::string_view(starts_[j], sizes_[j]) == key) return true;
    seen_ |= bit;
    starts_[count_] = key.data();
    sizes_[count_] = key.size();
    prints_[count_++] = print;
    return false;
  }

 private:
  // Left uninitialised on purpose: only the first count_ entries are read, and zeroing them
  // costs more than the comparisons.
  std::array<const char*, pairwise_keys> starts_;
  std::array<std::size_t, pairwise_keys> sizes_;
  std::array<std::uint32_t, pairwise_keys> prints_;
  std::uint64_t seen_ = 0;  // One bit per fingerprint, hashed into 64.
  std::size_t count_ = 0;
};

// Returns a key of `object` that appears twice in it, or nothing.
std::optional<std::string_view> duplicate_in(dom::object object) {
  std::size_t n = object.size();
  if (n < 2) return std::nullopt;
  if (n <= pairwise_keys) {
    key_tracker keys;
    for (auto [key, value] : object)
      if (keys.repeated(key)) return key;
    return std::nullopt;
  }
  std::vector<std::string_view> keys;
  keys.reserve(n);
  for (auto [key, value] : object) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  auto it = std::adjacent_find(keys.begin(), keys.end());
  return it == keys.end() ? std::nullopt : std::optional(*it);
}

// What check_user says of an object holding a key twice. Never shown: the check functions then
// find the first duplicate of the whole body and report that, as a parser that refuses
// duplicates would.
constexpr std::string_view duplicate_found = "duplicate key";

// The attribute names of the last user checked, by position, with the types established for
// the custom ones. Users of one body mostly share their attributes and their order, so:
//  - a custom attribute's type is found by comparing one name instead of hashing it and probing
//    the type tables (a type, once established in a check, never changes);
//  - a user whose names are the remembered ones, in full, has no name twice, since the
//    remembered user had none: only a user of another shape is searched for duplicates.
struct attribute_memo {
  struct entry {
    std::string_view name;  // Points into the document being checked.
    attribute_type type;    // Custom attributes only: the established type.
  };
  std::vector<entry> entries;
};

// Checks a custom attribute against the brand's and this batch's earlier types (`remembered`:
// the type the memo holds for its name, if it does); an object value is also searched for keys
// given twice. Sets `established` to the attribute's type for the brand.
std::string check_custom(std::string_view name, dom::element v, const attribute_types& known,
                         attribute_types& batch, std::optional<attribute_type> remembered,
                         attribute_type& established) {
  if (name.empty() || longer_than(name, max_attr_name_chars))
    return fmt::format("attribute name \"{}\" must be 1-49 characters", name);
  auto type = type_of(v);
  if (!type) return fmt::format("attribute {} must be a string, number, boolean or object", name);
  if (auto s = string_of(v); s && longer_than(*s, max_string_chars))
    return fmt::format("attribute {} longer than 999 characters", name);
  if (*type == attribute_type::object && find_duplicate_key(v)) return std::string(duplicate_found);
  std::optional<attribute_type> first = remembered;
  if (!first) {
    if (auto it = known.find(name); it != known.end())
      first = it->second;
    else if (auto jt = batch.find(name); jt != batch.end())
      first = jt->second;
  }
  if (first && *first != *type)
    return fmt::format("attribute {} changed type from {} to {}", name, type_name(*first),
                       type_name(*type));
  if (!first) batch.emplace(std::string(name), *type);
  established = *type;
  return {};
}

std::string check_id(std::string_view field, dom::element v) {
  auto s = string_of(v);
  if (!s) return fmt::format("{} must be a string", field);
  if (s->empty() || longer_than(*s, max_id_chars))
    return fmt::format("{} must be 1-100 characters", field);
  return {};
}

// The identity fields of a user object, found in one pass over its fields.
struct user_fields {
  std::optional<dom::element> user_id, anon_id, attributes;
  std::string_view unknown;  // The first field that is neither identity, attributes nor extra.
  bool duplicate = false;    // A field came twice.
};

user_fields find_fields(dom::object user, std::initializer_list<std::string_view> extra) {
  user_fields f;
  bool small = user.size() <= pairwise_keys;
  key_tracker keys;
  for (auto [key, value] : user) {
    if (small && keys.repeated(key)) f.duplicate = true;
    if (key == "userID")
      f.user_id = value;
    else if (key == "anonymousID")
      f.anon_id = value;
    else if (key == "user_attributes")
      f.attributes = value;
    else if (f.unknown.empty() && std::find(extra.begin(), extra.end(), key) == extra.end())
      f.unknown = key;
  }
  if (!small) f.duplicate = duplicate_in(user).has_value();
  return f;
}

// Checks a user's identity and attributes; fills `out` and returns what is wrong, if anything
// (duplicate_found for a key given twice in the user or its attributes). `extra` names fields
// allowed beside the user's own (user_event/create's event fields).
std::string check_user(dom::object user, const attribute_types& known, attribute_types& batch,
                       attribute_memo& memo, checked_user& out,
                       std::initializer_list<std::string_view> extra = {}) {
  user_fields f = find_fields(user, extra);
  if (f.duplicate) return std::string(duplicate_found);
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
  std::vector<attribute_memo::entry>& memo_entries = memo.entries;
  bool same_shape = true;  // Every name so far is the remembered one at its position.
  std::size_t position = 0;
  for (auto [name, value] : attrs) {
    bool hit = position < memo_entries.size() && same_text(memo_entries[position].name, name);
    same_shape = same_shape && hit;
    auto kind = classify(name);
    attribute_type established = attribute_type::string;  // Kept for custom attributes only.
    std::string e;
    if (kind != standard_kind::custom) {
      e = check_standard(name, kind, value);
    } else {
      std::optional<attribute_type> remembered;
      if (hit) remembered = memo_entries[position].type;
      e = check_custom(name, value, known, batch, remembered, established);
    }
    if (!e.empty()) return e;
    if (!hit) {
      if (position == memo_entries.size()) memo_entries.emplace_back();
      memo_entries[position] = {name, established};
    }
    ++position;
  }
  if (same_shape && position == memo_entries.size()) return {};
  memo_entries.resize(position);  // Now exactly this user's names, once found free of twins.
  if (duplicate_in(attrs)) {
    memo_entries.clear();
    return std::string(duplicate_found);
  }
  return {};
}

std::string user_label(const checked_user& user, std::size_t index) {
  if (user.id.empty()) return fmt::format("user #{}", index);
  return fmt::format("user {}", user.id);
}

// Makes `result` a failure. A key given twice anywhere in `body` is reported instead of
// `message`, as a parser refusing duplicates would have refused the body before any rule ran.
void fail(check_result& result, dom::element body, std::string message) {
  result.users.clear();
  result.new_types.clear();
  if (auto key = find_duplicate_key(body))
    result.error = fmt::format("Error: malformed JSON: duplicate key {}", *key);
  else
    result.error = std::move(message);
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

check_result check_create_body(dom::element body, const attribute_types& types) {
  check_result result;
  dom::object root;
  dom::array users;
  if (body.get_object().get(root) || root["nv"].get_array().get(users)) {
    fail(result, body, "Error: body must be an object with an nv array");
    return result;
  }
  if (root.size() != 1) {
    fail(result, body, "Error: unexpected field beside nv");
    return result;
  }
  std::size_t count = users.size();
  if (count == 0 || count > max_users) {
    fail(result, body, fmt::format("Error: nv must hold 1-100 users, not {}", count));
    return result;
  }
  attribute_types& batch = result.new_types;
  attribute_memo memo;
  result.users.reserve(count);
  std::size_t i = 0;
  for (dom::element element : users) {
    checked_user user;
    dom::object object;
    std::string what = element.get_object().get(object)
                           ? "user must be an object"
                           : check_user(object, types, batch, memo, user);
    if (!what.empty()) {
      fail(result, body, fmt::format("Error: {}, {}", what, user_label(user, i)));
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
    fail(result, body, "Error: body must be an object with an nv object");
    return result;
  }
  attribute_types& batch = result.new_types;
  attribute_memo memo;
  checked_user user;
  std::string what =
      check_user(object, types, batch, memo, user, {"event_name", "date", "attributes"});
  std::string_view name;
  bool has_name = !object["event_name"].get_string().get(name);
  dom::element date;
  bool has_date = !object["date"].get(date);
  if (what.empty() && (!has_name || name.empty())) what = "event_name must be a non-empty string";
  if (what.empty() && has_date) {
    auto text = string_of(date);
    if (!text || !is_calendar_date(*text)) what = "date must be YYYY-MM-DD";
  }
  if (what.empty()) {
    // The event's own attributes are not walked by the check: search them for duplicates.
    dom::element attributes;
    if (!object["attributes"].get(attributes) && find_duplicate_key(attributes))
      what = duplicate_found;
  }
  if (!what.empty()) {
    fail(result, body, fmt::format("Error: {}, {}", what, user_label(user, 0)));
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
    if (object.size() <= pairwise_keys) {
      // One walk for the keys and for whether any value is a container: an attribute's object
      // value (an address) is mostly a few scalars, and then the walk is all there is.
      key_tracker keys;
      bool nested = false;
      for (auto [key, value] : object) {
        if (keys.repeated(key)) return key;
        nested = nested || is_container(value);
      }
      if (!nested) return std::nullopt;
    } else if (auto key = duplicate_in(object)) {
      return key;
    }
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
  // Written out digit by digit: the compiler keeps it branch-light, where loops over the three
  // parts cost several times as much for a check run on every birth_date.
  auto digit = [t](std::size_t i) { return static_cast<unsigned>(t[i]) - '0'; };  // Wraps if <0
  if (digit(0) > 9 || digit(1) > 9 || digit(2) > 9 || digit(3) > 9 || digit(5) > 9 ||
      digit(6) > 9 || digit(8) > 9 || digit(9) > 9)
    return false;
  unsigned year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  unsigned month = digit(5) * 10 + digit(6);
  unsigned day = digit(8) * 10 + digit(9);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
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

// Writing generated records: one plain shape, the other accepted shapes, and the broken lines.
#include "record_generator.hpp"

#include <fmt/format.h>

#include <array>
#include <iterator>

namespace nv::bench {
namespace {

constexpr std::array<std::string_view, line_kind_count> kind_names = {
    "normal",          "crlf",
    "trailing_space",  "other_spellings",
    "wire_shape",      "blank",
    "bad_json",        "not_object",
    "bad_email",       "bad_mobile",
    "bad_birth_date",  "bad_gender",
    "bad_opt_in",      "user_id_too_long",
    "missing_user_id", "attr_type_changed",
    "invalid_utf8",    "attr_name_too_long",
    "duplicate_key",   "line_too_long",
};

constexpr std::array<std::string_view, line_kind_count> codes = {
    "",
    "",
    "",
    "",
    "",
    "",  // valid shapes and blank lines
    "malformed_json",
    "not_an_object",
    "bad_email",
    "bad_mobile",
    "bad_birth_date",
    "bad_gender",
    "bad_opt_in",
    "user_id_too_long",
    "missing_user_id",
    "attr_type_changed",
    "invalid_utf8",
    "attr_name_too_long",
    "duplicate_key",
    "line_too_long",
};

constexpr std::array<std::string_view, 12> first_names = {"Maria", "João",  "Ana",   "Pedro",
                                                          "Sofia", "Lucas", "Priya", "Arjun",
                                                          "Emma",  "Noah",  "Chloé", "Mateus"};
constexpr std::array<std::string_view, 10> last_names = {"Silva",  "Santos", "Oliveira", "Souza",
                                                         "Sharma", "Patel",  "Smith",    "Müller",
                                                         "Martin", "Costa"};
constexpr std::array<std::string_view, 8> cities = {
    "São Paulo", "Mumbai", "Lisboa", "Berlin", "London", "Bengaluru", "Rio de Janeiro", "Paris"};
constexpr std::array<std::string_view, 4> plans = {"free", "silver", "gold", "platinum"};
constexpr std::array<std::string_view, 4> channels = {"web", "ios", "android", "store"};
constexpr std::array<std::string_view, 3> genders = {"male", "female", "other"};

template <std::size_t n>
std::string_view pick(rng& r, const std::array<std::string_view, n>& values) {
  return values[r.below(n)];
}

/// How the record's fields are spelled and nested.
enum class shape { plain, other_spellings, wire };

}  // namespace

std::string_view expected_code(line_kind kind) noexcept {
  return codes[static_cast<std::size_t>(kind)];
}

std::string_view kind_name(line_kind kind) noexcept {
  return kind_names[static_cast<std::size_t>(kind)];
}

std::uint64_t rng::next() noexcept {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// The field values of one record, as JSON fragments where a broken kind changes the type.
struct record_generator::person {
  std::string user_id, first, last, email, mobile, birth_date, gender, email_opt_in;
  std::string_view city, plan, channel;
  std::string score;  // raw JSON: a number, or a string for attr_type_changed
  std::string extra;  // raw members appended to the attributes
  unsigned sms_opt_in = 0, whatsapp_opt_in = 0, vip = 0;
  bool has_user_id = true;
};

record_generator::record_generator(std::uint64_t seed, std::size_t long_line_bytes)
    : rng_(seed), long_line_bytes_(long_line_bytes) {}

record_generator::person record_generator::make_person(std::uint64_t index) {
  person p;
  p.user_id = fmt::format("u{:010}", index);
  p.first = pick(rng_, first_names);
  p.last = pick(rng_, last_names);
  p.email = fmt::format("user{}.{}@example.com", index, rng_.below(1000));
  p.mobile = fmt::format("+55119{:08}", rng_.below(100000000));
  p.birth_date =
      fmt::format("{}-{:02}-{:02}", 1950 + rng_.below(55), 1 + rng_.below(12), 1 + rng_.below(28));
  p.gender = pick(rng_, genders);
  p.email_opt_in = fmt::format("\"{}\"", rng_.below(3));
  p.sms_opt_in = static_cast<unsigned>(rng_.below(3));
  p.whatsapp_opt_in = static_cast<unsigned>(rng_.below(3));
  p.city = pick(rng_, cities);
  p.plan = pick(rng_, plans);
  p.channel = pick(rng_, channels);
  p.score = fmt::format("{}", rng_.below(1000));
  p.vip = static_cast<unsigned>(rng_.below(2));
  return p;
}

void record_generator::append(std::string& out, line_kind kind, std::uint64_t index) {
  if (kind == line_kind::blank) {
    out.append(rng_.below(2) ? "\n" : "  \r\n");
    return;
  }
  person p = make_person(index);
  if (kind < first_broken) {
    append_normal(out, p, kind);
  } else {
    append_broken(out, p, kind);
  }
}

namespace {

void write_record(std::string& out, const auto& p, shape s) {
  auto it = std::back_inserter(out);
  const bool plain = s != shape::other_spellings;
  out.push_back('{');
  if (p.has_user_id) fmt::format_to(it, "\"{}\":\"{}\",", plain ? "userID" : "userId", p.user_id);
  if (s == shape::wire) out.append("\"user_attributes\":{");
  fmt::format_to(it, "\"name\":\"{} {}\",\"{}\":\"{}\",\"{}\":\"{}\",\"email\":\"{}\",", p.first,
                 p.last, plain ? "first_name" : "firstName", p.first,
                 plain ? "last_name" : "lastName", p.last, p.email);
  fmt::format_to(it, "\"{}\":\"{}\",\"{}\":\"{}{}\",\"gender\":\"{}\",", plain ? "mobile" : "phone",
                 p.mobile, plain ? "birth_date" : "birthDate", p.birth_date,
                 plain ? "" : "T15:45:00-0800", p.gender);
  fmt::format_to(it, "\"email_opt_in\":{},\"sms_opt_in\":\"{}\",\"whatsapp_opt_in\":\"{}\",",
                 p.email_opt_in, p.sms_opt_in, p.whatsapp_opt_in);
  fmt::format_to(it, "\"company\":\"{} Ltda\",", p.last);
  if (s != shape::wire) out.append("\"attributes\":{");
  fmt::format_to(it,
                 "\"plan\":\"{}\",\"city\":\"{}\",\"score\":{},\"vip\":{},"
                 "\"signup_channel\":\"{}\",\"last_order\":\"2023-11-{:02}\"{}}}}}",
                 p.plan, p.city, p.score, p.vip ? "true" : "false", p.channel,
                 1 + p.sms_opt_in * 9 + p.whatsapp_opt_in, p.extra);
}

}  // namespace

void record_generator::append_normal(std::string& out, const person& p, line_kind kind) {
  switch (kind) {
    case line_kind::other_spellings:
      write_record(out, p, shape::other_spellings);
      break;
    case line_kind::wire_shape:
      write_record(out, p, shape::wire);
      break;
    default:
      write_record(out, p, shape::plain);
      break;
  }
  if (kind == line_kind::crlf) out.push_back('\r');
  if (kind == line_kind::trailing_space) out.append(" \t");
  out.push_back('\n');
}

void record_generator::append_broken(std::string& out, const person& original, line_kind kind) {
  person p = original;
  switch (kind) {
    case line_kind::not_object:
      out.append(fmt::format("[\"{}\",1,2]\n", p.user_id));
      return;
    case line_kind::bad_email:
      p.email = "user.example.com";
      break;
    case line_kind::bad_mobile:
      p.mobile = "+0123";
      break;
    case line_kind::bad_birth_date:
      p.birth_date = "1987-02-30";
      break;
    case line_kind::bad_gender:
      p.gender = "unknown";
      break;
    case line_kind::bad_opt_in:
      p.email_opt_in = "\"5\"";
      break;
    case line_kind::user_id_too_long:
      p.user_id = std::string(101, 'u');
      break;
    case line_kind::missing_user_id:
      p.has_user_id = false;
      break;
    case line_kind::attr_type_changed:
      p.score = "\"high\"";
      break;
    case line_kind::invalid_utf8:
      p.first = "Jos\xE9";
      break;
    case line_kind::attr_name_too_long:
      p.extra = ",\"" + std::string(50, 'a') + "\":\"x\"";
      break;
    case line_kind::duplicate_key:
      p.extra = ",\"plan\":\"gold\"";
      break;
    case line_kind::line_too_long:
      p.extra = ",\"note\":\"" + std::string(long_line_bytes_, 'n') + "\"";
      break;
    default:
      break;
  }
  const std::size_t start = out.size();
  write_record(out, p, shape::plain);
  // A malformed line: the record cut short, as a crashed writer leaves it.
  if (kind == line_kind::bad_json) out.resize(start + (out.size() - start) / 2);
  out.push_back('\n');
}

}  // namespace nv::bench

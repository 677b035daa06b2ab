// Reads delete input lines into user IDs.
#include "nv/api/user_id_input.hpp"

#include <fmt/format.h>

#include <array>

namespace nv::api {
namespace {

constexpr std::size_t max_id_chars = 100;

std::string_view trim(std::string_view text) noexcept {
  constexpr std::string_view space = " \t\r\n";
  auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(space) - first + 1);
}

std::size_t code_points(std::string_view text) noexcept {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

user_id_line checked_id(std::string_view id) {
  if (id.empty()) return record::reject{record::reject_code::bad_user_id, "userID is empty"};
  if (code_points(id) > max_id_chars) {
    return record::reject{record::reject_code::user_id_too_long,
                          fmt::format("userID \"{}\" is longer than {} characters",
                                      record::shorten(id), max_id_chars)};
  }
  for (unsigned char c : id) {
    if (c < 0x20 || c == 0x7F)
      return record::reject{record::reject_code::bad_user_id,
                            "userID contains a control character"};
  }
  return std::string(id);
}

}  // namespace

user_id_line user_id_reader::read(std::string_view line) {
  auto text = trim(line);
  if (text.empty()) return blank_line{};
  if (text.front() == '{') return read_object(text, 0);
  return checked_id(text);
}

user_id_line user_id_reader::read_object(std::string_view text, int depth) {
  simdjson::dom::element root;
  if (parser_.parse(text.data(), text.size()).get(root)) {
    return record::reject{record::reject_code::malformed_json, "the line is not valid JSON"};
  }
  simdjson::dom::object object;
  if (root.get_object().get(object))
    return record::reject{record::reject_code::not_an_object, "the line is not a JSON object"};
  for (std::string_view key : std::array<std::string_view, 3>{"userID", "userId", "user_id"}) {
    simdjson::dom::element value;
    if (object.at_key(key).get(value)) continue;
    std::string_view id;
    if (value.get_string().get(id))
      return record::reject{record::reject_code::bad_user_id,
                            fmt::format("{} is not a string", key)};
    return checked_id(id);
  }
  // A reject line carries the original record as a string: read the ID from that record.
  std::string_view original;
  if (depth == 0 && !object.at_key("record").get_string().get(original)) {
    std::string copy(original);  // the parser's buffer is reused by the nested parse
    auto inner = trim(copy);
    if (inner.empty() || inner.front() != '{') return checked_id(inner);
    return read_object(inner, depth + 1);
  }
  return record::reject{record::reject_code::missing_user_id, "the record has no userID"};
}

}  // namespace nv::api

// Parsing the answer envelope: {"response":{"status":…,"message":…}} or the same at top level.
#include "nv/api/answer.hpp"

#include "nv/api/wire.hpp"

#include <charconv>

namespace nv::api {
namespace {

namespace od = simdjson::ondemand;

// What one object level of the answer holds; the response level wins over the top level.
struct fields {
  std::optional<std::string> status;
  std::optional<std::string> message;
  std::optional<std::uint64_t> count;
  std::optional<std::string> data;
  std::optional<std::uint64_t> next_offset;
};

// Reads a count or offset given as a number or a numeric string (assumed either may appear).
std::optional<std::uint64_t> read_unsigned(od::value value) {
  std::uint64_t number = 0;
  if (value.get_uint64().get(number) == simdjson::SUCCESS) return number;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return number;
}

std::optional<std::string> read_text(od::value value) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
  return std::nullopt;
}

std::optional<std::string> read_raw(od::value value) {
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return std::nullopt;
  std::string_view raw;
  simdjson::error_code error = simdjson::SUCCESS;
  if (type == od::json_type::array) {
    od::array array;
    error = value.get_array().get(array);
    if (!error) error = array.raw_json().get(raw);
  } else if (type == od::json_type::object) {
    od::object object;
    error = value.get_object().get(object);
    if (!error) error = object.raw_json().get(raw);
  } else {
    raw = value.raw_json_token();
  }
  if (error != simdjson::SUCCESS) return std::nullopt;
  while (!raw.empty() &&
         (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
    raw.remove_suffix(1);
  return std::string(raw);
}

// Reads the known keys of one object; `response` receives the nested envelope if any.
bool read_level(od::object object, fields& level, fields* response) {
  for (auto field : object) {
    std::string_view key;
    od::value value;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    if (field.value().get(value) != simdjson::SUCCESS) return false;
    if (key == "status") {
      level.status = read_text(value);
    } else if (key == "message") {
      level.message = read_text(value);
    } else if (key == wire::count_key) {
      level.count = read_unsigned(value);
    } else if (key == wire::data_key) {
      level.data = read_raw(value);
    } else if (key == wire::next_offset_key) {
      level.next_offset = read_unsigned(value);  // null → none: the end of the listing
    } else if (key == wire::envelope_key && response != nullptr) {
      od::object nested;
      if (value.get_object().get(nested) == simdjson::SUCCESS &&
          !read_level(nested, *response, nullptr))
        return false;
    }
  }
  return true;
}

answer_status status_of(std::string_view text) {
  if (text == wire::status_success) return answer_status::success;
  if (text == wire::status_queued) return answer_status::queued;
  if (text == wire::status_error) return answer_status::error;
  return answer_status::other;
}

template <class T>
std::optional<T> prefer(std::optional<T>& inner, std::optional<T>& outer) {
  return inner ? std::move(inner) : std::move(outer);
}

}  // namespace

answer answer_parser::parse(std::string& body) {
  answer out;
  body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  od::document document;
  od::object object;
  if (parser_.iterate(simdjson::padded_string_view(body.data(), body.size(), body.capacity()))
              .get(document) != simdjson::SUCCESS ||
      document.get_object().get(object) != simdjson::SUCCESS)
    return out;
  fields top;
  fields response;
  if (!read_level(object, top, &response)) return out;
  out.json = true;
  if (auto status = prefer(response.status, top.status)) {
    out.status_text = std::move(*status);
    out.status = status_of(out.status_text);
  }
  out.message = prefer(response.message, top.message).value_or("");
  out.count = prefer(response.count, top.count);
  out.data = prefer(response.data, top.data).value_or("");
  out.next_offset = prefer(response.next_offset, top.next_offset);
  return out;
}

}  // namespace nv::api

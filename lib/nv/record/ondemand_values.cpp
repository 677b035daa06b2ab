// Copy-free reads of keys and strings, and compact re-serialisation of on-demand values with
// validation and a depth limit.
#include "nv/record/ondemand_values.hpp"

#include "nv/record/json_escape.hpp"
#include "nv/record/json_number.hpp"

namespace nv::record {
namespace {

namespace od = simdjson::ondemand;

walk_result malformed(simdjson::error_code error) {
  return {walk_status::malformed, error};
}

/// Appends a string read by read_string() or read_key(): as is between quotes when plain (then
/// viewed in the padded input line), else escaped.
void append_string(text_buffer& out, std::string_view text, bool plain) {
  out.commit(write_quoted(out.room(quoted_bound(text, plain)), text, plain));
}

}  // namespace

walk_result write_compact(od::value& value, text_buffer& out, std::size_t depth_left) {
  od::json_type type{};
  if (auto error = value.type().get(type)) return malformed(error);
  switch (type) {
    case od::json_type::object: {
      if (depth_left == 0) return {walk_status::too_deep};
      od::object object;
      if (auto error = value.get_object().get(object)) return malformed(error);
      return write_compact_object(object, out, depth_left - 1);
    }
    case od::json_type::array: {
      if (depth_left == 0) return {walk_status::too_deep};
      od::array array;
      if (auto error = value.get_array().get(array)) return malformed(error);
      return write_compact_array(array, out, depth_left - 1);
    }
    case od::json_type::string: {
      std::string_view text;
      bool plain = false;
      if (auto error = read_string(value, text, plain)) return malformed(error);
      append_string(out, text, plain);
      return {};
    }
    case od::json_type::number: {
      const std::string_view text = trim_json_space_right(value.raw_json_token());
      if (!is_json_number(text)) return malformed(simdjson::NUMBER_ERROR);
      if (!number_fits(value)) return {walk_status::bad_number};
      out.append(text);
      return {};
    }
    case od::json_type::boolean: {
      bool flag = false;
      if (auto error = value.get_bool().get(flag)) return malformed(error);
      out.append(flag ? "true" : "false");
      return {};
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return malformed(error);
      if (!is_null) return malformed(simdjson::N_ATOM_ERROR);
      out.append("null");
      return {};
    }
  }
  return malformed(simdjson::TAPE_ERROR);
}

walk_result write_compact_array(od::array& array, text_buffer& out, std::size_t depth_left) {
  out.push_back('[');
  bool first = true;
  for (auto element_result : array) {
    od::value element;
    if (auto error = std::move(element_result).get(element)) return malformed(error);
    if (!first) out.push_back(',');
    first = false;
    if (auto result = write_compact(element, out, depth_left); result.status != walk_status::ok) {
      return result;
    }
  }
  out.push_back(']');
  return {};
}

walk_result write_compact_object(od::object& object, text_buffer& out, std::size_t depth_left) {
  out.push_back('{');
  bool first = true;
  for (auto field_result : object) {
    if (auto error = field_result.error()) return malformed(error);
    od::field& field = field_result.value_unsafe();
    std::string_view key;
    bool plain = false;
    if (auto error = read_key(field, key, plain)) return malformed(error);
    if (!first) out.push_back(',');
    first = false;
    append_string(out, key, plain);
    out.push_back(':');
    if (auto result = write_compact(field.value(), out, depth_left);
        result.status != walk_status::ok) {
      return result;
    }
  }
  out.push_back('}');
  return {};
}

}  // namespace nv::record

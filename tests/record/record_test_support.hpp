// Helpers for the record tests: padded lines, and the wire user read back as name → value.
#pragma once

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "nv/record/record_normaliser.hpp"

namespace nv::record::testing {

/// Bytes that follow the line in the test buffers: what a reader's buffer holds after a line
/// (the next line's bytes) is never spaces, so the padding is deliberately hostile.
inline constexpr std::string_view hostile_padding = "}]\"\\,:{[0-9e \n}}]]tru\"\"";

/// Returns `use(view)` for `line` copied into a buffer whose padding holds `padding` bytes
/// repeated. The buffer is allocated with exactly SIMDJSON_PADDING bytes after the line (no
/// spare capacity, as a std::string may have), so under ASan a read past the promised padding
/// is reported.
template <typename Use>
auto with_padded_line(std::string_view line, std::string_view padding, Use use) {
  const std::size_t size = line.size() + simdjson::SIMDJSON_PADDING;
  const auto buffer = std::make_unique<char[]>(size);
  std::copy(line.begin(), line.end(), buffer.get());
  for (std::size_t i = line.size(); i < size; ++i) {
    buffer[i] = padding[(i - line.size()) % padding.size()];
  }
  return use(std::string_view(buffer.get(), line.size()));
}

/// Normalises `line` from a padded buffer (with_padded_line()).
inline std::optional<reject> normalise_padded(record_normaliser& normaliser, std::string_view line,
                                              std::string& wire,
                                              std::string_view padding = hostile_padding) {
  return with_padded_line(
      line, padding, [&](std::string_view padded) { return normaliser.normalise(padded, wire); });
}

/// A wire user read back: its identity and its attributes in wire order. String values are
/// unescaped; any other value is its minified JSON text.
struct wire_user {
  std::string user_id;
  std::string anonymous_id;
  bool has_user_attributes = false;
  std::vector<std::pair<std::string, std::string>> attributes;

  /// Returns the value of attribute `name`, or nothing.
  std::optional<std::string> get(std::string_view name) const {
    for (const auto& [key, value] : attributes) {
      if (key == name) return value;
    }
    return std::nullopt;
  }
  /// Returns the attribute names in wire order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& attribute : attributes) out.push_back(attribute.first);
    return out;
  }
};

/// Parses `wire` with simdjson's DOM parser; nothing when it is not an object.
inline std::optional<wire_user> read_wire(std::string_view wire) {
  simdjson::dom::parser parser;
  simdjson::dom::object top;
  if (parser.parse(wire.data(), wire.size()).get(top)) return std::nullopt;
  wire_user user;
  auto text_of = [](simdjson::dom::element element) {
    std::string_view text;
    if (!element.get(text)) return std::string(text);
    return simdjson::minify(element);
  };
  for (auto [key, value] : top) {
    if (key == "userID") {
      user.user_id = text_of(value);
    } else if (key == "anonymousID") {
      user.anonymous_id = text_of(value);
    } else if (key == "user_attributes") {
      user.has_user_attributes = true;
      simdjson::dom::object attributes;
      if (value.get(attributes)) return std::nullopt;
      for (auto [name, attribute] : attributes) {
        user.attributes.emplace_back(std::string(name), text_of(attribute));
      }
    } else {
      return std::nullopt;
    }
  }
  return user;
}

}  // namespace nv::record::testing

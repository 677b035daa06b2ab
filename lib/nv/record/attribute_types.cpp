// The run-wide registry of custom attribute types.
#include "nv/record/attribute_types.hpp"

#include <array>

namespace nv::record {

std::string_view attr_type_name(attr_type type) noexcept {
  static constexpr std::array<std::string_view, 4> names = {"string", "number", "boolean",
                                                            "object"};
  return names[static_cast<std::size_t>(type)];
}

std::optional<attr_type> attribute_types::find(std::string_view name) const {
  const auto it = types_.find(name);
  if (it == types_.end()) return std::nullopt;
  return it->second;
}

attr_type attribute_types::register_type(std::string_view name, attr_type type) {
  const auto it = types_.find(name);
  if (it != types_.end()) return it->second;
  types_.emplace(std::string(name), type);
  return type;
}

}  // namespace nv::record

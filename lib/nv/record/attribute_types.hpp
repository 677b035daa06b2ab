// The type of each custom attribute for a whole run: the vendor requires one type per name, so
// the first type seen wins and a later record with another type is rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nv::record {

/// The type a custom attribute can have.
enum class attr_type : std::uint8_t { string, number, boolean, object };

/// Returns "string", "number", "boolean" or "object".
std::string_view attr_type_name(attr_type type) noexcept;

/// The first type seen for each custom attribute name. Not thread-safe: one per normaliser.
class attribute_types {
 public:
  /// Returns the type registered for `name`, or nothing when the name is new.
  std::optional<attr_type> find(std::string_view name) const;

  /// Registers `type` for `name` unless the name already has a type; returns the type in force.
  attr_type register_type(std::string_view name, attr_type type);

  /// Returns how many names have a type.
  std::size_t size() const noexcept { return types_.size(); }

 private:
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, attr_type, name_hash, std::equal_to<>> types_;
};

}  // namespace nv::record

// The accepted fields of the record being normalised, and their serialisation as a wire user.
// Views point into the parser's buffers or the input line: valid until the next parse.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "nv/record/attribute_types.hpp"
#include "nv/record/json_escape.hpp"
#include "nv/record/reject.hpp"
#include "nv/record/same_text.hpp"
#include "nv/record/standard_fields.hpp"
#include "nv/record/text_buffer.hpp"

namespace nv::record {

/// Text for the wire and whether it can go between quotes without escaping.
struct wire_text {
  std::string_view text;
  bool plain = true;
};

/// The fields of one record. Cleared, not reallocated, between records.
class record_fields {
 public:
  /// Forgets the previous record; keeps the capacity.
  void clear() noexcept;

  /// Marks field `id` as given under `key` (inside `container` when not empty: the key that
  /// field_id::attributes was claimed under). Returns false when the field was already given
  /// under any spelling: see duplicate().
  bool claim(field_id id, std::string_view key, std::string_view container) noexcept {
    const auto bit = std::uint32_t{1} << static_cast<unsigned>(id);
    if (given_ & bit) return false;
    given_ |= bit;
    // Only the key: a container is always the key `attributes` was claimed under, so a bit
    // says whether there was one (constant at each call site: no test).
    if (!container.empty()) inside_ |= bit;
    seen_[static_cast<std::size_t>(id)] = key;
    return true;
  }

  /// claim() without remembering where the field was given: for a reader that hands a record
  /// with a duplicate to one that says where (the token fast path to on-demand).
  bool claim_quietly(field_id id) noexcept {
    const auto bit = std::uint32_t{1} << static_cast<unsigned>(id);
    const bool first = (given_ & bit) == 0;
    given_ |= bit;
    return first;
  }

  /// Returns the duplicate_key reject for a claim() of `id` under `key` that returned false.
  reject duplicate(field_id id, std::string_view key, std::string_view container) const;

  /// Marks custom attribute `name` as given; returns false when it already was. `distinct`:
  /// the caller knows `name` differs from the names given before (recent_keys), so no scan.
  bool claim_custom(std::string_view name, bool distinct) {
    if (distinct) {
      custom_keys_.push_back(name);
      return true;
    }
    return claim_new_custom(name);
  }

  /// Sets the wire text of an identity or standard field (empty: not provided). A plain text
  /// must be followed by copy_padding readable bytes (the input line, the parser's string
  /// buffer and wire_literals.hpp are): write_wire() copies it with copy_padded().
  void set(field_id id, wire_text text) noexcept {
    // Member by member: copied whole, the compiler built `text` on the stack and reloaded it
    // as one vector, a store-forwarding stall (perf put 12% of the pipeline's samples on that
    // reload; copied this way, the token fast path ran about 4% faster).
    auto& value = values_[static_cast<std::size_t>(id)];
    value.text = text.text;
    value.plain = text.plain;
    if (!text.text.empty()) {
      set_ |= std::uint32_t{1} << static_cast<unsigned>(id);
      bound_ += 1 + max_wire_name_size + string_bound(text);
    }
  }

  /// Adds a custom attribute whose wire text is `text` (unescaped for strings): written at once
  /// after those before it, as the wire has them in input order (kept as fields and written at
  /// the end, they cost a store of each and a second pass). Plain names and texts must be
  /// followed by copy_padding readable bytes, as for set().
  void add_custom(wire_text name, attr_type type, wire_text text, bool registered) {
    if (!registered) unregistered_.push_back({name.text, type});
    const bool quoted = type == attr_type::string;
    char* out = custom_wire_.room(2 + string_bound(name) +
                                  (quoted ? string_bound(text) : text.text.size()));
    *out = ',';
    out += !custom_wire_.empty();
    out = write_quoted(out, name.text, name.plain);
    *out++ = ':';
    if (quoted) {
      out = write_quoted(out, text.text, text.plain);
    } else {
      copy_padded(out, text.text.data(), text.text.size());
      out += text.text.size();
    }
    custom_wire_.commit(out);
  }

  /// Returns the buffer that object-valued attributes are written into.
  text_buffer& object_buffer() noexcept { return objects_; }

  /// Adds an object-valued custom attribute whose compact JSON starts at `offset` in the
  /// object buffer and runs to its end.
  void add_object(wire_text name, std::size_t offset, bool registered) {
    add_custom(name, attr_type::object, {objects_.view().substr(offset), true}, registered);
    objects_.truncate(offset);
  }

  /// Returns whether userID or anonymousID was given with a value.
  bool has_identity() const noexcept {
    return (set_ & (std::uint32_t{1} << static_cast<unsigned>(field_id::user_id) |
                    std::uint32_t{1} << static_cast<unsigned>(field_id::anonymous_id))) != 0;
  }

  /// A custom attribute name that the run's registry does not know yet, and its type.
  struct new_name {
    std::string_view name;
    attr_type type;
  };
  /// Returns the custom attributes whose names the registry does not know yet.
  const std::vector<new_name>& unregistered() const noexcept { return unregistered_; }

  /// Appends the wire user to `out`:
  /// {"userID":…,"anonymousID":…,"user_attributes":{…}}, standard attributes in canonical
  /// order, then custom attributes in input order.
  void write_wire(text_buffer& out) const;

  /// The longest `"name":` of a standard or identity field (checked where they are written).
  static constexpr std::size_t max_wire_name_size = 18;

 private:
  bool claim_new_custom(std::string_view name);

  /// Returns the most bytes `text` takes on the wire, quotes included.
  static std::size_t string_bound(wire_text text) noexcept {
    return quoted_bound(text.text, text.plain);
  }

  static_assert(field_count <= 32);
  std::uint32_t given_ = 0;  // bit per field_id: claimed (any value, null included)
  std::uint32_t set_ = 0;    // bit per field_id: values_ holds a non-empty text
  std::size_t bound_ = 0;    // the most bytes the fields set() so far take on the wire
  std::array<wire_text, field_count> values_{};  // valid where set_ says so
  std::uint32_t inside_ = 0;  // bit per field_id: claimed inside the attributes container
  std::array<std::string_view, field_count> seen_{};  // keys claimed, where given_ says so
  std::vector<new_name> unregistered_;
  text_buffer custom_wire_;  // "name":value,… of the custom attributes, in input order
  std::vector<std::string_view> custom_keys_;          // every custom name given, null or not
  std::unordered_set<std::string_view> custom_names_;  // the same, past a few names
  text_buffer objects_;
};

}  // namespace nv::record

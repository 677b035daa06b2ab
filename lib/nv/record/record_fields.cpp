// Duplicate detection across spellings and the wire serialisation of one accepted user.
#include "nv/record/record_fields.hpp"

#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "nv/record/json_escape.hpp"

namespace nv::record {
namespace {

/// Up to this many custom attributes, duplicates are found by a linear scan (no hashing).
constexpr std::size_t linear_scan_limit = 16;

std::string describe_key(std::string_view container, std::string_view key) {
  return container.empty() ? quote_for_message(key)
                           : quote_for_message(fmt::format("{}.{}", container, key));
}

/// `"name":` with the quotes, for each identity and standard field.
constexpr auto quoted_wire_names = [] {
  std::array<std::string_view, field_count> names{};
  names[0] = "\"userID\":";
  names[1] = "\"anonymousID\":";
  names[2] = "\"name\":";
  names[3] = "\"first_name\":";
  names[4] = "\"last_name\":";
  names[5] = "\"email\":";
  names[6] = "\"mobile\":";
  names[7] = "\"birth_date\":";
  names[8] = "\"gender\":";
  names[9] = "\"email_opt_in\":";
  names[10] = "\"sms_opt_in\":";
  names[11] = "\"whatsapp_opt_in\":";
  names[12] = "\"company\":";
  names[13] = "\"hashed_email\":";
  names[14] = "\"hashed_mobile\":";
  names[15] = "\"user_attributes\":";
  return names;
}();

}  // namespace

void record_fields::clear() noexcept {
  given_ = 0;
  set_ = 0;
  customs_.clear();
  custom_keys_.clear();
  if (!custom_names_.empty()) custom_names_.clear();  // clear() touches every bucket
  objects_.clear();
  on_recent_track_ = true;
}

reject record_fields::duplicate(field_id id, std::string_view key,
                                std::string_view container) const {
  const auto& seen = seen_[static_cast<std::size_t>(id)];
  return {reject_code::duplicate_key,
          fmt::format("{} is given twice: as {} and as {}", wire_name(id),
                      describe_key(seen.container, seen.key), describe_key(container, key))};
}

bool record_fields::claim_new_custom(std::string_view name) {
  if (custom_keys_.size() < linear_scan_limit) {
    for (const auto key : custom_keys_) {
      if (key == name) return false;
    }
  } else {
    if (custom_names_.empty()) custom_names_.insert(custom_keys_.begin(), custom_keys_.end());
    if (!custom_names_.insert(name).second) return false;
  }
  custom_keys_.push_back(name);
  return true;
}

void record_fields::remember(const attribute_types& types) {
  if (on_recent_track_ && custom_keys_.size() <= recent_count_) return;  // nothing new
  if (recent_.size() < custom_keys_.size()) recent_.resize(custom_keys_.size());
  for (std::size_t i = 0; i < custom_keys_.size(); ++i) {
    recent_[i].name.assign(custom_keys_[i]);  // reuses the string's capacity
    recent_[i].type = types.find(custom_keys_[i]);
  }
  recent_count_ = custom_keys_.size();
}

namespace {

/// Writes wire pieces at a raw pointer into room reserved beforehand.
class piece_writer {
 public:
  explicit piece_writer(char* out) noexcept : out_(out) {}

  void raw(std::string_view text) noexcept {
    copy_bytes(out_, text.data(), text.size());
    out_ += text.size();
  }
  void byte(char c) noexcept { *out_++ = c; }
  void string(std::string_view text, bool plain) noexcept {
    if (!plain) {
      out_ = write_json_string(out_, text);
      return;
    }
    *out_++ = '"';
    raw(text);
    *out_++ = '"';
  }
  char* end() const noexcept { return out_; }

 private:
  char* out_;
};

std::size_t string_bound(std::string_view text, bool plain) noexcept {
  return plain ? text.size() + 2 : json_string_bound(text.size());
}

constexpr std::string_view attributes_open = ",\"user_attributes\":{";

}  // namespace

void record_fields::write_wire(std::string& wire) const {
  // Size the output once, then write without capacity checks.
  std::size_t bound = 2 + attributes_open.size() + 1;
  for (std::uint32_t bits = set_; bits != 0; bits &= bits - 1) {
    const auto i = static_cast<std::size_t>(std::countr_zero(bits));
    bound += 1 + quoted_wire_names[i].size() + string_bound(values_[i].text, values_[i].plain);
  }
  for (const auto& custom : customs_) {
    bound += 2 + string_bound(custom.name, custom.name_plain);
    bound += custom.type == attr_type::object   ? custom.object_size
             : custom.type == attr_type::string ? string_bound(custom.text, custom.text_plain)
                                                : custom.text.size();
  }
  const std::size_t start = wire.size();
  wire.resize(start + bound);
  piece_writer out(wire.data() + start);

  out.byte('{');
  bool comma = false;
  for (auto id : {field_id::user_id, field_id::anonymous_id}) {
    if ((set_ & (std::uint32_t{1} << static_cast<unsigned>(id))) == 0) continue;
    const auto& value = values_[static_cast<std::size_t>(id)];
    if (comma) out.byte(',');
    comma = true;
    out.raw(quoted_wire_names[static_cast<std::size_t>(id)]);
    out.string(value.text, value.plain);
  }
  bool first = true;
  auto open_attribute = [&] {
    if (first) {
      out.raw(attributes_open);
      first = false;
    } else {
      out.byte(',');
    }
  };
  // Standard attributes: the set bits above the identities, in field_id (canonical) order.
  for (std::uint32_t bits = set_ >> first_standard; bits != 0; bits &= bits - 1) {
    const auto i = first_standard + static_cast<std::size_t>(std::countr_zero(bits));
    open_attribute();
    out.raw(quoted_wire_names[i]);
    out.string(values_[i].text, values_[i].plain);
  }
  for (const auto& custom : customs_) {
    open_attribute();
    out.string(custom.name, custom.name_plain);
    out.byte(':');
    switch (custom.type) {
      case attr_type::string:
        out.string(custom.text, custom.text_plain);
        break;
      case attr_type::object:
        out.raw(objects_.view().substr(custom.object_offset, custom.object_size));
        break;
      case attr_type::number:
      case attr_type::boolean:
        out.raw(custom.text);
        break;
    }
  }
  if (!first) out.byte('}');
  out.byte('}');
  wire.resize(static_cast<std::size_t>(out.end() - wire.data()));
}

}  // namespace nv::record

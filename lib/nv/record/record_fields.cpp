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

/// `"name":` for each identity and standard field, padded to one block so that copy_block()
/// writes any of them in one move.
struct padded_wire_name {
  char text[32] = {};
  std::size_t size = 0;
};
constexpr auto quoted_wire_names = [] {
  constexpr std::array<std::string_view, field_count> names = {
      "\"userID\":",    "\"anonymousID\":",  "\"name\":",          "\"first_name\":",
      "\"last_name\":", "\"email\":",        "\"mobile\":",        "\"birth_date\":",
      "\"gender\":",    "\"email_opt_in\":", "\"sms_opt_in\":",    "\"whatsapp_opt_in\":",
      "\"company\":",   "\"hashed_email\":", "\"hashed_mobile\":", "\"user_attributes\":"};
  std::array<padded_wire_name, field_count> padded{};
  for (std::size_t i = 0; i < field_count; ++i) {
    if (names[i].size() > record_fields::max_wire_name_size) {
      throw "max_wire_name_size is too small";
    }
    for (std::size_t k = 0; k < names[i].size(); ++k) padded[i].text[k] = names[i][k];
    padded[i].size = names[i].size();
  }
  return padded;
}();

}  // namespace

void record_fields::clear() noexcept {
  given_ = 0;
  inside_ = 0;
  set_ = 0;
  bound_ = 0;
  unregistered_.clear();
  custom_wire_.clear();
  custom_keys_.clear();
  if (!custom_names_.empty()) custom_names_.clear();  // clear() touches every bucket
  objects_.clear();
}

reject record_fields::duplicate(field_id id, std::string_view key,
                                std::string_view container) const {
  const auto bit = std::uint32_t{1} << static_cast<unsigned>(id);
  const std::string_view seen_container =
      (inside_ & bit) != 0 ? seen_[static_cast<std::size_t>(field_id::attributes)]
                           : std::string_view{};
  return {reject_code::duplicate_key,
          fmt::format("{} is given twice: as {} and as {}", wire_name(id),
                      describe_key(seen_container, seen_[static_cast<std::size_t>(id)]),
                      describe_key(container, key))};
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

namespace {

/// Writes wire pieces at a raw pointer into room reserved beforehand, with copy_padding bytes
/// of slack past it.
class piece_writer {
 public:
  explicit piece_writer(char* out) noexcept : out_(out) {}

  /// Appends `text` (no padding asked of it).
  void raw(std::string_view text) noexcept {
    std::memcpy(out_, text.data(), text.size());
    out_ += text.size();
  }
  /// Appends `text`, which is followed by copy_padding readable bytes.
  void padded(std::string_view text) noexcept {
    copy_padded(out_, text.data(), text.size());
    out_ += text.size();
  }
  /// Appends `"name":` and the string value of field `id`.
  void field(field_id id, const wire_text& value) noexcept {
    const auto& name = quoted_wire_names[static_cast<std::size_t>(id)];
    static_assert(sizeof name.text == copy_padding);
    copy_block(out_, name.text);
    out_ = write_quoted(out_ + name.size, value.text, value.plain);
  }
  void byte(char c) noexcept { *out_++ = c; }
  char* end() const noexcept { return out_; }

 private:
  char* out_;
};

constexpr std::string_view attributes_open = ",\"user_attributes\":{";

}  // namespace

void record_fields::write_wire(text_buffer& buffer) const {
  // Room for the bound kept while fields were set, then writes without capacity checks (the
  // buffer's slack past its capacity takes the block copies' overrun).
  piece_writer out(buffer.room(2 + attributes_open.size() + 1 + bound_ + custom_wire_.size()));

  out.byte('{');
  bool comma = false;
  for (auto id : {field_id::user_id, field_id::anonymous_id}) {
    if ((set_ & (std::uint32_t{1} << static_cast<unsigned>(id))) == 0) continue;
    const auto& value = values_[static_cast<std::size_t>(id)];
    if (comma) out.byte(',');
    comma = true;
    out.field(id, value);
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
    out.field(static_cast<field_id>(i), values_[i]);
  }
  if (!custom_wire_.empty()) {
    open_attribute();
    out.padded(custom_wire_.view());
  }
  if (!first) out.byte('}');
  out.byte('}');
  buffer.commit(out.end());
}

}  // namespace nv::record

// The named fields of a user record (API.md): identity, standard attributes, the attribute
// containers, their input spellings and their wire names.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "nv/record/same_text.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nv::record {

/// A field with a fixed meaning. The standard attributes run from `name` to `hashed_mobile` in
/// the canonical order in which they are written into `user_attributes` on the wire.
enum class field_id : std::uint8_t {
  user_id,
  anonymous_id,
  name,
  first_name,
  last_name,
  email,
  mobile,
  birth_date,
  gender,
  email_opt_in,
  sms_opt_in,
  whatsapp_opt_in,
  company,
  hashed_email,
  hashed_mobile,
  attributes,  // the custom-attribute container: `attributes` or `user_attributes`
};

inline constexpr std::size_t field_count = static_cast<std::size_t>(field_id::attributes) + 1;
inline constexpr std::size_t first_standard = static_cast<std::size_t>(field_id::name);
inline constexpr std::size_t standard_count =
    static_cast<std::size_t>(field_id::hashed_mobile) - first_standard + 1;

namespace detail {

struct spelling {
  std::string_view key;
  field_id id;
};

inline constexpr std::array<spelling, 30> spellings = {{
    {"userID", field_id::user_id},
    {"userId", field_id::user_id},
    {"user_id", field_id::user_id},
    {"anonymousID", field_id::anonymous_id},
    {"anonymousId", field_id::anonymous_id},
    {"anonymous_id", field_id::anonymous_id},
    {"name", field_id::name},
    {"first_name", field_id::first_name},
    {"firstName", field_id::first_name},
    {"last_name", field_id::last_name},
    {"lastName", field_id::last_name},
    {"email", field_id::email},
    {"mobile", field_id::mobile},
    {"phone", field_id::mobile},
    {"birth_date", field_id::birth_date},
    {"birthDate", field_id::birth_date},
    {"gender", field_id::gender},
    {"email_opt_in", field_id::email_opt_in},
    {"emailOptIn", field_id::email_opt_in},
    {"sms_opt_in", field_id::sms_opt_in},
    {"smsOptIn", field_id::sms_opt_in},
    {"whatsapp_opt_in", field_id::whatsapp_opt_in},
    {"whatsappOptIn", field_id::whatsapp_opt_in},
    {"company", field_id::company},
    {"hashed_email", field_id::hashed_email},
    {"hashedEmail", field_id::hashed_email},
    {"hashed_mobile", field_id::hashed_mobile},
    {"hashedMobile", field_id::hashed_mobile},
    {"attributes", field_id::attributes},
    {"user_attributes", field_id::attributes},
}};

// A perfect hash over the spellings: first byte, last two bytes and length, multiplied and
// cut to 6 bits. The multiplier was searched for offline; the table below fails to compile if
// a spelling is added that collides.
inline constexpr std::size_t min_key_size = 4;
inline constexpr std::size_t max_key_size = 15;  // under 16: see find_padded_field()
inline constexpr std::uint32_t hash_multiplier = 236307;
inline constexpr int hash_bits = 6;

constexpr std::uint32_t hash_key(std::string_view key) noexcept {
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(key[i]));
  };
  const std::uint32_t mixed = byte(0) | byte(key.size() - 2) << 8 | byte(key.size() - 1) << 16 |
                              static_cast<std::uint32_t>(key.size()) << 24;
  return (mixed * hash_multiplier) >> (32 - hash_bits);
}

inline constexpr auto slots = [] {
  std::array<std::int8_t, std::size_t{1} << hash_bits> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < spellings.size(); ++i) {
    const auto key = spellings[i].key;
    if (key.size() < min_key_size || key.size() > max_key_size) throw "spelling length";
    auto& slot = table[hash_key(key)];
    if (slot != -1) throw "spellings collide: search a new hash_multiplier";
    slot = static_cast<std::int8_t>(i);
  }
  return table;
}();
}  // namespace detail

/// Returns the field an input key names under any accepted spelling (`userId`, `user_id`,
/// `firstName`, `phone`, …; exact, case-sensitive), or nothing for any other key. Inline: it
/// runs for every key of every record.
inline std::optional<field_id> find_field(std::string_view key) noexcept {
  using namespace detail;
  if (key.size() < min_key_size || key.size() > max_key_size) return std::nullopt;
  const int index = slots[hash_key(key)];
  if (index < 0 || !same_text(spellings[static_cast<std::size_t>(index)].key, key)) {
    return std::nullopt;
  }
  return spellings[static_cast<std::size_t>(index)].id;
}

namespace detail {
// The spellings again, each in 16 zero-padded bytes, for one masked vector comparison.
struct padded_spelling {
  alignas(16) char bytes[16] = {};
};
inline constexpr auto padded_spellings = [] {
  std::array<padded_spelling, spellings.size()> padded{};
  for (std::size_t i = 0; i < spellings.size(); ++i) {
    for (std::size_t k = 0; k < spellings[i].key.size(); ++k) {
      padded[i].bytes[k] = spellings[i].key[k];
    }
  }
  return padded;
}();
}  // namespace detail

/// Returns what find_field() returns, as the field's number or -1 for any other key, without
/// a branch on the key's length: `key.data()` must be followed by 16 readable bytes (a key in
/// the padded input line or the parser's string buffer). The normaliser's hot path.
inline int find_padded_field(std::string_view key) noexcept {
  using namespace detail;
  if (key.size() - min_key_size > max_key_size - min_key_size) return -1;
  const int index = slots[hash_key(key)];
  if (index < 0) return -1;
  const auto i = static_cast<std::size_t>(index);
#if defined(__SSE2__)
  if (spellings[i].key.size() != key.size()) return -1;
  const __m128i given = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key.data()));
  const __m128i known = _mm_load_si128(reinterpret_cast<const __m128i*>(padded_spellings[i].bytes));
  const auto equal = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(given, known)));
  const unsigned wanted = (1u << key.size()) - 1;  // max_key_size < 16
  if ((equal & wanted) != wanted) return -1;
#else
  if (!same_text(spellings[i].key, key)) return -1;
#endif
  return static_cast<int>(spellings[i].id);
}

/// Returns the field's name on the wire (`userID`, `first_name`, …; `user_attributes`).
std::string_view wire_name(field_id id) noexcept;

/// Returns whether the field is userID or anonymousID.
inline bool is_identity(field_id id) noexcept {
  return id == field_id::user_id || id == field_id::anonymous_id;
}

/// Returns whether the field is one of the standard attributes of `user_attributes`.
inline bool is_standard(field_id id) noexcept {
  return !is_identity(id) && id != field_id::attributes;
}

}  // namespace nv::record

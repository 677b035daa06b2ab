// Equality of short strings without a call to memcmp: keys and attribute names are compared
// for every field of every record, and most are under 16 bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace nv::record {

/// Returns whether `a` and `b` hold the same bytes. Reads only inside both views.
inline bool same_text(std::string_view a, std::string_view b) noexcept {
  const std::size_t size = a.size();
  if (size != b.size()) return false;
  if (size > 16) return std::memcmp(a.data(), b.data(), size) == 0;
  auto load8 = [](const char* p) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    return word;
  };
  auto load4 = [](const char* p) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);
    return word;
  };
  if (size >= 8) {
    // Two overlapping words cover 8..16 bytes.
    return ((load8(a.data()) ^ load8(b.data())) |
            (load8(a.data() + size - 8) ^ load8(b.data() + size - 8))) == 0;
  }
  if (size >= 4) {
    return ((load4(a.data()) ^ load4(b.data())) |
            (load4(a.data() + size - 4) ^ load4(b.data() + size - 4))) == 0;
  }
  for (std::size_t i = 0; i < size; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

}  // namespace nv::record

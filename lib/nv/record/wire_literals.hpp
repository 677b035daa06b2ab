// The short texts the rules themselves put on the wire (canonical genders, opt-in flags,
// booleans), kept in one padded block so the wire writer may copy whole blocks from them.
#pragma once

#include <cstddef>
#include <string_view>

#include "nv/record/text_buffer.hpp"

namespace nv::record {

namespace detail {
inline constexpr char wire_literal_text[] = "malefemaleother012truefalse";
inline constexpr std::size_t wire_literal_size = sizeof wire_literal_text - 1;
// The block: the texts, then copy_padding readable bytes past the last of them.
inline constexpr auto wire_literal_block = [] {
  struct block {
    char bytes[wire_literal_size + copy_padding] = {};
  } padded;
  for (std::size_t i = 0; i < wire_literal_size; ++i) padded.bytes[i] = wire_literal_text[i];
  return padded;
}();
constexpr std::string_view wire_literal(std::size_t offset, std::size_t size) noexcept {
  return {wire_literal_block.bytes + offset, size};
}
}  // namespace detail

inline constexpr std::string_view wire_male = detail::wire_literal(0, 4);
inline constexpr std::string_view wire_female = detail::wire_literal(4, 6);
inline constexpr std::string_view wire_other = detail::wire_literal(10, 5);
inline constexpr std::string_view wire_flag_0 = detail::wire_literal(15, 1);
inline constexpr std::string_view wire_flag_1 = detail::wire_literal(16, 1);
inline constexpr std::string_view wire_flag_2 = detail::wire_literal(17, 1);
/// Returns "0", "1" or "2" for `value` 0, 1 or 2.
constexpr std::string_view wire_flag(std::size_t value) noexcept {
  return detail::wire_literal(15 + value, 1);
}
inline constexpr std::string_view wire_true = detail::wire_literal(18, 4);
inline constexpr std::string_view wire_false = detail::wire_literal(22, 5);

}  // namespace nv::record

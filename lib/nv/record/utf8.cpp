// UTF-8 code point counting and validation for the record rules and their messages.
#include "nv/record/utf8.hpp"

namespace nv::record {

std::size_t count_code_points(std::string_view text) noexcept {
  std::size_t continuation = 0;
  for (char c : text) continuation += (static_cast<unsigned char>(c) & 0xC0) == 0x80;
  return text.size() - continuation;
}

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) noexcept {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  const unsigned char lead = bytes[i];
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;  // allowed range of the second byte (narrower after E0, ED, F0, F4)
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong
    if (lead == 0xED) high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + 1 >= size || bytes[i + 1] < low || bytes[i + 1] > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (i + k >= size || (bytes[i + k] & 0xC0) != 0x80) return 0;
  }
  return length;
}

std::size_t first_invalid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

}  // namespace nv::record

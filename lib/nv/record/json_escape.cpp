// JSON string escaping for the wire and for reject messages.
#include "nv/record/json_escape.hpp"

#include <array>
#include <cstdint>
#include <cstring>

#include "nv/record/reject.hpp"
#include "nv/record/utf8.hpp"

namespace nv::record {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char upper_hex_digits[] = "0123456789ABCDEF";

/// 0: copy as is; otherwise the character after the backslash ('u' for \u00XX).
constexpr std::array<char, 256> escape_table = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = 'u';
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}();

void append_escape(std::string& out, unsigned char c) {
  const char kind = escape_table[c];
  out += '\\';
  out += kind;
  if (kind == 'u') {
    out += "00";
    out += hex_digits[c >> 4];
    out += hex_digits[c & 0xF];
  }
}

void append_u_escape(std::string& out, std::uint32_t code_point) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += hex_digits[(code_point >> shift) & 0xF];
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (escape_table[c] == 0) continue;
    out.append(text.data() + run_start, i - run_start);
    append_escape(out, c);
    run_start = i + 1;
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out += '"';
}

char* write_json_string(char* out, std::string_view text) noexcept {
  *out++ = '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const char kind = escape_table[byte];
    if (kind == 0) {
      *out++ = c;
      continue;
    }
    *out++ = '\\';
    *out++ = kind;
    if (kind == 'u') {
      *out++ = '0';
      *out++ = '0';
      *out++ = hex_digits[byte >> 4];
      *out++ = hex_digits[byte & 0xF];
    }
  }
  *out++ = '"';
  return out;
}

std::string quote_for_message(std::string_view text, std::size_t max_chars) {
  // Bytes past the first invalid one are shown as \xNN so the message stays valid UTF-8.
  const std::size_t valid = first_invalid_utf8(text);
  const std::string_view prefix = text.substr(0, valid);
  const std::string short_text = shorten(prefix, max_chars);
  std::string out;
  out.reserve(short_text.size() + 8);
  out += '"';
  for (std::size_t i = 0; i < short_text.size(); ++i) {
    const auto c = static_cast<unsigned char>(short_text[i]);
    if (escape_table[c] != 0) {
      append_escape(out, c);
    } else if (c == 0x7F) {
      append_u_escape(out, c);
    } else if (c == 0xC2 && i + 1 < short_text.size() &&
               static_cast<unsigned char>(short_text[i + 1]) <= 0x9F) {
      append_u_escape(out, static_cast<unsigned char>(short_text[++i]));  // C1 control
    } else if (c == 0xE2 && short_text.compare(i, 2, "\xE2\x80") == 0 &&
               i + 2 < short_text.size() &&
               (short_text[i + 2] == '\xA8' || short_text[i + 2] == '\xA9')) {
      append_u_escape(out, 0x2000 + static_cast<unsigned char>(short_text[i + 2]) - 0x80);
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (valid != std::string_view::npos && short_text == prefix) {
    // The cut did not happen before the bad byte: show a few raw bytes from there.
    for (std::size_t i = valid; i < text.size() && i < valid + 4; ++i) {
      const auto c = static_cast<unsigned char>(text[i]);
      out += "\\x";
      out += upper_hex_digits[c >> 4];
      out += upper_hex_digits[c & 0xF];
    }
    if (text.size() > valid + 4) out += "…";
  }
  out += '"';
  return out;
}

}  // namespace nv::record

// One log event per line, key=value, with journald priority prefixes.
#include "nv/log/logger.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>

namespace nv::log {
namespace {

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

logger::logger(std::FILE* out, level threshold, int priority_prefix)
    : out_(out), threshold_(threshold) {
  // systemd sets JOURNAL_STREAM when stderr is connected to the journal.
  prefix_ = priority_prefix < 0 ? std::getenv("JOURNAL_STREAM") != nullptr : priority_prefix > 0;
}

void logger::write(level lvl, std::string_view event, std::initializer_list<field> fields) {
  if (!enabled(lvl)) return;
  line_.clear();
  if (prefix_) fmt::format_to(std::back_inserter(line_), "<{}>", static_cast<int>(lvl));
  static constexpr std::array<std::string_view, 8> names = {"emerg",   "alert",  "crit", "error",
                                                            "warning", "notice", "info", "debug"};
  line_ += "level=";
  line_ += names[static_cast<std::size_t>(lvl)];
  line_ += " event=";
  append_value(line_, event);
  for (const auto& f : fields) {
    line_ += ' ';
    line_ += f.key;
    line_ += '=';
    append_value(line_, f.value);
  }
  line_ += '\n';
  std::fwrite(line_.data(), 1, line_.size(), out_);
  std::fflush(out_);
}

void append_value(std::string& out, std::string_view value) {
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          fmt::format_to(std::back_inserter(out), "\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

bool parse_level(std::string_view name, level& out) {
  static constexpr std::array<std::pair<std::string_view, level>, 5> table = {{
      {"error", level::error},
      {"warning", level::warning},
      {"notice", level::notice},
      {"info", level::info},
      {"debug", level::debug},
  }};
  for (const auto& [n, l] : table) {
    if (n == name) {
      out = l;
      return true;
    }
  }
  return false;
}

}  // namespace nv::log

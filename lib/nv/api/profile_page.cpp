// Turns one page of the profile endpoint into NDJSON.
#include "nv/api/profile_page.hpp"

#include <simdjson.h>

namespace nv::api {

std::optional<std::size_t> append_profile_lines(std::string_view data_json, std::string& out) {
  if (data_json.empty()) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::array page;
  if (parser.parse(data_json.data(), data_json.size()).get_array().get(page)) return std::nullopt;
  const auto start = out.size();
  std::size_t lines = 0;
  for (simdjson::dom::element user : page) {
    if (!user.is_object()) {
      out.resize(start);
      return std::nullopt;
    }
    out += simdjson::minify(user);
    out += '\n';
    ++lines;
  }
  return lines;
}

}  // namespace nv::api

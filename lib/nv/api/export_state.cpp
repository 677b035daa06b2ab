// An export's resume point: JSON text, atomic save, load.
#include "nv/api/export_state.hpp"

#include "nv/api/wire.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <simdjson.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nv::api {
namespace {

std::error_code last_error() {
  return {errno, std::generic_category()};
}

std::error_code write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    auto n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return last_error();
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

std::error_code sync_directory(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  std::error_code e;
  if (::fsync(fd) != 0) e = last_error();
  ::close(fd);
  return e;
}

}  // namespace

bool export_state::same_query(const export_state& other) const noexcept {
  return event_name == other.event_name && start_date == other.start_date &&
         end_date == other.end_date && batch_size == other.batch_size;
}

std::string export_state_path(std::string_view output) {
  return fmt::format("{}.export-state", output);
}

std::string to_json(const export_state& state) {
  std::string out = "{\"event_name\":";
  wire::append_json_string(out, state.event_name);
  out += ",\"start_date\":";
  wire::append_json_string(out, state.start_date);
  out += ",\"end_date\":";
  wire::append_json_string(out, state.end_date);
  out += fmt::format(
      ",\"batch_size\":{},\"next_offset\":{},\"output_bytes\":{},\"pages\":{},\"profiles\":{},"
      "\"done\":{}}}\n",
      state.batch_size, state.next_offset, state.output_bytes, state.pages, state.profiles,
      state.done);
  return out;
}

std::optional<export_state> parse_export_state(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(text.data(), text.size()).get_object().get(o)) return std::nullopt;
  export_state s;
  std::string_view name, start, end;
  bool failed = o["event_name"].get(name) || o["start_date"].get(start) || o["end_date"].get(end) ||
                o["batch_size"].get(s.batch_size) || o["next_offset"].get(s.next_offset) ||
                o["output_bytes"].get(s.output_bytes) || o["pages"].get(s.pages) ||
                o["profiles"].get(s.profiles) || o["done"].get(s.done);
  if (failed) return std::nullopt;
  s.event_name = name;
  s.start_date = start;
  s.end_date = end;
  return s;
}

std::error_code save_export_state(const std::string& path, const export_state& state) {
  auto temp = path + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return last_error();
  auto e = write_all(fd, to_json(state));
  if (!e && ::fsync(fd) != 0) e = last_error();
  if (::close(fd) != 0 && !e) e = last_error();
  if (!e && ::rename(temp.c_str(), path.c_str()) != 0) e = last_error();
  if (!e) e = sync_directory(path);
  return e;
}

std::optional<export_state> load_export_state(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("cannot read export state \"{}\"", path);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto state = parse_export_state(text.str());
  if (!state) error = fmt::format("export state \"{}\" is not readable JSON", path);
  return state;
}

}  // namespace nv::api

// The checkpoint store: JSON documents through Boost.JSON, replaced by temp file, fsync, rename.
#include "nv/checkpoint/checkpoint_store.hpp"

#include "nv/checkpoint/durable_file.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <fcntl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace nv::checkpoint {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

// A checkpoint is a few hundred bytes; anything far larger is not one and is not read whole.
constexpr std::size_t max_document_bytes = 64 * 1024;
constexpr std::string_view temp_suffix = ".tmp";

std::error_code last_error() {
  return {errno, std::generic_category()};
}

std::string utc_now() {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::time(nullptr)));
}

// Creates `dir` with its parents; when that made it, syncs the parent so the entry survives.
void create_directory_durably(const std::string& dir) {
  std::error_code error;
  const bool created = fs::create_directories(dir, error);
  if (error || !fs::is_directory(dir, error)) {
    throw std::runtime_error(fmt::format("cannot create checkpoint directory \"{}\": {}", dir,
                                         error ? error.message() : "not a directory"));
  }
  if (created) error = sync_directory(fs::path(dir).parent_path().string());
  if (error) {
    throw std::runtime_error(fmt::format(
        "cannot sync the parent of checkpoint directory \"{}\": {}", dir, error.message()));
  }
}

// Removes the temporary files of saves a crash interrupted; their renames never happened, so
// the documents beside them are the last complete checkpoints.
void remove_leftover_temps(const std::string& dir) {
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const auto name = it->path().filename().string();
    if (name.ends_with(temp_suffix) && !fs::remove(it->path(), error)) break;
  }
  if (error) {
    throw std::runtime_error(
        fmt::format("cannot remove leftover temporary files in checkpoint directory \"{}\": {}",
                    dir, error.message()));
  }
}

// Reads a whole document; nothing when it does not exist.
boost::system::result<std::optional<std::string>, checkpoint_error> read_document(
    const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return std::optional<std::string>{};
  if (fd < 0) {
    return checkpoint_error{fmt::format("checkpoint \"{}\": cannot open: {}", path,
                                        std::generic_category().message(errno))};
  }
  std::string text;
  char chunk[4096];
  ssize_t n = 0;
  int read_errno = 0;
  for (;;) {
    n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0 || text.size() + static_cast<std::size_t>(n) > max_document_bytes) break;
    text.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (read_errno != 0) {
    return checkpoint_error{fmt::format("checkpoint \"{}\": cannot read: {}", path,
                                        std::generic_category().message(read_errno))};
  }
  if (n > 0) {
    return checkpoint_error{fmt::format("checkpoint \"{}\": larger than {} bytes, not a checkpoint",
                                        path, max_document_bytes)};
  }
  return std::optional<std::string>(std::move(text));
}

// Field readers: each returns false and sets `why` when the field is missing or mistyped.
bool get_unsigned(const json::object& o, std::string_view name, std::uint64_t& out,
                  std::string& why) {
  const auto* v = o.if_contains(name);
  if (v && v->is_uint64()) {
    out = v->get_uint64();
    return true;
  }
  if (v && v->is_int64() && v->get_int64() >= 0) {
    out = static_cast<std::uint64_t>(v->get_int64());
    return true;
  }
  why = fmt::format("\"{}\" is {}", name, v ? "not a non-negative integer" : "missing");
  return false;
}

bool get_string(const json::object& o, std::string_view name, std::string& out, std::string& why) {
  const auto* v = o.if_contains(name);
  if (v && v->is_string()) {
    out.assign(v->get_string().data(), v->get_string().size());
    return true;
  }
  why = fmt::format("\"{}\" is {}", name, v ? "not a string" : "missing");
  return false;
}

// Checks what a well-formed document must satisfy beyond its field types.
std::string contradiction(const checkpoint_record& r, std::uint64_t schema) {
  if (schema != checkpoint_store::schema_version) {
    return fmt::format("schema version {} is not {}", schema, checkpoint_store::schema_version);
  }
  if (r.at.line == 0) return "\"line\" is 0 (lines count from 1)";
  if (r.identity.fingerprint_bytes > fingerprint_limit) {
    return fmt::format("\"fingerprint_bytes\" is more than {}", fingerprint_limit);
  }
  const auto& hex = r.identity.fingerprint;
  if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return "\"fingerprint\" is not 64 lower-case hex digits";
  }
  return {};
}

}  // namespace

std::string to_json(const checkpoint_record& record) {
  const json::object document{
      {"schema", checkpoint_store::schema_version},
      {"device", record.identity.device},
      {"inode", record.identity.inode},
      {"fingerprint_bytes", record.identity.fingerprint_bytes},
      {"fingerprint", record.identity.fingerprint},
      {"offset", record.at.offset},
      {"line", record.at.line},
      {"source_path", record.source_path},
      {"updated_at", record.updated_at},
  };
  return json::serialize(document) + "\n";
}

boost::system::result<checkpoint_record, checkpoint_error> parse_checkpoint(
    std::string_view text, std::string_view origin) {
  std::error_code parse_error;
  // Paths are bytes, not necessarily UTF-8; source_path must read back as it was written.
  json::parse_options options;
  options.allow_invalid_utf8 = true;
  const auto value = json::parse(text, parse_error, {}, options);
  if (parse_error) {
    return checkpoint_error{fmt::format("{}: not valid JSON ({})", origin, parse_error.message())};
  }
  if (!value.is_object()) return checkpoint_error{fmt::format("{}: not a JSON object", origin)};
  const auto& o = value.get_object();
  checkpoint_record r;
  std::uint64_t schema = 0;
  std::string why;
  const bool complete =
      get_unsigned(o, "schema", schema, why) && get_unsigned(o, "device", r.identity.device, why) &&
      get_unsigned(o, "inode", r.identity.inode, why) &&
      get_unsigned(o, "fingerprint_bytes", r.identity.fingerprint_bytes, why) &&
      get_string(o, "fingerprint", r.identity.fingerprint, why) &&
      get_unsigned(o, "offset", r.at.offset, why) && get_unsigned(o, "line", r.at.line, why) &&
      get_string(o, "source_path", r.source_path, why) &&
      get_string(o, "updated_at", r.updated_at, why);
  if (complete) why = contradiction(r, schema);
  if (!why.empty()) return checkpoint_error{fmt::format("{}: {}", origin, why)};
  return r;
}

checkpoint_store::checkpoint_store(std::string state_dir)
    : dir_((fs::path(std::move(state_dir)) / "checkpoints").string()) {
  create_directory_durably(dir_);
  remove_leftover_temps(dir_);
}

std::string checkpoint_store::path_of(const file_identity& identity) const {
  return fmt::format("{}/{}.json", dir_, identity.key());
}

std::error_code checkpoint_store::save(const file_identity& identity, position at,
                                       std::string_view source_path) {
  const auto path = path_of(identity);
  const checkpoint_record record{identity, at, std::string(source_path), utc_now()};
  return replace_file_durably(path, to_json(record));
}

boost::system::result<std::optional<checkpoint_record>, checkpoint_error> checkpoint_store::read(
    const file_identity& identity) const {
  const auto path = path_of(identity);
  auto text = read_document(path);
  if (text.has_error()) return text.error();
  if (!text->has_value()) return std::optional<checkpoint_record>{};
  auto record = parse_checkpoint(**text, fmt::format("checkpoint \"{}\"", path));
  if (record.has_error()) return record.error();
  if (record->identity.key() != identity.key()) {
    return checkpoint_error{fmt::format("checkpoint \"{}\": holds device {} inode {}, not {}", path,
                                        record->identity.device, record->identity.inode,
                                        identity.key())};
  }
  return std::optional<checkpoint_record>(std::move(*record));
}

boost::system::result<std::optional<position>, checkpoint_error> checkpoint_store::load(
    const file_identity& identity) const {
  auto record = read(identity);
  if (record.has_error()) return record.error();
  // Same device and inode but other leading bytes: an earlier file's checkpoint, not this one's.
  if (!record->has_value() || (*record)->identity != identity) return std::optional<position>{};
  return std::optional<position>((*record)->at);
}

std::error_code checkpoint_store::erase(const file_identity& identity) {
  const auto path = path_of(identity);
  if (::unlink(path.c_str()) != 0) return errno == ENOENT ? std::error_code{} : last_error();
  return sync_directory(dir_);
}

}  // namespace nv::checkpoint

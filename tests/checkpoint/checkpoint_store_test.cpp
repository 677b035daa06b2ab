// Tests for the checkpoint store: round trips, atomic replacement, stale inodes, corrupt files.
#include "nv/checkpoint/checkpoint_store.hpp"

#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace nv::checkpoint;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  return names;
}

// An identity that needs no file: device 8, inode 42, the fingerprint of `head`.
file_identity made_up_identity(const std::string& head = "{\"userID\":\"1\"}\n") {
  return {.device = 8,
          .inode = 42,
          .fingerprint_bytes = head.size(),
          .fingerprint = sha256_hex(head.data(), head.size())};
}

// A store over a fresh state directory, and where its documents go.
struct fresh_store {
  explicit fresh_store(const std::string& name)
      : state_dir(nv::test::make_temp_dir(name).string()), store(state_dir) {}
  std::string state_dir;
  checkpoint_store store;
};

}  // namespace

TEST_CASE("checkpoint_store: a saved position loads back exactly") {
  fresh_store f("store-round-trip");
  const auto id = made_up_identity();
  CHECK(f.store.directory() == f.state_dir + "/checkpoints");
  CHECK(f.store.path_of(id) == f.state_dir + "/checkpoints/8-42.json");
  CHECK(f.store.load(id).value() == std::nullopt);

  REQUIRE(!f.store.save(id, {.offset = 123'456'789'012, .line = 1001}, "/in/processing/a.ndjson"));
  CHECK(f.store.load(id).value() == position{123'456'789'012, 1001});

  REQUIRE(!f.store.save(id, {.offset = 200'000'000'000, .line = 2001}, "/in/processing/b.ndjson"));
  CHECK(f.store.load(id).value() == position{200'000'000'000, 2001});
  const auto record = f.store.read(id).value();
  REQUIRE(record.has_value());
  CHECK(record->identity == id);
  CHECK(record->source_path == "/in/processing/b.ndjson");
  CHECK(record->updated_at.size() == 20);  // 2024-05-01T12:00:00Z
  CHECK(record->updated_at.ends_with("Z"));
}

TEST_CASE("checkpoint_store: the document is one JSON object with every field") {
  fresh_store f("store-document");
  const auto id = made_up_identity();
  REQUIRE(!f.store.save(id, {.offset = 77, .line = 5}, "in.ndjson"));
  const auto text = read_file(f.store.path_of(id));
  CHECK(text.ends_with("}\n"));
  const auto doc = boost::json::parse(text).as_object();
  CHECK(doc.size() == 9);
  CHECK(doc.at("schema").as_int64() == 1);
  CHECK(doc.at("device").to_number<std::uint64_t>() == 8);
  CHECK(doc.at("inode").to_number<std::uint64_t>() == 42);
  CHECK(doc.at("fingerprint_bytes").to_number<std::uint64_t>() == id.fingerprint_bytes);
  CHECK(doc.at("fingerprint").as_string() == id.fingerprint);
  CHECK(doc.at("offset").to_number<std::uint64_t>() == 77);
  CHECK(doc.at("line").to_number<std::uint64_t>() == 5);
  CHECK(doc.at("source_path").as_string() == "in.ndjson");
  CHECK(doc.at("updated_at").is_string());
}

TEST_CASE("checkpoint_store: the largest offsets and a path that is not UTF-8 survive") {
  fresh_store f("store-extremes");
  const auto id = file_identity{.device = UINT64_MAX,
                                .inode = UINT64_MAX - 1,
                                .fingerprint_bytes = 0,
                                .fingerprint = sha256_hex("", 0)};
  const std::string path = "/in/\xff\xfe\"quoted\"\n.ndjson";
  REQUIRE(!f.store.save(id, {.offset = UINT64_MAX, .line = UINT64_MAX}, path));
  CHECK(f.store.load(id).value() == position{UINT64_MAX, UINT64_MAX});
  CHECK(f.store.read(id).value()->source_path == path);
}

TEST_CASE("checkpoint_store: a save leaves only the document behind") {
  fresh_store f("store-no-temps");
  const auto id = made_up_identity();
  for (std::uint64_t line = 1; line <= 3; ++line) {
    REQUIRE(!f.store.save(id, {.offset = line * 10, .line = line}, "in.ndjson"));
  }
  CHECK(names_in(f.store.directory()) == std::set<std::string>{"8-42.json"});
}

TEST_CASE("checkpoint_store: opening removes temporary files a crash left and keeps documents") {
  const auto state_dir = nv::test::make_temp_dir("store-leftovers").string();
  const auto id = made_up_identity();
  {
    checkpoint_store store(state_dir);
    REQUIRE(!store.save(id, {.offset = 40, .line = 3}, "in.ndjson"));
  }
  // A crash between write and rename: a half-written newer version beside the document.
  write_file(state_dir + "/checkpoints/8-42.json.tmp", "{\"schema\":1,\"dev");
  write_file(state_dir + "/checkpoints/9-1.json.tmp", "");
  checkpoint_store reopened(state_dir);
  CHECK(names_in(reopened.directory()) == std::set<std::string>{"8-42.json"});
  CHECK(reopened.load(id).value() == position{40, 3});
}

TEST_CASE("checkpoint_store: opening creates missing parents and refuses a file as directory") {
  const auto base = nv::test::make_temp_dir("store-open");
  checkpoint_store nested((base / "a" / "b").string());
  CHECK(fs::is_directory(base / "a" / "b" / "checkpoints"));

  write_file((base / "plain").string(), "not a directory");
  const auto blocked = (base / "plain").string();
  CHECK_THROWS_WITH_AS(
      checkpoint_store{blocked},
      doctest::Contains(
          ("cannot create checkpoint directory \"" + blocked + "/checkpoints\": ").c_str()),
      std::runtime_error);
}

TEST_CASE("checkpoint_store: a renamed file resumes from its checkpoint") {
  fresh_store f("store-rename");
  const auto dir = nv::test::make_temp_dir("store-rename-files");
  const auto incoming = (dir / "incoming.ndjson").string();
  const auto processing = (dir / "processing.ndjson").string();
  write_file(incoming, "{\"userID\":\"1\"}\n{\"userID\":\"2\"}\n");
  REQUIRE(!f.store.save(identify(incoming).value(), {.offset = 15, .line = 2}, incoming));
  fs::rename(incoming, processing);
  CHECK(f.store.load(identify(processing).value()).value() == position{15, 2});
}

TEST_CASE("checkpoint_store: another file on the same inode does not resume") {
  fresh_store f("store-stale");
  const auto path = (nv::test::make_temp_dir("store-stale-files") / "in.ndjson").string();
  write_file(path, "{\"userID\":\"1\"}\n{\"userID\":\"2\"}\n");
  const auto first = identify(path).value();
  REQUIRE(!f.store.save(first, {.offset = 15, .line = 2}, path));

  write_file(path, "{\"userID\":\"9\"}\n{\"userID\":\"8\"}\n");  // truncate + write: same inode
  const auto second = identify(path).value();
  REQUIRE(second.key() == first.key());
  CHECK(f.store.load(second).value() == std::nullopt);
  // The stale document is still there to be seen, and the next save replaces it.
  CHECK(f.store.read(second).value()->identity == first);
  REQUIRE(!f.store.save(second, {.offset = 30, .line = 3}, path));
  CHECK(f.store.load(second).value() == position{30, 3});
  CHECK(f.store.load(first).value() == std::nullopt);
}

TEST_CASE("checkpoint_store: erase removes the checkpoint and tolerates a missing one") {
  fresh_store f("store-erase");
  const auto id = made_up_identity();
  REQUIRE(!f.store.save(id, {.offset = 10, .line = 2}, "in.ndjson"));
  CHECK(!f.store.erase(id));
  CHECK(f.store.load(id).value() == std::nullopt);
  CHECK(names_in(f.store.directory()).empty());
  CHECK(!f.store.erase(id));
}

TEST_CASE("checkpoint_store: a save that cannot write returns the errno") {
  fresh_store f("store-save-error");
  fs::remove_all(f.store.directory());
  const auto error = f.store.save(made_up_identity(), {.offset = 1, .line = 2}, "in.ndjson");
  CHECK(error == std::errc::no_such_file_or_directory);
}

TEST_CASE("checkpoint_store: a corrupt document is an error naming the file and the reason") {
  fresh_store f("store-corrupt");
  const auto id = made_up_identity();
  REQUIRE(!f.store.save(id, {.offset = 10, .line = 2}, "in.ndjson"));
  const auto path = f.store.path_of(id);
  const auto good = read_file(path);
  const auto prefix = "checkpoint \"" + path + "\": ";
  auto replace = [&](std::string_view from, std::string_view to) {
    auto text = good;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
  };

  struct corrupt_case {
    std::string text;
    std::string reason;
  };
  const corrupt_case cases[] = {
      {"", "not valid JSON (incomplete JSON)"},
      {good.substr(0, good.size() / 2), "not valid JSON (incomplete JSON)"},
      {"\x01garbage", "not valid JSON (syntax error)"},
      {"[1,2]", "not a JSON object"},
      {replace("\"line\":2", "\"lines\":2"), "\"line\" is missing"},
      {replace("\"offset\":10", "\"offset\":-10"), "\"offset\" is not a non-negative integer"},
      {replace("\"offset\":10", "\"offset\":\"10\""), "\"offset\" is not a non-negative integer"},
      {replace("\"source_path\":\"in.ndjson\"", "\"source_path\":7"),
       "\"source_path\" is not a string"},
      {replace("\"schema\":1", "\"schema\":2"), "schema version 2 is not 1"},
      {replace("\"line\":2", "\"line\":0"), "\"line\" is 0 (lines count from 1)"},
      {replace("\"fingerprint\":\"", "\"fingerprint\":\"X"),
       "\"fingerprint\" is not 64 lower-case hex digits"},
      {replace("\"inode\":42", "\"inode\":43"), "holds device 8 inode 43, not 8-42"},
      {std::string(70'000, ' '), "larger than 65536 bytes, not a checkpoint"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.reason);
    write_file(path, c.text);
    const auto loaded = f.store.load(id);
    REQUIRE(loaded.has_error());
    CHECK(loaded.error().message == prefix + c.reason);
  }
}

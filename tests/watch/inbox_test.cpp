// Tests of the inbox's folders: which names are inputs, listing order, claiming, ending.
#include "nv/watch/inbox.hpp"

#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using nv::watch::file_end;
using nv::watch::inbox;

namespace {

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

std::vector<std::string> names(const std::vector<nv::watch::inbox_file>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.name);
  return out;
}

}  // namespace

TEST_CASE("input names exclude dotfiles and the temporary files of writers") {
  using nv::watch::is_input_name;
  CHECK(is_input_name("users.ndjson"));
  CHECK(is_input_name("users.ndjson.gz"));
  CHECK(is_input_name("a"));
  CHECK(is_input_name("tmp"));
  CHECK(is_input_name("x.tmp.ndjson"));
  CHECK_FALSE(is_input_name(""));
  CHECK_FALSE(is_input_name(".users.ndjson"));
  CHECK_FALSE(is_input_name("users.ndjson.tmp"));
  CHECK_FALSE(is_input_name("users.ndjson.part"));
}

TEST_CASE("an inbox makes its folders and lists inputs oldest first, then by name") {
  auto root = nv::test::make_temp_dir("watch-inbox") / "in";
  inbox box(root);
  CHECK(fs::is_directory(root / "processing"));
  CHECK(fs::is_directory(root / "done"));
  CHECK(fs::is_directory(root / "failed"));
  auto now = fs::file_time_type::clock::now();
  for (auto [name, age] : {std::pair{"b", 10}, {"a", 10}, {"new", 1}, {"old", 100}}) {
    write(root / name, "{}\n");
    fs::last_write_time(root / name, now - std::chrono::seconds(age));
  }
  write(root / ".hidden", "x");
  write(root / "c.tmp", "x");
  write(root / "d.part", "x");
  fs::create_directory(root / "folder");
  std::error_code error;
  auto files = box.scan(error);
  CHECK_FALSE(error);
  CHECK(names(files) == std::vector<std::string>{"old", "a", "b", "new"});
  CHECK(files[0].size == 3);
  CHECK(files[0].path == root / "old");
}

TEST_CASE("claiming renames into processing, never over a file already there") {
  auto root = nv::test::make_temp_dir("watch-claim");
  inbox box(root);
  write(root / "users", "first");
  std::error_code error;
  auto first = box.claim(box.scan(error).at(0));
  REQUIRE(first);
  CHECK(*first == root / "processing" / "users");
  CHECK_FALSE(fs::exists(root / "users"));
  write(root / "users", "second");
  auto second = box.claim(box.scan(error).at(0));
  REQUIRE(second);
  CHECK(*second == root / "processing" / "users.2");
  std::ifstream in(root / "processing" / "users");
  std::string text;
  std::getline(in, text);
  CHECK(text == "first");
  CHECK(box.left_in_processing(error).size() == 2);
}

TEST_CASE("a file taken by someone else meanwhile fails the claim with ENOENT") {
  auto root = nv::test::make_temp_dir("watch-vanished");
  inbox box(root);
  write(root / "users", "x");
  std::error_code error;
  auto file = box.scan(error).at(0);
  fs::remove(root / "users");
  auto claimed = box.claim(file);
  REQUIRE_FALSE(claimed);
  CHECK(claimed.error() == std::errc::no_such_file_or_directory);
}

TEST_CASE("finishing moves the file and its rejects, and drops an empty rejects file") {
  auto root = nv::test::make_temp_dir("watch-finish");
  inbox box(root);
  write(root / "processing" / "a", "x");
  write(inbox::rejects_path(root / "processing" / "a"), "{\"line\":1}\n");
  CHECK(inbox::rejects_path(root / "processing" / "a") ==
        root / "processing" / ".a.rejects.ndjson");
  auto ended = box.finish(root / "processing" / "a", file_end::done);
  REQUIRE(ended.has_value());
  CHECK(ended->file == root / "done" / "a");
  CHECK(ended->report == root / "done" / "a.report.json");
  CHECK(ended->rejects == root / "done" / "a.rejects.ndjson");
  CHECK(fs::exists(ended->rejects));
  CHECK_FALSE(fs::exists(root / "processing" / ".a.rejects.ndjson"));

  // The same name again: a suffix keeps the first one, and an empty rejects file is removed.
  write(root / "processing" / "a", "y");
  write(inbox::rejects_path(root / "processing" / "a"), "");
  auto again = box.finish(root / "processing" / "a", file_end::failed);
  REQUIRE(again.has_value());
  CHECK(again->file == root / "failed" / "a");
  write(root / "processing" / "a", "z");
  auto third = box.finish(root / "processing" / "a", file_end::failed);
  REQUIRE(third.has_value());
  CHECK(third->file == root / "failed" / "a.2");
  CHECK(third->report == root / "failed" / "a.2.report.json");
  CHECK_FALSE(fs::exists(root / "processing" / ".a.rejects.ndjson"));
  CHECK_FALSE(fs::exists(root / "failed" / "a.rejects.ndjson"));
  std::error_code error;
  CHECK(box.left_in_processing(error).empty());
}

// Tests for file identity: exact fingerprints, renames, rewrites in place, short and empty files.
#include "nv/checkpoint/file_identity.hpp"

#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using nv::checkpoint::file_identity;
using nv::checkpoint::fingerprint_limit;
using nv::checkpoint::identify;
using nv::checkpoint::sha256_hex;

namespace {

const std::string sha256_of_empty =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const std::string sha256_of_abc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

// Replaces the content of `path` in place (O_TRUNC keeps the inode).
void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

file_identity identify_ok(const std::string& path) {
  auto identity = identify(path);
  REQUIRE_MESSAGE(identity.has_value(), identity.error().message);
  return *identity;
}

}  // namespace

TEST_CASE("file_identity: sha256_hex matches the FIPS 180-2 test vectors") {
  CHECK(sha256_hex("", 0) == sha256_of_empty);
  CHECK(sha256_hex("abc", 3) == sha256_of_abc);
}

TEST_CASE("file_identity: holds device, inode and a fingerprint of a short file's whole content") {
  const auto path = (nv::test::make_temp_dir("identity-short") / "in.ndjson").string();
  write_file(path, "abc");
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);

  const auto identity = identify_ok(path);
  CHECK(identity.device == static_cast<std::uint64_t>(info.st_dev));
  CHECK(identity.inode == static_cast<std::uint64_t>(info.st_ino));
  CHECK(identity.fingerprint_bytes == 3);
  CHECK(identity.fingerprint == sha256_of_abc);
  CHECK(identity.key() == std::to_string(info.st_dev) + "-" + std::to_string(info.st_ino));
}

TEST_CASE("file_identity: an empty file has the fingerprint of no bytes") {
  const auto path = (nv::test::make_temp_dir("identity-empty") / "empty.ndjson").string();
  write_file(path, "");
  const auto identity = identify_ok(path);
  CHECK(identity.fingerprint_bytes == 0);
  CHECK(identity.fingerprint == sha256_of_empty);
}

TEST_CASE("file_identity: only the first 4096 bytes count") {
  const auto path = (nv::test::make_temp_dir("identity-long") / "long.ndjson").string();
  std::string content(10'000, 'x');
  write_file(path, content);
  const auto before = identify_ok(path);
  CHECK(before.fingerprint_bytes == fingerprint_limit);
  CHECK(before.fingerprint == sha256_hex(content.data(), fingerprint_limit));

  content[fingerprint_limit] = 'y';  // the first byte past the prefix
  write_file(path, content);
  CHECK(identify_ok(path) == before);

  content[fingerprint_limit - 1] = 'y';  // the last byte of the prefix
  write_file(path, content);
  const auto after = identify_ok(path);
  CHECK(after.inode == before.inode);
  CHECK(after.fingerprint != before.fingerprint);
}

TEST_CASE("file_identity: a rename keeps the identity and its key") {
  const auto dir = nv::test::make_temp_dir("identity-rename");
  const auto from = (dir / "incoming.ndjson").string();
  const auto to = (dir / "processing.ndjson").string();
  write_file(from, "{\"userID\":\"1\"}\n");
  const auto before = identify_ok(from);
  std::filesystem::rename(from, to);
  const auto after = identify_ok(to);
  CHECK(after == before);
  CHECK(after.key() == before.key());
}

TEST_CASE("file_identity: a rewrite in place keeps the inode but not the fingerprint") {
  const auto path = (nv::test::make_temp_dir("identity-rewrite") / "in.ndjson").string();
  write_file(path, "{\"userID\":\"1\"}\n");
  const auto before = identify_ok(path);
  write_file(path, "{\"userID\":\"2\"}\n");
  const auto after = identify_ok(path);
  CHECK(after.inode == before.inode);
  CHECK(after.key() == before.key());
  CHECK(after.fingerprint_bytes == before.fingerprint_bytes);
  CHECK(after.fingerprint != before.fingerprint);
}

TEST_CASE(
    "file_identity: a longer rewrite with the same first bytes differs in fingerprint_bytes") {
  const auto path = (nv::test::make_temp_dir("identity-grow") / "in.ndjson").string();
  write_file(path, "a\n");
  const auto before = identify_ok(path);
  write_file(path, "a\nb\n");
  const auto after = identify_ok(path);
  CHECK(after.fingerprint_bytes == 4);
  CHECK(after != before);
}

TEST_CASE("file_identity: identify(fd) agrees with identify(path) and leaves the offset alone") {
  const auto path = (nv::test::make_temp_dir("identity-fd") / "in.ndjson").string();
  write_file(path, "abc\ndef\n");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::lseek(fd, 5, SEEK_SET) == 5);
  const auto by_fd = identify(fd);
  CHECK(::lseek(fd, 0, SEEK_CUR) == 5);
  ::close(fd);
  REQUIRE(by_fd.has_value());
  CHECK(*by_fd == identify_ok(path));
}

TEST_CASE("file_identity: errors name the file and the reason") {
  const auto dir = nv::test::make_temp_dir("identity-errors");
  const auto missing = (dir / "missing.ndjson").string();
  auto result = identify(missing);
  REQUIRE(result.has_error());
  CHECK(result.error().message ==
        "cannot identify \"" + missing + "\": open: No such file or directory");

  result = identify(dir.string());
  REQUIRE(result.has_error());
  CHECK(result.error().message == "cannot identify \"" + dir.string() + "\": not a regular file");

  result = identify(-1);
  REQUIRE(result.has_error());
  CHECK(result.error().message == "cannot identify file descriptor -1: fstat: Bad file descriptor");

  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  result = identify(pipe_ends[0]);
  ::close(pipe_ends[0]);
  ::close(pipe_ends[1]);
  REQUIRE(result.has_error());
  CHECK(result.error().message ==
        "cannot identify file descriptor " + std::to_string(pipe_ends[0]) + ": not a regular file");
}

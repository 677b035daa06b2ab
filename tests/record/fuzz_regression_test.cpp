// Replays tests/record/fuzz_regression/: inputs the fuzzer found (and seeds), each run through
// a fresh normaliser line by line as the libFuzzer target does, with the same checks.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "record/record_fuzz_check.hpp"

TEST_CASE("fuzz regression corpus replays cleanly") {
  const std::filesystem::path dir =
      std::filesystem::path(NV_SOURCE_DIR) / "tests" / "record" / "fuzz_regression";
  REQUIRE(std::filesystem::is_directory(dir));
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().filename() == "README.md") continue;
    std::ifstream file(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    INFO(entry.path().filename().string());
    CHECK(nv::record::testing::check_input(bytes.str()) == "");
    ++files;
  }
  CHECK(files > 0);
}

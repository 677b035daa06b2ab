// Runs every line of the JSONTestSuite parsing cases (../shared/jsontestsuite) through the
// normaliser: none may crash or be accepted; must-reject (n_) cases are rejected as
// malformed_json, invalid_utf8 or not_an_object, and valid JSON (y_) never as malformed.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "nv/record/record_normaliser.hpp"
#include "record/record_test_support.hpp"

using namespace nv::record;

namespace {

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  REQUIRE_MESSAGE(file.good(), "cannot read " << path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(file, line)) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("JSONTestSuite lines: all rejected, for the right reason, nothing crashes") {
  const std::string dir = std::string(NV_SHARED_DIR) + "/jsontestsuite/";
  const auto lines = read_lines(dir + "lines.ndjson");
  const auto manifest = read_lines(dir + "manifest.tsv");
  REQUIRE(manifest.size() == lines.size() + 1);  // a header row
  record_normaliser normaliser;
  std::string wire;
  std::size_t must_reject = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::istringstream row(manifest[i + 1]);
    std::string number, file, kind, expected;
    std::getline(row, number, '\t');
    std::getline(row, file, '\t');
    std::getline(row, kind, '\t');
    std::getline(row, expected, '\t');
    INFO(file << ": " << lines[i]);
    REQUIRE(std::stoul(number) == i + 1);
    const auto reason = testing::normalise_padded(normaliser, lines[i], wire);
    REQUIRE_MESSAGE(reason.has_value(), "accepted: " << wire);
    INFO(code_name(reason->code) << ": " << reason->message);
    if (kind == "n") {
      ++must_reject;
      CHECK((reason->code == reject_code::malformed_json ||
             reason->code == reject_code::invalid_utf8 ||
             reason->code == reject_code::not_an_object));
    } else if (kind == "y") {
      CHECK(reason->code != reject_code::malformed_json);
      CHECK(reason->code != reject_code::invalid_utf8);
    }
  }
  CHECK(must_reject > 150);
}

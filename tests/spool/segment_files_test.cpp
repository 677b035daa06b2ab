// Tests for segment file names and the cut of a partial last line.
#include "nv/spool/segment_files.hpp"

#include "spool/spool_test_io.hpp"
#include "support/nvsim_process.hpp"

#include <doctest/doctest.h>

#include <string>
#include <system_error>

using namespace nv::spool;

TEST_CASE("segment_files: names carry a 20-digit sequence and parse back") {
  CHECK(segment_file_name({7, true}) == "segment-00000000000000000007.ndjson");
  CHECK(segment_file_name({18446744073709551615u, false}) == "segment-18446744073709551615.open");
  CHECK(parse_segment_name("segment-00000000000000000007.ndjson") == segment_name{7, true});
  CHECK(parse_segment_name("segment-00000000000000000042.open") == segment_name{42, false});
  CHECK_FALSE(parse_segment_name("segment-7.ndjson"));
  CHECK_FALSE(parse_segment_name("segment-0000000000000000000x.open"));
  CHECK_FALSE(parse_segment_name("segment-00000000000000000007.ndjson.tmp"));
  CHECK_FALSE(parse_segment_name("other-00000000000000000007.ndjson"));
}

TEST_CASE("segment_files: the cut keeps everything up to the last newline") {
  const auto dir = nv::test::make_temp_dir("segment-cut");
  const auto path = dir / "segment";
  // A partial line longer than the 64 KiB chunk read backwards: the newline is found anyway.
  const std::string whole = "{\"a\":1}\n{\"b\":2}\n";
  nv::test::write_text(path, whole + std::string(70000, 'p'));
  CHECK(cut_after_last_newline(path) == whole.size());
  CHECK(nv::test::file_text(path) == whole);
  CHECK(cut_after_last_newline(path) == whole.size());  // nothing more to cut

  nv::test::write_text(path, "no newline at all");
  CHECK(cut_after_last_newline(path) == 0);
  CHECK(nv::test::file_text(path).empty());

  CHECK_THROWS_WITH_AS(cut_after_last_newline(dir / "missing"),
                       doctest::Contains("cannot open to recover it"), std::system_error);
}

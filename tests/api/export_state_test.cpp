// Tests of the export resume state: JSON round trip and atomic save.
#include "nv/api/export_state.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using nv::api::export_state;

namespace {

export_state sample() {
  return {.event_name = "buy \"now\"",
          .start_date = "2024-01-01",
          .end_date = "2024-01-31",
          .batch_size = 50,
          .next_offset = 150,
          .output_bytes = 12345,
          .pages = 3,
          .profiles = 150,
          .done = false};
}

}  // namespace

TEST_CASE("the state survives its JSON text") {
  auto s = sample();
  auto back = nv::api::parse_export_state(nv::api::to_json(s));
  REQUIRE(back);
  CHECK(back->same_query(s));
  CHECK(back->event_name == "buy \"now\"");
  CHECK(back->next_offset == 150);
  CHECK(back->output_bytes == 12345);
  CHECK(back->pages == 3);
  CHECK(back->profiles == 150);
  CHECK_FALSE(back->done);
  CHECK_FALSE(nv::api::parse_export_state("{\"event_name\":\"x\"}"));
  CHECK_FALSE(nv::api::parse_export_state("not json"));
  auto other = s;
  other.batch_size = 51;
  CHECK_FALSE(other.same_query(s));
}

TEST_CASE("save replaces the file whole and leaves no temporary file") {
  auto dir = fs::path(NV_TEST_TMP_DIR) / "export-state";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto path = nv::api::export_state_path((dir / "out.ndjson").string());
  CHECK(path == (dir / "out.ndjson.export-state").string());
  auto s = sample();
  REQUIRE_FALSE(nv::api::save_export_state(path, s));
  s.next_offset = 200;
  s.done = true;
  REQUIRE_FALSE(nv::api::save_export_state(path, s));
  std::string error;
  auto loaded = nv::api::load_export_state(path, error);
  REQUIRE(loaded);
  CHECK(loaded->next_offset == 200);
  CHECK(loaded->done);
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK_FALSE(nv::api::load_export_state((dir / "missing").string(), error));
  CHECK(error.find("cannot read export state") == 0);
}

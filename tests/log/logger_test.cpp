// Tests for the key=value logger: quoting, prefixes and thresholds.
#include "nv/log/logger.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace {

// Captures what a logger writes through a memory stream.
struct captured {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* file = open_memstream(&data, &size);
  ~captured() {
    std::fclose(file);
    std::free(data);
  }
  std::string text() {
    std::fflush(file);
    return std::string(data, size);
  }
};

}  // namespace

using nv::log::level;
using nv::log::logger;

TEST_CASE("events are one line of key=value with values quoted when needed") {
  captured out;
  logger log(out.file, level::info, 0);
  log.write(level::warning, "tls_insecure",
            {{"host", "127.0.0.1"}, {"note", "verification is off"}, {"empty", ""}});
  CHECK(out.text() ==
        "level=warning event=tls_insecure host=127.0.0.1 note=\"verification is off\" "
        "empty=\"\"\n");
}

TEST_CASE("control characters and quotes cannot break the line") {
  captured out;
  logger log(out.file, level::info, 0);
  log.write(level::error, "bad", {{"v", "a\"b\nc\x01"}});
  CHECK(out.text() == "level=error event=bad v=\"a\\\"b\\nc\\x01\"\n");
}

TEST_CASE("the journald prefix carries the priority number") {
  captured out;
  logger log(out.file, level::debug, 1);
  log.write(level::notice, "started");
  log.write(level::debug, "detail");
  CHECK(out.text() == "<5>level=notice event=started\n<7>level=debug event=detail\n");
}

TEST_CASE("events below the threshold are dropped") {
  captured out;
  logger log(out.file, level::warning, 0);
  log.write(level::info, "chatty");
  log.write(level::error, "kept");
  CHECK(out.text() == "level=error event=kept\n");
  level parsed{};
  CHECK(nv::log::parse_level("debug", parsed));
  CHECK(parsed == level::debug);
  CHECK_FALSE(nv::log::parse_level("verbose", parsed));
}

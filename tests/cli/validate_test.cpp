// Integration tests of `nvimport validate`: exit codes, the summary, the reject file and the
// emitted request bodies, running the built program on files in NV_TEST_TMP_DIR.
#include "support/nvsim_process.hpp"
#include "support/shell_run.hpp"

#include <doctest/doctest.h>
#include <simdjson.h>

#include <sys/wait.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// One directory per process: CTest runs each test case as its own process, in parallel.
const std::string tmp_dir = nv::test::make_temp_dir("cli-validate").string();

std::string path_of(const std::string& name) {
  return tmp_dir + "/" + name;
}

void write_file(const std::string& name, const std::string& content) {
  std::filesystem::create_directories(tmp_dir);
  std::ofstream(path_of(name), std::ios::binary) << content;
}

std::string read_file(const std::string& name) {
  return nv::test::read_whole_file(path_of(name));
}

using outcome = nv::test::shell_outcome;

/// Runs `nvimport validate ARGS` in the test directory (a shell command line; `stdin_file`
/// is redirected to standard input when given).
outcome validate(const std::string& args, const std::string& stdin_file = "") {
  return nv::test::run_in(tmp_dir, "'" NV_NVIMPORT_PATH "' validate " + args +
                                       (stdin_file.empty() ? "" : " <" + stdin_file));
}

std::string summary_row(const std::string& label, std::uint64_t value) {
  std::string row = label;
  std::string number = std::to_string(value);
  row.resize(24, ' ');
  return row + std::string(12 - number.size(), ' ') + number + "\n";
}

}  // namespace

TEST_CASE("valid input with a BOM, CRLF and blank lines: exit 0, exact summary and bodies") {
  write_file("good.ndjson",
             "\xEF\xBB\xBF{\"userID\":\"a\",\"email\":\"a@example.com\"}\r\n"
             "\r\n"
             "{\"userId\":\"b\",\"gender\":\"Female\"}  \n"
             "\n"
             "{\"user_id\":\"c\"}");
  auto result = validate("--emit-batches batches.ndjson --max-batch 2 good.ndjson");
  CHECK(result.status == 0);
  CHECK(result.out.empty());
  CHECK(result.err == summary_row("lines read", 5) + summary_row("blank", 2) +
                          summary_row("valid", 3) + summary_row("rejected", 0) +
                          summary_row("batches", 2) + summary_row("body bytes", 143));
  CHECK(read_file("batches.ndjson") ==
        "{\"nv\":[{\"userID\":\"a\",\"user_attributes\":{\"email\":\"a@example.com\"}},"
        "{\"userID\":\"b\",\"user_attributes\":{\"gender\":\"female\"}}]}\n"
        "{\"nv\":[{\"userID\":\"c\"}]}\n");
}

TEST_CASE("rejects: exit 1, per-code summary, and a reject file with the original lines") {
  std::string long_line = "{\"userID\":\"long\",\"name\":\"" + std::string(100, 'x') + "\"}";
  write_file("mixed.ndjson", long_line + "\n{\"userID\":\"ok\"}\n{\"userID\":\"caf\xE9\"}\n" +
                                 "{\"userID\":\"e\",\"email\":\"nope\"}\n");
  auto result = validate("--rejects rejects.ndjson --max-line-bytes 64 mixed.ndjson");
  CHECK(result.status == 1);
  CHECK(result.err == summary_row("lines read", 4) + summary_row("blank", 0) +
                          summary_row("valid", 1) + summary_row("rejected", 3) +
                          summary_row("  line_too_long", 1) + summary_row("  invalid_utf8", 1) +
                          summary_row("  bad_email", 1) + summary_row("batches", 1) +
                          summary_row("body bytes", 24));
  CHECK(read_file("rejects.ndjson") ==
        "{\"source\":\"mixed.ndjson\",\"line\":1,\"offset\":0,\"code\":\"line_too_long\","
        "\"reason\":\"line is 127 bytes, over the maximum of 64 bytes\",\"record\":\"" +
            std::string("{\\\"userID\\\":\\\"long\\\",\\\"name\\\":\\\"") + std::string(100, 'x') +
            "\\\"}\"}\n" +
            "{\"source\":\"mixed.ndjson\",\"line\":3,\"offset\":144,\"code\":\"invalid_utf8\","
            "\"reason\":\"the line is not valid UTF-8 at byte 14 (\\\\xE9\\\\x22\\\\x7D)\","
            "\"record\":\"{\\\"userID\\\":\\\"caf\\u00e9\\\"}\"}\n"
            "{\"source\":\"mixed.ndjson\",\"line\":4,\"offset\":162,\"code\":\"bad_email\","
            "\"reason\":\"email \\\"nope\\\" is not a plausible address (one @, non-empty "
            "local and domain parts)\",\"record\":\"{\\\"userID\\\":\\\"e\\\",\\\"email\\\":"
            "\\\"nope\\\"}\"}\n");
}

TEST_CASE("standard input is read with -, and named stdin in the reject file") {
  write_file("piped.ndjson", "{\"userID\":\"p\"}\nnot json\n");
  auto result = validate("--rejects rejects.ndjson --emit-batches - -", "piped.ndjson");
  CHECK(result.status == 1);
  CHECK(result.out == "{\"nv\":[{\"userID\":\"p\"}]}\n");
  auto rejects = read_file("rejects.ndjson");
  CHECK(rejects.starts_with(
      "{\"source\":\"stdin\",\"line\":2,\"offset\":15,\"code\":\"malformed_json\","));
  CHECK(rejects.ends_with(",\"record\":\"not json\"}\n"));
}

TEST_CASE("a file that cannot be read or a bad flag: exit 2 with a one-line error") {
  write_file("fine.ndjson", "{\"userID\":\"a\"}\n");
  auto missing = validate("fine.ndjson missing.ndjson");
  CHECK(missing.status == 2);
  CHECK(missing.err ==
        "nvimport validate: cannot open \"missing.ndjson\": No such file or directory\n");
  auto directory = validate(".");
  CHECK(directory.status == 2);
  CHECK(directory.err == "nvimport validate: cannot open \".\": Is a directory\n");
  auto bad_rejects = validate("--rejects /nonexistent/r.ndjson fine.ndjson");
  CHECK(bad_rejects.status == 2);
  CHECK(bad_rejects.err ==
        "nvimport validate: cannot open reject file "
        "\"/nonexistent/r.ndjson\": No such file or directory\n");
  CHECK(validate("--bogus fine.ndjson").status == 2);
  CHECK(validate("--max-batch 101 fine.ndjson").status == 2);
  CHECK(validate("").status == 2);
}

TEST_CASE("round trip: every emitted body re-parses and carries exactly the accepted users") {
  std::string input;
  std::vector<std::string> accepted;
  for (int i = 0; i < 437; ++i) {
    std::string id = "user-" + std::to_string(i);
    if (i % 9 == 4) {
      input += "{\"userID\":\"" + id + "\",\"mobile\":\"12\"}\n";  // bad_mobile
    } else if (i % 13 == 0) {
      input += "\n";
    } else {
      input += "{\"userID\":\"" + id + "\",\"name\":\"N\\\"" + std::to_string(i) +
               "\",\"attributes\":{\"n\":" + std::to_string(i) + "}}\r\n";
      accepted.push_back(id);
    }
  }
  write_file("many.ndjson", input);
  auto result = validate("--emit-batches bodies.ndjson --max-batch 40 many.ndjson");
  CHECK(result.status == 1);
  std::istringstream bodies(read_file("bodies.ndjson"));
  std::vector<std::string> users;
  simdjson::dom::parser parser;
  std::size_t batches = 0;
  for (std::string body; std::getline(bodies, body); ++batches) {
    simdjson::dom::array nv;
    REQUIRE(parser.parse(body)["nv"].get(nv) == simdjson::SUCCESS);
    CHECK(nv.size() <= 40);
    for (auto user : nv) users.emplace_back(std::string_view(user["userID"]));
  }
  CHECK(users == accepted);
  CHECK(batches == (accepted.size() + 39) / 40);
}

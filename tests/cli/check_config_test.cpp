// Integration tests of `nvimport check-config`: the effective configuration with the key
// redacted, and errors naming file, line and key, with their exit codes.
#include "support/nvsim_process.hpp"
#include "support/shell_run.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

const std::string tmp_dir = nv::test::make_temp_dir("cli-check-config").string();

void write_file(const std::string& name, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(tmp_dir + "/" + name).parent_path());
  std::ofstream(tmp_dir + "/" + name, std::ios::binary) << content;
}

std::string read_file(const std::string& name) {
  return nv::test::read_whole_file(tmp_dir + "/" + name);
}

using outcome = nv::test::shell_outcome;

/// Runs `nvimport check-config FILE` in the test directory with the key in the environment.
outcome check_config(const std::string& file) {
  return nv::test::run_in(
      tmp_dir, "env -u CREDENTIALS_DIRECTORY NVIMPORT_API_KEY=s3cret-key '" NV_NVIMPORT_PATH
               "' check-config " +
                   file);
}

}  // namespace

TEST_CASE("check-config prints the effective configuration with the key redacted") {
  write_file("good.toml",
             "# a partial file\n[api]\nbrand_id = \"42\"\nconnections = 4\n"
             "[log]\nlevel = \"debug\"\n");
  auto result = check_config("good.toml");
  CHECK(result.status == 0);
  CHECK(result.err == "");
  CHECK(result.out ==
        "# effective configuration of good.toml\n"
        "[api]\n"
        "base_url = \"https://analytics.notifyvisitors.com\"\n"
        "ca_file = \"\"\n"
        "insecure = false\n"
        "brand_id = \"42\"\n"
        "api_key_file = \"\"\n"
        "# api_key: *** (environment NVIMPORT_API_KEY)\n"
        "rate = \"500/60s\"\n"
        "rate_margin_ms = -1\n"
        "connections = 4\n"
        "timeout_s = 30\n"
        "\n[retry]\n"
        "attempts = 8\n"
        "base_ms = 200\n"
        "cap_ms = 30000\n"
        "max_age_s = 600\n"
        "\n[import]\n"
        "max_batch = 100\n"
        "max_line_bytes = 1048576\n"
        "rejects = \"nvimport.rejects.ndjson\"\n"
        "verify_queued = true\n"
        "verify_delay_ms = 2000\n"
        "max_resends = 3\n"
        "\n[daemon]\n"
        "watch_dir = \"/var/lib/nvimport/inbox\"\n"
        "state_dir = \"/var/lib/nvimport/state\"\n"
        "settle_ms = 5000\n"
        "poll_interval_ms = 2000\n"
        "checkpoint_interval_ms = 1000\n"
        "status_interval_s = 5\n"
        "drain_timeout_s = 30\n"
        "\n[ingest]\n"
        "socket = \"\"\n"
        "socket_mode = \"0660\"\n"
        "socket_group = \"\"\n"
        "tcp = \"\"\n"
        "spool_dir = \"/var/lib/nvimport/spool\"\n"
        "spool_max_mb = 1024\n"
        "segment_mb = 64\n"
        "seal_after_ms = 2000\n"
        "idle_timeout_s = 60\n"
        "\n[metrics]\n"
        "listen = \"\"\n"
        "unreachable_after_s = 300\n"
        "\n[log]\n"
        "level = \"debug\"\n");
  CHECK(result.out.find("s3cret-key") == std::string::npos);
}

TEST_CASE("check-config names file, line and key of a bad value and exits 2") {
  write_file("bad.toml", "[api]\nbrand_id = \"42\"\nconnections = 0\n");
  auto result = check_config("bad.toml");
  CHECK(result.status == 2);
  CHECK(result.out == "");
  CHECK(result.err == "bad.toml:3: [api] connections: must be 1 to 256, got 0\n");

  write_file("unknown.toml", "[retry]\nattempts = 3\nbackoff = 2\n");
  auto unknown = check_config("unknown.toml");
  CHECK(unknown.status == 2);
  CHECK(unknown.err == "unknown.toml:3: [retry] backoff: unknown key\n");

  write_file("syntax.toml", "[api]\nconnections = = 8\n");
  auto syntax = check_config("syntax.toml");
  CHECK(syntax.status == 2);
  CHECK(syntax.err ==
        "syntax.toml:2:15: Error while parsing value: could not determine value type\n");
}

TEST_CASE("check-config with a key file that cannot be read exits 2 without the key") {
  write_file("nokey.toml", "[api]\napi_key_file = \"missing.key\"\n");
  auto result = check_config("nokey.toml");
  CHECK(result.status == 2);
  CHECK(result.out == "");
  CHECK(result.err ==
        "nokey.toml: [api] api_key_file: cannot read the API key from key file missing.key\n");
}

namespace {

/// Runs `nvimport import ARGS` in the test directory without any key in the environment.
outcome import_with(const std::string& args) {
  return nv::test::run_in(
      tmp_dir,
      "env -u CREDENTIALS_DIRECTORY -u NVIMPORT_API_KEY '" NV_NVIMPORT_PATH "' import " + args);
}

}  // namespace

TEST_CASE("import --config takes the file's values and flags override them") {
  write_file("users.ndjson", "{\"userID\":\"u1\"}\n");
  write_file("import.toml", "[api]\nbrand_id = \"42\"\napi_key_file = \"from-file.key\"\n");
  auto from_file = import_with("--config import.toml users.ndjson");
  CHECK(from_file.status == 2);
  CHECK(from_file.err == "nvimport import: cannot read the API key file \"from-file.key\"\n");

  auto overridden = import_with("--config import.toml --api-key-file from-flag.key users.ndjson");
  CHECK(overridden.status == 2);
  CHECK(overridden.err == "nvimport import: cannot read the API key file \"from-flag.key\"\n");

  write_file("bad-import.toml", "[import]\nmax_batch = 0\n");
  auto bad = import_with("--config bad-import.toml users.ndjson");
  CHECK(bad.status == 2);
  CHECK(bad.err == "bad-import.toml:2: [import] max_batch: must be 1 to 100, got 0\n");
}

TEST_CASE("without a key file, import and check-config read the systemd credential") {
  write_file("creds/api_key", "\n");  // empty, so import stops before any network step
  write_file("users.ndjson", "{\"userID\":\"u1\"}\n");
  write_file("cred.toml", "[api]\nbrand_id = \"42\"\n");
  std::string command =
      "cd '" + tmp_dir + "' && env -u NVIMPORT_API_KEY CREDENTIALS_DIRECTORY='" + tmp_dir +
      "/creds' '" NV_NVIMPORT_PATH "' import --config cred.toml users.ndjson >out.txt 2>err.txt";
  int raw = std::system(command.c_str());
  CHECK((WIFEXITED(raw) ? WEXITSTATUS(raw) : -1) == 2);
  CHECK(read_file("err.txt") ==
        "nvimport import: the API key file \"" + tmp_dir + "/creds/api_key\" is empty\n");

  write_file("creds/api_key", "cred-s3cret\n");
  command = "cd '" + tmp_dir + "' && env -u NVIMPORT_API_KEY CREDENTIALS_DIRECTORY='" + tmp_dir +
            "/creds' '" NV_NVIMPORT_PATH "' check-config cred.toml >out.txt 2>err.txt";
  raw = std::system(command.c_str());
  CHECK((WIFEXITED(raw) ? WEXITSTATUS(raw) : -1) == 0);
  auto out = read_file("out.txt");
  CHECK(out.find("# api_key: *** (systemd credential " + tmp_dir + "/creds/api_key)\n") !=
        std::string::npos);
  CHECK(out.find("cred-s3cret") == std::string::npos);
}

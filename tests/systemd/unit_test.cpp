// Integration tests of the systemd files: what `cmake --install` places, `systemd-analyze verify`
// and `security --offline` on the configured unit, and the sysusers/tmpfiles entries applied to
// a scratch root.
#include "support/nvsim_process.hpp"
#include "support/shell_run.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <string>

namespace fs = std::filesystem;
using nv::test::read_whole_file;
using nv::test::run_in;

namespace {

/// The build directory: NV_NVIMPORT_PATH is <build>/daemon/nvimport.
const fs::path build_dir = fs::path(NV_NVIMPORT_PATH).parent_path().parent_path();
const fs::path source_dir = NV_SOURCE_DIR;

/// Returns the value of `name` in the build's CMakeCache.txt ("" when absent).
std::string cache_value(const std::string& name) {
  std::ifstream cache(build_dir / "CMakeCache.txt");
  for (std::string line; std::getline(cache, line);) {
    if (!line.starts_with(name + ":")) continue;
    auto equals = line.find('=');
    if (equals != std::string::npos) return line.substr(equals + 1);
  }
  return "";
}

/// Fails the test with a clear message when systemd-analyze is not installed.
void require_systemd_analyze() {
  auto found =
      run_in(nv::test::make_temp_dir("systemd-which").string(), "command -v systemd-analyze");
  REQUIRE_MESSAGE(found.status == 0,
                  "systemd-analyze not found: install Debian's systemd package "
                  "(scripts/bootstrap does)");
}

/// Writes the configured unit into `dir` with ExecStart pointing at the built program, since
/// verify checks that the program exists and is executable; returns the copy's path.
fs::path unit_copy(const fs::path& dir) {
  std::string unit = read_whole_file((build_dir / "systemd/nvimport.service").string());
  REQUIRE_MESSAGE(!unit.empty(), "no configured unit in " << build_dir.string());
  unit = std::regex_replace(unit, std::regex("^ExecStart=\\S+", std::regex::multiline),
                            "ExecStart=" NV_NVIMPORT_PATH);
  fs::path copy = dir / "nvimport.service";
  std::ofstream(copy, std::ios::binary) << unit;
  return copy;
}

/// Runs `systemd-analyze verify` on `unit` without consulting man pages or other units' errors.
nv::test::shell_outcome verify(const fs::path& unit) {
  return run_in(unit.parent_path().string(),
                "systemd-analyze verify --man=false --recursive-errors=no '" + unit.string() + "'");
}

/// Returns the overall exposure `systemd-analyze security --offline=true` prints for `unit`, or
/// nothing when no such line was printed; `table` receives the whole output.
std::optional<double> exposure(const fs::path& unit, std::string& table) {
  auto result =
      run_in(unit.parent_path().string(),
             "LC_ALL=C systemd-analyze security --offline=true --no-pager '" + unit.string() + "'");
  table = result.out + result.err;
  std::smatch match;
  static const std::regex overall("Overall exposure level for [^:]+: ([0-9]+\\.[0-9]+)");
  if (!std::regex_search(table, match, overall)) return std::nullopt;
  return std::stod(match[1].str());
}

/// Returns every regular file under `root`, relative to it.
std::set<std::string> files_under(const fs::path& root) {
  std::set<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.insert(fs::relative(entry.path(), root).string());
  }
  return files;
}

/// Returns "<octal mode> <uid>:<gid>" of `path` (mode with set-group-ID), or "" when absent.
std::string mode_and_owner(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "";
  return fmt::format("{:o} {}:{}", info.st_mode & 07777u, info.st_uid, info.st_gid);
}

}  // namespace

TEST_CASE("cmake --install places the program, the unit, tmpfiles, sysusers and the config") {
  const fs::path dir = nv::test::make_temp_dir("systemd-install");
  // DESTDIR keeps even an absolute destination (/etc for a /usr build) inside the test folder.
  auto installed =
      run_in(dir.string(), "DESTDIR='" + (dir / "stage").string() + "' cmake --install '" +
                               build_dir.string() + "' --prefix /opt/nv");
  REQUIRE_MESSAGE(installed.status == 0, installed.out << installed.err);

  const std::string prefix = cache_value("CMAKE_INSTALL_PREFIX");
  const bool etc_outside_prefix = prefix == "/usr";
  const std::string config =
      etc_outside_prefix ? "etc/nvimport/nvimport.toml" : "opt/nv/etc/nvimport/nvimport.toml";
  const fs::path stage = dir / "stage";
  CHECK(files_under(stage) == std::set<std::string>{
                                  "opt/nv/bin/nvimport",
                                  "opt/nv/lib/systemd/system/nvimport.service",
                                  "opt/nv/lib/systemd/system/nvimport.socket",
                                  "opt/nv/lib/tmpfiles.d/nvimport.conf",
                                  "opt/nv/lib/sysusers.d/nvimport.conf",
                                  config,
                              });
  CHECK(access((stage / "opt/nv/bin/nvimport").c_str(), X_OK) == 0);
  CHECK(read_whole_file((stage / "opt/nv/lib/tmpfiles.d/nvimport.conf").string()) ==
        read_whole_file((source_dir / "systemd/nvimport.tmpfiles").string()));
  CHECK(read_whole_file((stage / "opt/nv/lib/sysusers.d/nvimport.conf").string()) ==
        read_whole_file((source_dir / "systemd/nvimport.sysusers").string()));
  CHECK(read_whole_file((stage / config).string()) ==
        read_whole_file((source_dir / "config/nvimport.toml").string()));

  // The unit names the paths of the configured prefix, where a package puts the files.
  const std::string unit =
      read_whole_file((stage / "opt/nv/lib/systemd/system/nvimport.service").string());
  const std::string config_dir = etc_outside_prefix ? "/etc/nvimport" : prefix + "/etc/nvimport";
  CHECK(unit.find("\nExecStart=" + prefix + "/bin/nvimport daemon --config " + config_dir +
                  "/nvimport.toml\n") != std::string::npos);
  CHECK(unit.find("\nLoadCredential=api_key:" + config_dir + "/api_key\n") != std::string::npos);
  CHECK(!std::regex_search(unit, std::regex("@[A-Z_]+@")));  // every @VAR@ was configured
}

TEST_CASE("systemd-analyze verify accepts the unit without a word") {
  require_systemd_analyze();
  const fs::path dir = nv::test::make_temp_dir("systemd-verify");
  auto result = verify(unit_copy(dir));
  CHECK_MESSAGE(result.status == 0, result.err);
  CHECK(result.out == "");
  CHECK(result.err == "");

  // The same check speaks up about a unit with a misspelt key and a bad value.
  const fs::path bad = dir / "bad" / "nvimport.service";
  fs::create_directories(bad.parent_path());
  std::ofstream(bad) << read_whole_file(unit_copy(dir).string())
                     << "[Service]\nProtectSytem=strict\nProtectHome=maybe\n";
  auto complaint = verify(bad);
  CHECK(complaint.err.find("Unknown key 'ProtectSytem'") != std::string::npos);
  CHECK(complaint.err.find("maybe") != std::string::npos);
}

TEST_CASE("systemd-analyze security rates the unit's exposure at 2.0 or lower") {
  require_systemd_analyze();
  const fs::path dir = nv::test::make_temp_dir("systemd-security");
  std::string table;
  auto level = exposure(unit_copy(dir), table);
  REQUIRE_MESSAGE(level.has_value(), table);
  CHECK_MESSAGE(*level <= 2.0, table);

  // An unhardened unit scores high, so the number read above is the real rating.
  fs::create_directories(dir / "bare");
  std::ofstream(dir / "bare" / "bare.service") << "[Service]\nExecStart=" NV_NVIMPORT_PATH "\n";
  auto bare = exposure(dir / "bare" / "bare.service", table);
  REQUIRE_MESSAGE(bare.has_value(), table);
  CHECK(*bare > 9.0);
}

TEST_CASE("sysusers and tmpfiles entries create the user and the directories with their modes") {
  // tmpfiles hands the directories to nvimport: only root may change a file's owner.
  if (::geteuid() != 0) {
    MESSAGE("skipped: applying tmpfiles.d ownership needs root");
    return;
  }
  const fs::path root = nv::test::make_temp_dir("systemd-root");
  fs::create_directories(root / "etc");
  auto users = run_in(root.string(), "systemd-sysusers --root='" + root.string() + "' - < '" +
                                         (source_dir / "systemd/nvimport.sysusers").string() + "'");
  REQUIRE_MESSAGE(users.status == 0, users.err);
  auto passwd = read_whole_file((root / "etc/passwd").string());
  std::smatch match;
  REQUIRE(std::regex_search(
      passwd, match,
      std::regex("^nvimport:x:([0-9]+):([0-9]+):[^:]*:/var/lib/nvimport:/usr/sbin/nologin$",
                 std::regex::multiline)));
  const std::string owner = match[1].str() + ":" + match[2].str();
  CHECK(read_whole_file((root / "etc/group").string()) == "nvimport:x:" + match[2].str() + ":\n");

  auto dirs =
      run_in(root.string(), "systemd-tmpfiles --root='" + root.string() + "' --create - < '" +
                                (source_dir / "systemd/nvimport.tmpfiles").string() + "'");
  REQUIRE_MESSAGE(dirs.status == 0, dirs.err);
  const fs::path lib = root / "var/lib/nvimport";
  CHECK(mode_and_owner(lib) == "750 " + owner);
  CHECK(mode_and_owner(lib / "inbox") == "2770 " + owner);
  CHECK(mode_and_owner(lib / "inbox/processing") == "750 " + owner);
  CHECK(mode_and_owner(lib / "inbox/done") == "750 " + owner);
  CHECK(mode_and_owner(lib / "inbox/failed") == "750 " + owner);
  CHECK(mode_and_owner(lib / "state") == "700 " + owner);
  CHECK(mode_and_owner(lib / "spool") == "700 " + owner);
}

TEST_CASE("the socket unit verifies clean beside the service it starts") {
  require_systemd_analyze();
  const fs::path dir = nv::test::make_temp_dir("systemd-socket");
  unit_copy(dir);
  fs::copy_file(source_dir / "systemd/nvimport.socket", dir / "nvimport.socket");
  auto both = run_in(dir.string(),
                     "systemd-analyze verify --man=false --recursive-errors=no "
                     "nvimport.socket nvimport.service");
  CHECK_MESSAGE(both.status == 0, both.out << both.err);
  CHECK_MESSAGE(both.out + both.err == "", both.out << both.err);
}

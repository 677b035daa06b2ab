// Runs a shell command line in a test directory and collects its exit status and output.
#pragma once

#include <string>

namespace nv::test {

/// What a command printed and returned.
struct shell_outcome {
  int status = -1;  ///< exit status, or -1 when the command did not exit normally
  std::string out;  ///< standard output
  std::string err;  ///< standard error
};

/// Runs `command` with /bin/sh in `dir`, its standard output and error captured in files there.
shell_outcome run_in(const std::string& dir, const std::string& command);

/// Returns the whole content of `path` ("" when it cannot be read).
std::string read_whole_file(const std::string& path);

}  // namespace nv::test

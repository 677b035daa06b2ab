// Runs a shell command line in a test directory and collects its exit status and output.
#include "support/shell_run.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nv::test {

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

shell_outcome run_in(const std::string& dir, const std::string& command) {
  std::filesystem::remove(dir + "/out.txt");
  std::filesystem::remove(dir + "/err.txt");
  std::string line = "cd '" + dir + "' && { " + command + " ; } >out.txt 2>err.txt";
  int raw = std::system(line.c_str());
  shell_outcome result;
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  result.out = read_whole_file(dir + "/out.txt");
  result.err = read_whole_file(dir + "/err.txt");
  return result;
}

}  // namespace nv::test

// nvimport's entry point: parses the command line and runs one sub-command.
#include <cstdio>

int main() {
  std::puts("nvimport: no sub-command yet");
  return 2;
}

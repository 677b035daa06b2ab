// libFuzzer target over the record stage: the input is split into lines, each normalised by
// record_normaliser from a padded buffer; crashes, sanitizer reports and broken invariants
// (tests/record/record_fuzz_check.hpp) abort. Found inputs go to tests/record/fuzz_regression/.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "record/record_fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto problem = nv::record::testing::check_input(input);
  if (!problem.empty()) {
    std::fprintf(stderr, "nv_record_fuzz: %s\n", problem.c_str());
    std::abort();
  }
  return 0;
}

// Benchmark of record_normaliser::normalise on generated ~350-byte records with standard and
// custom attributes: lines are split from one padded buffer, normalised and serialised, as the
// pipeline does. Prints records/s and MB/s, and the same for a reference that only parses each
// line with simdjson's DOM parser. Every wire user is checked once before timing.
//
//   nv_record_bench [RECORDS] [PASSES] [--dump FILE]   (defaults: 200000 records, 5 passes)
//
// --dump also writes the generated records to FILE (for profiling other tools on them).
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <simdjson.h>

#include "nv/record/record_normaliser.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

/// A small deterministic generator, so every run measures the same bytes.
struct generator {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  std::uint64_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  }
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

constexpr const char* first_names[] = {"Jane", "Zoë", "Michael", "Ana", "Łukasz", "Priya"};
constexpr const char* last_names[] = {"Doe", "Smith", "Núñez", "Kowalski", "O'Brien", "Tanaka"};
constexpr const char* plans[] = {"free", "basic", "gold", "platinum"};
constexpr const char* cities[] = {"São Paulo", "Berlin", "Mumbai", "Austin", "Kraków", "Tokyo"};
constexpr const char* genders[] = {"female", "male", "Other", "FEMALE"};

/// Appends one record of about 350 bytes, in one of the three input shapes.
void append_record(std::string& out, std::uint64_t id, generator& random) {
  const auto* first = first_names[random.below(6)];
  const auto* last = last_names[random.below(6)];
  const auto shape = id % 3;
  out += fmt::format(R"({{"{}":"user-{:010}",)", shape == 0 ? "userId" : "userID", id);
  if (shape == 1) out += R"("user_attributes":{)";
  out += fmt::format(R"("email":"{}.{}.{}@example.com","firstName":"{}","lastName":"{}",)"
                     R"("phone":"+55115525{:05}","birthDate":"19{:02}-{:02}-{:02}T15:45:00-0800",)"
                     R"("gender":"{}","emailOptIn":{},"smsOptIn":"{}",)",
                     "user", id, random.below(1000), first, last, random.below(100000),
                     50 + random.below(50), 1 + random.below(12), 1 + random.below(28),
                     genders[random.below(4)], random.below(3), random.below(3));
  if (shape == 2) out += R"("attributes":{)";
  out += fmt::format(R"("plan":"{}","city":"{}","score":{}.{},"visits":{},"vip":{},)"
                     R"("signup":"2023-04-{:02}T10:00:00Z","prefs":{{"lang":"pt","tz":"-03:00"}})",
                     plans[random.below(4)], cities[random.below(6)], random.below(100),
                     random.below(10), random.below(1000), random.below(2) ? "true" : "false",
                     1 + random.below(28));
  if (shape != 0) out += '}';
  out += "}\n";
}

/// Calls `each(line)` for every line of the padded buffer `text`.
template <typename Each>
void for_each_line(std::string_view text, Each&& each) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const auto* newline = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* stop = newline ? newline : end;
    each(std::string_view(p, stop - p));
    p = stop + 1;
  }
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// Returns this thread's CPU time in seconds: on a shared machine it leaves out the time the
/// thread waited for a core, which wall time does not.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t records = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200000;
  const int passes = argc > 2 ? std::atoi(argv[2]) : 5;
  if (records == 0 || passes <= 0) {
    fmt::print(stderr, "usage: nv_record_bench [RECORDS] [PASSES] [--dump FILE]\n");
    return 2;
  }
  generator random;
  std::string input;
  input.reserve(records * 380);
  for (std::size_t i = 0; i < records; ++i) append_record(input, i, random);
  const std::size_t bytes = input.size();
  if (argc > 4 && std::string_view(argv[3]) == "--dump") {
    std::ofstream(argv[4], std::ios::binary).write(input.data(), static_cast<long>(bytes));
  }
  input.append(simdjson::SIMDJSON_PADDING, ' ');
  const std::string_view text(input.data(), bytes);

  // Check every wire user once: accepted, re-parses as an object, carries its userID.
  nv::record::record_normaliser check;
  simdjson::dom::parser dom;
  std::string wire;
  std::size_t checked = 0;
  bool ok = true;
  for_each_line(text, [&](std::string_view line) {
    auto reason = check.normalise(line, wire);
    if (reason) {
      fmt::print(stderr, "rejected: {}: {}\n{}\n", nv::record::code_name(reason->code),
                 reason->message, line);
      ok = false;
      return;
    }
    simdjson::dom::object user;
    std::string_view id;
    if (dom.parse(wire).get(user) || user["userID"].get(id) ||
        id != fmt::format("user-{:010}", checked)) {
      fmt::print(stderr, "bad wire user: {}\n", wire);
      ok = false;
    }
    ++checked;
  });
  if (!ok || checked != records) return 1;

  double best_normalise = 1e9;
  double best_reference = 1e9;
  double best_normalise_cpu = 1e9;
  double best_reference_cpu = 1e9;
  std::size_t wire_bytes = 0;
  for (int pass = 0; pass < passes; ++pass) {
    nv::record::record_normaliser normaliser;
    wire_bytes = 0;
    auto start = clock_type::now();
    double cpu_start = thread_cpu_seconds();
    nv::record::text_buffer out;  // as the record stage does: appended in place, no copy
    for_each_line(text, [&](std::string_view line) {
      out.clear();
      if (!normaliser.append_wire(line, out)) wire_bytes += out.size();
    });
    best_normalise = std::min(best_normalise, seconds_since(start));
    best_normalise_cpu = std::min(best_normalise_cpu, thread_cpu_seconds() - cpu_start);

    std::size_t elements = 0;
    start = clock_type::now();
    cpu_start = thread_cpu_seconds();
    for_each_line(text, [&](std::string_view line) {
      simdjson::dom::element element;
      if (!dom.parse(line.data(), line.size(), false).get(element)) ++elements;
    });
    best_reference = std::min(best_reference, seconds_since(start));
    best_reference_cpu = std::min(best_reference_cpu, thread_cpu_seconds() - cpu_start);
    if (elements != records) return 1;
  }
  fmt::print("{:<36} {:>12} {:>14} {:>10} {:>8}\n", "variant (best of passes)", "records/s",
             "records/cpu-s", "MB/s", "ratio");
  fmt::print("{:<36} {:>12.0f} {:>14.0f} {:>10.1f} {:>8.2f}\n", "normalise (split+parse+wire)",
             records / best_normalise, records / best_normalise_cpu, bytes / best_normalise / 1e6,
             best_reference / best_normalise);
  fmt::print("{:<36} {:>12.0f} {:>14.0f} {:>10.1f} {:>8.2f}\n",
             "reference: simdjson DOM parse only", records / best_reference,
             records / best_reference_cpu, bytes / best_reference / 1e6, 1.0);
  fmt::print("{} records, {:.0f} bytes/record in, {:.0f} bytes/record out, simdjson {}\n", records,
             double(bytes) / records, double(wire_bytes) / records,
             simdjson::get_active_implementation()->name());
  return 0;
}

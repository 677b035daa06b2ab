// The line → record → wire checks of the libFuzzer target (fuzz/record_fuzz.cpp), shared with
// the unit test that replays tests/record/fuzz_regression/.
#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

#include "nv/record/parse_failure.hpp"
#include "nv/record/record_normaliser.hpp"
#include "nv/record/utf8.hpp"
#include "record/record_invariants.hpp"
#include "record/record_test_support.hpp"

namespace nv::record::testing {

/// Returns "" when a reject is well-formed: a message of one line, valid UTF-8, no controls.
inline std::string check_reject(const reject& reason, const std::string& wire) {
  if (!wire.empty()) return "wire not empty after a reject";
  if (code_name(reason.code) == "unknown") return "unknown reject code";
  if (reason.message.empty()) return "empty reject message";
  if (first_invalid_utf8(reason.message) != std::string_view::npos) return "message not UTF-8";
  for (char c : reason.message) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return "control in message";
  }
  return {};
}

/// Runs `input` line by line (split on '\n') through fresh normalisers, as a reader would,
/// and returns "" or what went wrong. Each line is normalised twice, once followed by hostile
/// bytes and once by spaces, and both runs must agree; appended to a body as the record stage
/// does, it must leave the body as it was on a reject and add the same wire otherwise; an
/// accepted line's wire must satisfy check_wire_user(), the line must be JSON that simdjson's
/// strict DOM parser accepts, and normalising the wire again must give the same wire. The
/// first normaliser tries the token fast path on every line; one without it must give the same
/// verdict, reject and wire.
inline std::string check_input(std::string_view input) {
  using token_path = normaliser_options::token_path;
  record_normaliser hostile({.fast_path = token_path::always}), quiet, appending;
  record_normaliser on_demand({.fast_path = token_path::off});
  std::string hostile_wire, quiet_wire, again_wire, on_demand_wire;
  constexpr std::string_view body_before = R"({"nv":[{"userID":"u0"},)";
  text_buffer body;
  simdjson::dom::parser dom;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const std::string_view line = input.substr(start, end - start);
    start = end + 1;
    const auto a = normalise_padded(hostile, line, hostile_wire);
    const auto b = normalise_padded(quiet, line, quiet_wire, " ");
    if (a.has_value() != b.has_value()) return "the bytes after the line changed the verdict";
    if (hostile_wire != quiet_wire) return "the bytes after the line changed the wire";
    // The token fast path must give what on-demand alone gives, reject message included.
    const auto d = normalise_padded(on_demand, line, on_demand_wire);
    if (a.has_value() != d.has_value()) return "the token fast path changed the verdict";
    if (a && (a->code != d->code || a->message != d->message)) {
      return "the token fast path changed the reject: " + a->message + " / " + d->message;
    }
    if (hostile_wire != on_demand_wire) return "the token fast path changed the wire";
    body.clear();
    body.append(body_before);
    const auto c = with_padded_line(line, hostile_padding, [&](std::string_view padded) {
      return appending.append_wire(padded, body);
    });
    if (a.has_value() != c.has_value()) return "append_wire and normalise disagree";
    if (body.view().substr(0, body_before.size()) != body_before ||
        body.view().substr(body_before.size()) != hostile_wire) {
      return "append_wire changed what the body held, or appended another wire";
    }
    if (a) {
      if (a->code != b->code) return "the bytes after the line changed the reject code";
      if (auto problem = check_reject(*a, hostile_wire); !problem.empty()) return problem;
      continue;
    }
    if (auto problem = check_wire_user(hostile_wire); !problem.empty()) {
      return problem + " in " + hostile_wire;
    }
    const auto json = strip_bom(line).json;
    simdjson::dom::element element;
    if (auto error = dom.parse(json.data(), json.size()).get(element)) {
      return std::string("accepted a line that simdjson's DOM parser rejects: ") +
             simdjson::error_message(error);
    }
    const auto again = normalise_padded(hostile, hostile_wire, again_wire);
    if (again) return "the wire is not accepted again: " + again->message;
    if (again_wire != hostile_wire) return "normalising the wire changed it: " + again_wire;
  }
  return {};
}

}  // namespace nv::record::testing

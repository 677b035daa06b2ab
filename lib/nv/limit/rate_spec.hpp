// The rate budget of one endpoint, "N per W", and its text syntax shared with nvsim.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace nv::limit {

/// At most `requests` starts in any window of `window`.
struct rate_spec {
  std::size_t requests = 500;
  std::chrono::milliseconds window = std::chrono::seconds(60);

  friend bool operator==(const rate_spec&, const rate_spec&) = default;
};

/// Why a rate text was refused, for a configuration error message.
/// Returns the safety margin used unless one is given: 0.2% of the window, at least 5 ms and at
/// most 250 ms. The travel time between a start and the moment the server counts it needs no
/// margin: a request stays in the limiter's window until W after its answer (window_schedule).
/// What is left is the server's clock running at another rate than ours and a server that
/// counts a moment after it answers; 0.2% of 60 s (120 ms) covers clocks 2,000 ppm apart.
std::chrono::milliseconds default_margin(const rate_spec& spec);

struct rate_spec_error {
  std::string message;
};

/// Throws the error as std::invalid_argument; lets boost::system::result::value() work.
[[noreturn]] void throw_exception_from_error(const rate_spec_error& error,
                                             const boost::source_location& where);

/// Parses "N/W" where W is a number with unit ms, s, m or h, seconds when bare ("500/60s",
/// "50/1s", "1000/1m");
/// errors name the text and the rule it broke.
boost::system::result<rate_spec, rate_spec_error> parse_rate_spec(std::string_view text);

/// Returns the canonical text of a spec ("500/60s", or "5/250ms" when not whole seconds).
std::string to_string(const rate_spec& spec);

}  // namespace nv::limit

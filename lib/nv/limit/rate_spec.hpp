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
/// Returns the safety margin used unless one is given: 2% of the window, at least 40 ms and at
/// most 250 ms. It absorbs the jitter between a start and the moment the server counts it
/// (scheduling on either side, the network; a start is granted only once its connection is
/// ready to write). 40 ms held with zero 429s against nvsim on a loaded 2-core machine where
/// 20 ms did not; 250 ms is 0.4% of the real API's 60 s window.
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

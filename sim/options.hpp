// nvsim's command line: listen address, TLS, brands, rate limits and faults.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nv::sim {

/// One configured brand: requests must carry this x-brand-id and x-api-key.
struct brand_credentials {
  std::string brand_id;
  std::string api_key;
};

/// How the rate window is counted.
enum class rate_mode { sliding, fixed };

/// The limit per endpoint per brand: at most `requests` in `window`; requests == 0 means off.
struct rate_limit {
  std::uint32_t requests = 500;
  std::chrono::nanoseconds window = std::chrono::seconds(60);
  rate_mode mode = rate_mode::sliding;
};

/// Fault probabilities and distributions for the reliability tests.
struct fault_options {
  double fail_5xx = 0;     ///< Probability of a 503 answer.
  double drop = 0;         ///< Probability of closing without answering (after reading).
  double queued = 0;       ///< Probability of answering "queued" instead of "success".
  double lose_queued = 0;  ///< Probability a queued batch is never stored.
  std::uint32_t delay_min_ms = 0;
  std::uint32_t delay_max_ms = 0;
  std::string reject_user;           ///< ECMAScript regex; empty means none.
  std::uint32_t slow_accept_ms = 0;  ///< Pause before each accepted connection's handshake.
  std::uint64_t seed = 0;            ///< 0 picks a random seed.
};

/// Everything nvsim is configured with.
struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  bool plain = false;
  std::string tls_cert;
  std::string tls_key;
  std::string self_signed_dir;
  std::vector<brand_credentials> brands;
  std::string events_file;
  rate_limit rate;
  fault_options faults;
  std::chrono::seconds io_timeout{30};
  unsigned threads = 1;  ///< Threads running the io_context.
};

/// Parses argv into options with CLI11. Returns nothing after printing help or an error; then
/// `exit_status` holds what main should return.
std::optional<options> parse_options(int argc, char** argv, int& exit_status);

/// Parses "N/W" (W like 60s, 1s, 500ms, 2m), "off" or "0" into a limit; nothing when malformed.
std::optional<rate_limit> parse_rate(const std::string& text);

}  // namespace nv::sim

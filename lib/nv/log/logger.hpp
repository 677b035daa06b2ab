// One log event per line, key=value, with the <N> priority prefixes journald understands.
#pragma once

#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

namespace nv::log {

/// syslog priorities: the number journald reads from a "<N>" line prefix.
enum class level : int { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

/// One key=value pair of an event; values are quoted when they contain spaces or quotes.
struct field {
  std::string_view key;
  std::string value;
};

/// Writes events to a stream (stderr by default). Not thread-safe: one per io_context thread.
class logger {
 public:
  /// Creates a logger writing to `out` that drops events less important than `threshold`;
  /// `priority_prefix` adds "<N>" (default: when stderr goes to the journal, $JOURNAL_STREAM).
  explicit logger(std::FILE* out = stderr, level threshold = level::info, int priority_prefix = -1);

  /// Writes `event=<name>` followed by the fields, as one line.
  void write(level lvl, std::string_view event, std::initializer_list<field> fields = {});

  /// Changes the least important level written.
  void set_threshold(level threshold) { threshold_ = threshold; }

  /// Returns true when events of `lvl` are written.
  bool enabled(level lvl) const { return static_cast<int>(lvl) <= static_cast<int>(threshold_); }

 private:
  std::FILE* out_;
  level threshold_;
  bool prefix_;
  std::string line_;  // reused for every event
};

/// Appends `value` to `out`, quoted and escaped when it is empty or holds spaces, quotes, '='
/// or control characters, so one event always stays one parseable line.
void append_value(std::string& out, std::string_view value);

/// Parses a level name (error, warning, notice, info, debug); false when unknown.
bool parse_level(std::string_view name, level& out);

}  // namespace nv::log

// Builds a Prometheus text exposition page (format 0.0.4) into a reused string.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace nv::metrics {

/// The TYPE of a metric family.
enum class metric_type { counter, gauge, histogram, untyped };

/// One label of a sample: a name ([a-zA-Z_][a-zA-Z0-9_]*) and any UTF-8 value.
struct label {
  std::string_view name;
  std::string_view value;
};

/// The labels of one sample, borrowed for the duration of the call that takes them: a braced
/// list (`{{"endpoint", "create"}}`) or a span built at run time.
class label_list {
 public:
  label_list() = default;
  /// Borrows a braced list; it lives until the end of the caller's full expression.
  label_list(std::initializer_list<label> labels) : labels_(labels.begin(), labels.size()) {}
  /// Borrows labels built at run time.
  label_list(std::span<const label> labels) : labels_(labels) {}

  /// Returns the labels in the order they are written.
  std::span<const label> items() const { return labels_; }

 private:
  std::span<const label> labels_;
};

/// A sample's value: integers stay exact (a uint64 counter past 2^53 is not rounded), doubles
/// are printed so that they read back to the same double.
class sample_value {
 public:
  /// Holds an integer of any width and sign.
  template <std::integral T>
  sample_value(T value) {  // NOLINT(google-explicit-constructor): values convert implicitly
    if constexpr (std::is_signed_v<T>) {
      kind_ = value < 0 ? kind::negative : kind::unsigned_integer;
      if (value < 0)
        negative_ = static_cast<std::int64_t>(value);
      else
        unsigned_ = static_cast<std::uint64_t>(value);
    } else {
      unsigned_ = static_cast<std::uint64_t>(value);
    }
  }
  /// Holds a double, including +Inf, -Inf and NaN.
  template <std::floating_point T>
  sample_value(T value) : kind_(kind::floating), floating_(static_cast<double>(value)) {}

  /// Appends the value as the exposition format spells it.
  void append_to(std::string& out) const;

  /// Returns true when the value is below zero (never right for a counter).
  bool negative() const {
    return kind_ == kind::negative || (kind_ == kind::floating && floating_ < 0);
  }

 private:
  enum class kind { unsigned_integer, negative, floating };
  kind kind_ = kind::unsigned_integer;
  std::uint64_t unsigned_ = 0;
  std::int64_t negative_ = 0;
  double floating_ = 0;
};

/// A histogram as the writer needs it: `bucket_counts[i]` counts the observations in bucket i
/// alone (not cumulated), the last one those above the largest bound; so its size is
/// upper_bounds.size() + 1 and the count the page shows is their total.
struct histogram_view {
  std::span<const double> upper_bounds;          ///< strictly increasing, finite
  std::span<const std::uint64_t> bucket_counts;  ///< one more than upper_bounds
  double sum = 0;                                ///< of every observed value
};

/// Writes one scrape's page. A family (HELP and TYPE once) is followed by all its samples:
/// begin_family() then sample() or histogram_sample(), or the one-call forms counter(),
/// gauge() and histogram(), which start the family only when it is not the current one.
/// Misuse (a bad name, a sample of the wrong type, a family started twice, a negative counter)
/// is a bug and asserts in debug builds. Not thread-safe; the page must outlive the writer.
class prometheus_writer {
 public:
  /// Writes into `page`, which it clears first; its capacity is kept, so a page string reused
  /// for every scrape stops allocating once it is large enough.
  explicit prometheus_writer(std::string& page);

  /// Starts the family `name` with its HELP (escaped) and TYPE lines.
  void begin_family(std::string_view name, metric_type type, std::string_view help);

  /// Writes one sample of the current counter, gauge or untyped family.
  void sample(sample_value value, label_list labels = {});

  /// Writes the _bucket (cumulative, le="+Inf" last), _sum and _count lines of the current
  /// histogram family; `labels` are written before le.
  void histogram_sample(const histogram_view& histogram, label_list labels = {});

  /// Writes one counter sample, starting its family unless it is the current one.
  void counter(std::string_view name, std::string_view help, sample_value value,
               label_list labels = {});

  /// Writes one gauge sample, starting its family unless it is the current one.
  void gauge(std::string_view name, std::string_view help, sample_value value,
             label_list labels = {});

  /// Writes one histogram, starting its family unless it is the current one.
  void histogram(std::string_view name, std::string_view help, const histogram_view& histogram,
                 label_list labels = {});

  /// Returns the page written so far.
  std::string_view page() const { return page_; }

 private:
  void continue_or_begin(std::string_view name, metric_type type, std::string_view help);
  std::string_view current_name() const;
  void append_sample(std::string_view suffix, label_list labels, std::string_view le,
                     sample_value value);

  std::string& page_;
  std::size_t name_offset_ = 0;  // where the current family's name sits in page_ (its TYPE line)
  std::size_t name_size_ = 0;    // 0: no family begun yet
  metric_type type_ = metric_type::untyped;
};

/// Returns true when `name` is a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool valid_metric_name(std::string_view name);

/// Returns true when `name` is a valid label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting "__".
bool valid_label_name(std::string_view name);

/// Appends `value` escaped for a label value: backslash, double quote and newline.
void append_label_value(std::string& out, std::string_view value);

/// Appends `help` escaped for a HELP line: backslash and newline.
void append_help_text(std::string& out, std::string_view help);

}  // namespace nv::metrics

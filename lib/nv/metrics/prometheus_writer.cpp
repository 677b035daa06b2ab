// Builds a Prometheus text exposition page (format 0.0.4) into a reused string.
#include "nv/metrics/prometheus_writer.hpp"

#include <fmt/format.h>

#include <cassert>
#include <cmath>
#include <iterator>
#include <numeric>

namespace nv::metrics {
namespace {

bool name_start(char c, bool colon_allowed) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         (colon_allowed && c == ':');
}

bool name_rest(char c, bool colon_allowed) {
  return name_start(c, colon_allowed) || (c >= '0' && c <= '9');
}

bool valid_name(std::string_view name, bool colon_allowed) {
  if (name.empty() || !name_start(name.front(), colon_allowed)) return false;
  for (char c : name.substr(1))
    if (!name_rest(c, colon_allowed)) return false;
  return true;
}

std::string_view type_word(metric_type type) {
  switch (type) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
    case metric_type::untyped:
      break;
  }
  return "untyped";
}

// Doubles print in their shortest form that reads back exactly; the format spells the three
// values that are not numbers its own way (Go's ParseFloat accepts them, so do all scrapers).
void append_double(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    fmt::format_to(std::back_inserter(out), "{}", value);
  }
}

// A family must not appear twice on a page: scrapers reject the page or drop one of them.
[[maybe_unused]] bool family_written(std::string_view page, std::string_view name) {
  constexpr std::string_view type_line = "\n# TYPE ";
  for (auto at = page.find(type_line); at != std::string_view::npos;
       at = page.find(type_line, at + 1)) {
    auto rest = page.substr(at + type_line.size());
    if (rest.starts_with(name) && rest.size() > name.size() && rest[name.size()] == ' ')
      return true;
  }
  return false;
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  return valid_name(name, true);
}

bool valid_label_name(std::string_view name) {
  return valid_name(name, false) && !name.starts_with("__");
}

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void append_help_text(std::string& out, std::string_view help) {
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void sample_value::append_to(std::string& out) const {
  switch (kind_) {
    case kind::unsigned_integer:
      fmt::format_to(std::back_inserter(out), "{}", unsigned_);
      return;
    case kind::negative:
      fmt::format_to(std::back_inserter(out), "{}", negative_);
      return;
    case kind::floating:
      append_double(out, floating_);
      return;
  }
}

prometheus_writer::prometheus_writer(std::string& page) : page_(page) {
  page_.clear();
}

void prometheus_writer::begin_family(std::string_view name, metric_type type,
                                     std::string_view help) {
  assert(valid_metric_name(name) && "metric names match [a-zA-Z_:][a-zA-Z0-9_:]*");
  assert(!family_written(page_, name) && "a family's samples must stay together");
  page_ += "# HELP ";
  page_ += name;
  page_ += ' ';
  append_help_text(page_, help);
  page_ += "\n# TYPE ";
  name_offset_ = page_.size();
  name_size_ = name.size();
  page_ += name;
  page_ += ' ';
  page_ += type_word(type);
  page_ += '\n';
  type_ = type;
}

void prometheus_writer::sample(sample_value value, label_list labels) {
  assert(name_size_ != 0 && "begin_family() comes before sample()");
  assert(type_ != metric_type::histogram && "a histogram is written by histogram_sample()");
  assert(!(type_ == metric_type::counter && value.negative()) && "counters never go down");
  append_sample({}, labels, {}, value);
}

void prometheus_writer::histogram_sample(const histogram_view& histogram, label_list labels) {
  assert(name_size_ != 0 && type_ == metric_type::histogram);
  assert(histogram.bucket_counts.size() == histogram.upper_bounds.size() + 1);
  std::string le_buffer;  // bounds like "0.005" fit the small-string buffer: no allocation
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < histogram.upper_bounds.size(); ++i) {
    cumulative += histogram.bucket_counts[i];
    le_buffer.clear();
    append_double(le_buffer, histogram.upper_bounds[i]);
    append_sample("_bucket", labels, le_buffer, cumulative);
  }
  cumulative += histogram.bucket_counts.back();
  append_sample("_bucket", labels, "+Inf", cumulative);
  append_sample("_sum", labels, {}, histogram.sum);
  append_sample("_count", labels, {}, cumulative);
}

void prometheus_writer::counter(std::string_view name, std::string_view help, sample_value value,
                                label_list labels) {
  continue_or_begin(name, metric_type::counter, help);
  sample(value, labels);
}

void prometheus_writer::gauge(std::string_view name, std::string_view help, sample_value value,
                              label_list labels) {
  continue_or_begin(name, metric_type::gauge, help);
  sample(value, labels);
}

void prometheus_writer::histogram(std::string_view name, std::string_view help,
                                  const histogram_view& histogram, label_list labels) {
  continue_or_begin(name, metric_type::histogram, help);
  histogram_sample(histogram, labels);
}

void prometheus_writer::continue_or_begin(std::string_view name, metric_type type,
                                          std::string_view help) {
  if (name_size_ != 0 && current_name() == name) {
    assert(type == type_ && "one family, one type");
    return;
  }
  begin_family(name, type, help);
}

std::string_view prometheus_writer::current_name() const {
  return std::string_view(page_).substr(name_offset_, name_size_);
}

void prometheus_writer::append_sample(std::string_view suffix, label_list labels,
                                      std::string_view le, sample_value value) {
  // The name is copied from the page itself: reserve first so that copy never reallocates the
  // string it reads from.
  page_.reserve(page_.size() + name_size_ + suffix.size() + 64);
  page_.append(page_, name_offset_, name_size_);
  page_ += suffix;
  if (!labels.items().empty() || !le.empty()) {
    char separator = '{';
    for (const auto& [name, text] : labels.items()) {
      assert(valid_label_name(name) && "label names match [a-zA-Z_][a-zA-Z0-9_]*");
      assert(!(name == "le" && !le.empty()) && "le is the histogram's own label");
      page_ += separator;
      page_ += name;
      page_ += "=\"";
      append_label_value(page_, text);
      page_ += '"';
      separator = ',';
    }
    if (!le.empty()) {
      page_ += separator;
      page_ += "le=\"";
      page_ += le;
      page_ += '"';
    }
    page_ += '}';
  }
  page_ += ' ';
  value.append_to(page_);
  page_ += '\n';
}

}  // namespace nv::metrics

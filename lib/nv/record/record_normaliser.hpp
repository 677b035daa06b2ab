// The record stage's hot path: one NDJSON line in, the wire JSON of one user (API.md) or a
// precise reject reason out.
//
// Input shapes, all normalised to one wire shape:
//   flat          {"userId":"u1","email":"a@b.c","plan":"gold"}
//   attributes    {"user_id":"u1","attributes":{"email":"a@b.c","plan":"gold"}}
//   wire          {"userID":"u1","user_attributes":{"email":"a@b.c","plan":"gold"}}
// Every spelling of API.md's table is accepted (userID/userId/user_id, firstName, phone, …).
// Inside `attributes`/`user_attributes` a standard name (either spelling) is the standard field;
// unknown top-level fields become custom attributes.
//
// The wire object, compact, exactly as it goes into the `nv` array:
//   {"userID":"…","anonymousID":"…","user_attributes":{standard…, custom…}}
// userID and anonymousID only when given (one of them always is); standard attributes in the
// canonical order name, first_name, last_name, email, mobile, birth_date, gender, email_opt_in,
// sms_opt_in, whatsapp_opt_in, company, hashed_email, hashed_mobile; then custom attributes in
// input order; `user_attributes` left out when empty. Opt-ins are "0"/"1"/"2"; a birth date-time
// is cut to its date; gender is lower case; numbers keep their input text; objects are
// re-serialised compactly; strings are re-escaped (controls, quote, backslash; UTF-8 as is).
//
// Decisions (API.md is silent on them):
// - `null` for any field means "not provided": the field is left out.
// - "" for an optional standard attribute means "not provided" (exports with blank columns are
//   common); "" for userID/anonymousID is bad_user_id/bad_anonymous_id; "" is a valid custom
//   attribute value.
// - The same field twice under any spellings (`userID` and `user_id`, `email` at the top and in
//   `attributes`, `attributes` and `user_attributes`, a custom name twice) is duplicate_key,
//   even when one of them is null.
// - Arrays as attribute values are bad_attr_value; arrays inside an object value are kept.
// - A custom attribute named like an identity field (any spelling), empty, or holding a control
//   character is bad_attr_name. Standard attributes have no length limit of their own.
// - A number (custom attribute, or inside an object value) must fit a 64-bit integer or a
//   finite double, as simdjson and most JSON stacks read numbers: `1e400` or a 25-digit integer
//   is bad_attr_value. Its text goes to the wire unchanged.
// - Opt-ins: a number or numeric string whose exact value is 0, 1 or 2 ("1", 1, 1.0, "1e0");
//   booleans are bad_opt_in.
// - Custom attribute types (string, number, boolean, object) hold for the whole run: the first
//   type seen for a name wins, a later record with another type is attr_type_changed. Only
//   accepted records register types; null registers nothing. At most
//   `max_attribute_names` distinct names per run (too_many_attr_names beyond), so memory stays
//   bounded whatever the input.
// - A UTF-8 byte order mark at the start of the line is ignored.
// - When a line is malformed JSON and also breaks a rule, malformed_json wins: after the first
//   rule broken the rest of the line is still parsed (up to 256 levels deep).
//
// How a line is read: simdjson's stage 1 indexes its tokens and validates UTF-8; then a token
// fast path reads the records most files hold (an object of plain keys and scalar values,
// `attributes` one such object, no rule broken) straight from the index, skipping on-demand's
// per-field bookkeeping (the whole benchmark pipeline takes 7% less time). Any other line (a
// reject, an object or array value, an escaped key, a number simdjson must size) is read again
// with on-demand, which finds the reject and its message. Both give the same result for every
// line: the fuzzer and tests/record/token_fast_path_test.cpp check that against on-demand alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "nv/record/attribute_types.hpp"
#include "nv/record/reject.hpp"
#include "nv/record/text_buffer.hpp"

namespace nv::record {

struct normaliser_options {
  std::size_t max_depth = 32;  // nesting allowed inside object-valued custom attributes
  std::size_t max_line_bytes = std::size_t{1} << 20;  // longer lines are line_too_long
  std::size_t max_attribute_names = 10000;            // distinct custom attribute names in one run
  // How records are read: the common ones straight from simdjson's token index and the rest
  // with on-demand (adaptive: the token path is left out for a while after records it hands
  // over whole; always: tried on every record, for tests), or all with on-demand (off). The
  // results are the same, which the fuzzer and the tests check; only the time differs.
  enum class token_path : std::uint8_t { off, adaptive, always };
  token_path fast_path = token_path::adaptive;
};

/// Turns lines into wire users. One per thread: it owns a reused simdjson parser, scratch
/// buffers and the run's attribute type registry. Not copyable; movable.
class record_normaliser {
 public:
  explicit record_normaliser(normaliser_options options = {});
  ~record_normaliser();
  record_normaliser(record_normaliser&&) noexcept;
  record_normaliser& operator=(record_normaliser&&) noexcept;

  /// Parses `line` and appends the user's wire object to `out` (a request body being filled);
  /// returns the reject reason, or nothing when the record is accepted. `line.data()` must be
  /// followed by at least simdjson::SIMDJSON_PADDING readable bytes (the caller's buffer
  /// guarantees it). `out` is left as it was on a reject. Never throws except std::bad_alloc.
  std::optional<reject> append_wire(std::string_view line, text_buffer& out);

  /// Does what append_wire() does into `wire` cleared first (empty on a reject).
  std::optional<reject> normalise(std::string_view line, std::string& wire);

  /// Returns the run's custom attribute types so far (read-only; for tests and reports).
  const attribute_types& types() const noexcept;

  /// Returns how many records the token fast path accepted (the rest went through on-demand).
  std::uint64_t fast_path_records() const noexcept;
  /// Returns how many records the fast path handed to on-demand that on-demand accepted.
  std::uint64_t fast_path_wasted() const noexcept;

  /// Returns the options this normaliser was made with.
  const normaliser_options& options() const noexcept;

 private:
  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace nv::record

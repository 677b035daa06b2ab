// Parse → normalise → validate → wire for one line, on one reused simdjson parser: the token fast
// path (run_plain()) for the common records, on-demand (the rest of run()) for all others.
#include "nv/record/record_normaliser.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "nv/record/field_checks.hpp"
#include "nv/record/json_escape.hpp"
#include "nv/record/json_number.hpp"
#include "nv/record/ondemand_values.hpp"
#include "nv/record/parse_failure.hpp"
#include "nv/record/recent_keys.hpp"
#include "nv/record/record_fields.hpp"
#include "nv/record/standard_fields.hpp"
#include "nv/record/token_cursor.hpp"
#include "nv/record/utf8.hpp"
#include "nv/record/wire_literals.hpp"

namespace nv::record {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

/// How deep the rest of a rejected line is still checked for well-formedness.
constexpr std::size_t validation_depth = 256;
/// Parser capacity allocated up front, so ordinary lines never make it reallocate.
constexpr std::size_t preallocated_bytes = 64 * 1024;

attr_type attr_type_of(json_kind kind) noexcept {
  switch (kind) {
    case json_kind::number:
      return attr_type::number;
    case json_kind::boolean:
      return attr_type::boolean;
    case json_kind::object:
      return attr_type::object;
    default:
      return attr_type::string;
  }
}

/// Reads a value's type and, for a scalar, its text (checked); containers are left unread.
/// Inlined into its three callers: a call per field costs more than the code it would share.
/// `out` is set member by member: assigning a braced temporary built it on the stack and
/// copied it as vectors, reloading bytes just stored (a store-forwarding stall).
[[gnu::always_inline]] inline error_code decode(od::value& value, json_scalar& out) {
  // Strings first, by their first byte: most values are strings, and this one predictable
  // test spares them simdjson's switch over every first byte.
  if (*value.raw_json_token().data() == '"') {
    out.kind = json_kind::string;
    return read_string(value, out.text, out.plain);
  }
  od::json_type type{};
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case od::json_type::string:
      break;  // read above: type() also goes by the first byte
    case od::json_type::number:
      out.kind = json_kind::number;
      out.text = trim_json_space_right(value.raw_json_token());
      return is_json_number(out.text) ? simdjson::SUCCESS : simdjson::NUMBER_ERROR;
    case od::json_type::boolean: {
      // From the token, not simdjson's get_bool(): its test branches on which literal it is,
      // and the booleans of a file come in no order. Left unconsumed, as a number is.
      const auto literal = boolean_literal(trim_json_space_right(value.raw_json_token()));
      if (!literal) {
        bool unused = false;
        return value.get_bool().get(unused);  // simdjson's own error for a broken literal
      }
      out.kind = json_kind::boolean;
      out.text = *literal;
      return simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      out.kind = json_kind::null;
      out.text = {};
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
    case od::json_type::object:
      out.kind = json_kind::object;
      out.text = {};
      return simdjson::SUCCESS;
    case od::json_type::array:
      out.kind = json_kind::array;
      out.text = {};
      return simdjson::SUCCESS;
  }
  return simdjson::TAPE_ERROR;
}

/// Returns the value with its type for a message: `string "abc"`, `number 3`, `object`.
std::string describe_typed(const json_scalar& value) {
  switch (value.kind) {
    case json_kind::string:
      return "string " + describe(value);
    case json_kind::boolean:
      return "boolean " + describe(value);
    case json_kind::object:
      return "object";
    default:
      return describe(value);
  }
}

bool is_container(const json_scalar& value) noexcept {
  return value.kind == json_kind::object || value.kind == json_kind::array;
}

/// Reads the key of `field` and its field number (find_padded_field()): guessed from the
/// records before when it repeats their key at this position, else read and looked up.
[[gnu::always_inline]] inline error_code read_field_key(od::field& field, recent_keys& keys,
                                                        wire_text& key, int& found) {
  const char* raw = field.key().raw();
  const auto guessed = keys.guess(raw);
  if (guessed.field != recent_keys::not_guessed) {
    key.text = std::string_view(raw, guessed.size);
    key.plain = true;
    found = guessed.field;
    return simdjson::SUCCESS;
  }
  if (auto error = read_key(field, key.text, key.plain)) return error;
  found = keys.lookup(key.text, key.plain);
  return simdjson::SUCCESS;
}

/// When to try the token fast path. A record it hands over that on-demand then accepts (a
/// shape it does not take: an object or a long number as a value, an escaped key) cost a walk
/// for nothing; a file of such records would be read twice over. After each, the fast path is
/// left out for twice as many records as the time before (at most max_skip), and tried again
/// after them; each record it takes halves that. Records with a broken rule are handed over
/// by design and change nothing.
class fast_path_backoff {
 public:
  /// Returns whether to try the fast path on the next record.
  bool try_next() noexcept {
    if (skip_left_ == 0) return true;
    --skip_left_;
    return false;
  }
  void taken() noexcept {
    ++taken_;
    skip_ /= 2;
  }
  void wasted() noexcept {
    ++wasted_;
    skip_ = std::min(std::max(skip_ * 2, 1u), max_skip);
    skip_left_ = skip_;
  }
  std::uint64_t records_taken() const noexcept { return taken_; }
  std::uint64_t records_wasted() const noexcept { return wasted_; }

 private:
  static constexpr unsigned max_skip = 64;  // one wasted walk in 65 records at most: about 1%
  unsigned skip_ = 0;
  unsigned skip_left_ = 0;
  std::uint64_t taken_ = 0;
  std::uint64_t wasted_ = 0;
};

}  // namespace

struct record_normaliser::state {
  explicit state(normaliser_options chosen) : options(chosen), parser(chosen.max_line_bytes) {
    // A failed allocation here is retried, and reported, by the first iterate().
    [[maybe_unused]] const auto error =
        parser.allocate(std::min(preallocated_bytes, chosen.max_line_bytes));
  }

  std::optional<reject> run(std::string_view line, text_buffer& out);
  void start_record() noexcept {
    fields.clear();
    keys.start();
    pending.reset();
    new_names = 0;
  }
  /// Registers the accepted record's new custom names and writes its wire object.
  void accept(text_buffer& out);
  /// The fast path: the record read from stage 1's token index, for the records most lines
  /// are (an object of plain keys and scalar values, with `attributes` one object of them,
  /// breaking no rule). Returns whether the record was accepted and written to `out`; for any
  /// other line it returns false having written nothing there, and run() reads the line again
  /// with on-demand, which says what is wrong with it.
  bool run_plain(const simdjson::padded_string_view& input, text_buffer& out);
  bool take_plain_fields(token_cursor& tokens);
  bool take_plain_attributes(token_cursor& tokens);
  [[gnu::always_inline]] inline bool take_plain_named(token_cursor& tokens, field_id id);
  [[gnu::always_inline]] inline bool take_plain_custom(token_cursor& tokens, const wire_text& name,
                                                       bool distinct);
  [[gnu::always_inline]] inline bool read_plain_key(token_cursor& tokens, wire_text& key,
                                                    int& found);
  [[gnu::always_inline]] inline bool read_plain_scalar(token_cursor& tokens, json_scalar& out);
  /// Inlined into run(): it only dispatches, once per top-level key.
  [[gnu::always_inline]] inline error_code take_top_field(const wire_text& key, int found,
                                                          od::value& value);
  /// Out of line: inlined into run() as well, it made the whole record loop twice as slow.
  error_code take_container(std::string_view key, od::value& value);
  /// take_named() and take_custom() are inlined into run() and take_container(): as calls,
  /// the value and its iterator went through memory on every field (callgrind: about 430 and
  /// 190 instructions per record).
  [[gnu::always_inline]] inline error_code take_named(field_id id, od::value& value);
  [[gnu::always_inline]] inline error_code take_custom(const wire_text& name, od::value& value,
                                                       bool distinct);
  error_code take_custom_object(const wire_text& name, od::value& value, int known);
  // The rules, shared by both paths: each returns false when the record breaks one, which it
  // records in `pending`.
  [[gnu::always_inline]] inline bool accept_named(field_id id, const json_scalar& scalar);
  /// Claims custom attribute `name` and returns its registered type (-1: none yet), or
  /// refused_custom.
  [[gnu::always_inline]] inline int start_custom(const wire_text& name, bool distinct);
  /// Adds a string, number (that fits) or boolean custom attribute.
  [[gnu::always_inline]] inline bool accept_custom_scalar(const wire_text& name,
                                                          const json_scalar& scalar, int known);
  static constexpr int refused_custom = -2;
  bool admit_type(std::string_view name, attr_type type, const json_scalar& value, int known);
  error_code skip(od::value& value);
  /// Checks a field of a record already rejected: its key for escapes (a malformed key makes
  /// the record malformed_json) and its value for well-formedness.
  error_code skip_field(od::field& field);
  /// Records the first rule broken; `build` makes its reject. Cold and out of line, so the
  /// message formatting stays out of the hot functions.
  template <typename Build>
  [[gnu::cold, gnu::noinline]] void fail_with(Build build) {
    if (!pending) pending = build();
  }

  normaliser_options options;
  od::parser parser;
  attribute_types types;
  record_fields fields;
  recent_keys keys;               // guesses the field of each key from the records before
  text_buffer scratch;            // output of validation-only walks
  text_buffer single;             // normalise()'s wire object, before it is copied out
  std::optional<reject> pending;  // the first rule the record broke
  std::size_t new_names = 0;      // custom names this record would add to `types`
  fast_path_backoff backoff;      // when to try run_plain()
};

std::optional<reject> record_normaliser::state::run(std::string_view text, text_buffer& out) {
  // `out` is written only once the record is accepted, so a reject leaves it as it was.
  if (text.size() > options.max_line_bytes) {
    return reject{reject_code::line_too_long, fmt::format("the line has {} bytes (at most {})",
                                                          text.size(), options.max_line_bytes)};
  }
  const line_view line = strip_bom(text);
  const simdjson::padded_string_view input(line.json.data(), line.json.size(),
                                           line.json.size() + simdjson::SIMDJSON_PADDING);
  using token_path = normaliser_options::token_path;
  const bool tried_fast = options.fast_path == token_path::always ||
                          (options.fast_path == token_path::adaptive && backoff.try_next());
  if (tried_fast && run_plain(input, out)) {
    backoff.taken();
    return std::nullopt;
  }
  od::document doc;
  if (auto error = parser.iterate(input).get(doc)) return iterate_failure(error, line);
  od::json_type type{};
  if (auto error = doc.type().get(type)) return malformed(error, doc, line);
  if (type != od::json_type::object) {
    return not_an_object(doc, type, line, scratch, validation_depth);
  }

  start_record();
  od::object root;
  if (auto error = doc.get_object().get(root)) return malformed(error, doc, line);
  for (auto field_result : root) {
    if (auto error = field_result.error()) return malformed(error, doc, line);
    // Used in place: get() would copy the field out, storing it in pieces and reloading it as
    // one vector, a store-forwarding stall on every key.
    od::field& field = field_result.value_unsafe();
    if (pending) {
      if (auto error = skip_field(field)) return malformed(error, doc, line);
      continue;
    }
    wire_text key;
    int found = -1;
    if (auto error = read_field_key(field, keys, key, found)) return malformed(error, doc, line);
    if (auto error = take_top_field(key, found, field.value())) {
      return malformed(error, doc, line);
    }
  }
  if (auto trailing = trailing_content(doc, line)) return trailing;
  if (pending) return std::move(pending);
  if (!fields.has_identity()) {
    return reject{reject_code::missing_user_id, "neither userID nor anonymousID is given"};
  }
  if (tried_fast) backoff.wasted();
  accept(out);
  return std::nullopt;
}

void record_normaliser::state::accept(text_buffer& out) {
  for (const auto& custom : fields.unregistered()) types.register_type(custom.name, custom.type);
  keys.accepted();
  fields.write_wire(out);
}

bool record_normaliser::state::run_plain(const simdjson::padded_string_view& input,
                                         text_buffer& out) {
  od::json_iterator iter;
  if (parser.iterate_raw(input).get(iter)) return false;
  token_cursor tokens(iter);
  if (*tokens.peek() != '{' || !tokens.last_is_close()) return false;
  tokens.advance(1);
  start_record();
  if (!take_plain_fields(tokens) || !tokens.at_end() || pending || !fields.has_identity()) {
    return false;
  }
  accept(out);
  return true;
}

bool record_normaliser::state::take_plain_fields(token_cursor& cursor) {
  // A local copy, so that the position stays in a register (token_cursor::advance()).
  token_cursor tokens = cursor;
  for (;;) {
    wire_text key;
    int found = -1;
    if (!read_plain_key(tokens, key, found)) return false;
    const auto id = static_cast<field_id>(found);
    bool taken = false;
    if (found < 0) {
      taken = take_plain_custom(tokens, key, keys.distinct_custom());
    } else if (!fields.claim_quietly(id)) {
      return false;
    } else if (id == field_id::attributes) {
      token_cursor inner = tokens;  // its address is taken, not that of `tokens`
      taken = take_plain_attributes(inner);
      tokens = inner;
    } else {
      taken = take_plain_named(tokens, id);
    }
    const char separator = *tokens.peek();
    tokens.advance(1);
    if (!taken || separator != ',') {
      cursor = tokens;
      return taken && separator == '}';
    }
  }
}

bool record_normaliser::state::take_plain_attributes(token_cursor& cursor) {
  token_cursor tokens = cursor;  // in a register, as in take_plain_fields()
  if (*tokens.peek() != '{') {
    json_scalar scalar;  // null is no attributes; anything else is refused by take_container()
    if (!read_plain_scalar(tokens, scalar) || scalar.kind != json_kind::null) return false;
    cursor = tokens;
    cursor.advance(1);
    return true;
  }
  tokens.advance(1);
  for (;;) {
    wire_text name;
    int found = -1;
    if (!read_plain_key(tokens, name, found)) return false;
    const auto id = static_cast<field_id>(found);
    bool taken = false;
    if (found < 0 || !is_standard(id)) {
      // One call site: each inlined copy of the custom attribute's path is a kilobyte of code.
      // distinct_custom() holds only for names that are custom at any level (take_container()).
      taken = take_plain_custom(tokens, name, found < 0 && keys.distinct_custom());
    } else {
      taken = fields.claim_quietly(id) && take_plain_named(tokens, id);
    }
    const char separator = *tokens.peek();
    tokens.advance(1);
    // A '}' that is the line's last token closes the record, not this object: malformed.
    if (!taken || separator != ',') {
      cursor = tokens;
      return taken && separator == '}' && !cursor.at_end();
    }
  }
}

bool record_normaliser::state::take_plain_named(token_cursor& tokens, field_id id) {
  json_scalar scalar;
  if (!read_plain_scalar(tokens, scalar)) return false;
  tokens.advance(1);
  return accept_named(id, scalar);
}

bool record_normaliser::state::take_plain_custom(token_cursor& tokens, const wire_text& name,
                                                 bool distinct) {
  const int known = start_custom(name, distinct);
  json_scalar scalar;
  if (known == refused_custom || !read_plain_scalar(tokens, scalar)) return false;
  tokens.advance(1);
  if (scalar.kind == json_kind::null) return true;
  // Whether a longer number fits is simdjson's number parser's to say, on the slow path.
  if (scalar.kind == json_kind::number && !is_short_number(scalar.text)) return false;
  return accept_custom_scalar(name, scalar, known);
}

bool record_normaliser::state::read_plain_key(token_cursor& tokens, wire_text& key, int& found) {
  // The ':' is checked only once the key is known to be a string: a string is not the last
  // token, so the token after it exists.
  const char* quote = tokens.peek();
  if (*quote != '"' || *tokens.peek(1) != ':') return false;
  const auto guessed = keys.guess(quote + 1);
  if (guessed.field != recent_keys::not_guessed) {
    key = {std::string_view(quote + 1, guessed.size), true};
    found = guessed.field;
  } else {
    if (!view_plain_string(quote + 1, key.text)) return false;  // escaped: the slow way
    key.plain = true;
    found = keys.lookup(key.text, true);
  }
  tokens.advance(2);
  return true;
}

bool record_normaliser::state::read_plain_scalar(token_cursor& tokens, json_scalar& out) {
  const char* start = tokens.peek();
  if (*start == '"') {  // as read_string()
    out.kind = json_kind::string;
    out.plain = view_plain_string(start + 1, out.text);
    return out.plain || tokens.unescape(start, out.text) == simdjson::SUCCESS;
  }
  const std::string_view token = trim_json_space_right(tokens.token());
  out.text = token;
  if (*start == '-' || (*start >= '0' && *start <= '9')) {
    out.kind = json_kind::number;
    return is_json_number(token);
  }
  if (const auto literal = boolean_literal(token)) {
    out.kind = json_kind::boolean;
    out.text = *literal;
    return true;
  }
  out.kind = json_kind::null;
  out.text = {};
  return token == "null";  // containers, broken literals: the slow path
}

error_code record_normaliser::state::take_top_field(const wire_text& key, int found,
                                                    od::value& value) {
  // The id as a plain int, and captured by value below: an optional, or a capture by
  // reference, kept it in memory and reloaded it in pieces on every key.
  if (found < 0) return take_custom(key, value, keys.distinct_custom());
  const auto id = static_cast<field_id>(found);
  if (!fields.claim(id, key.text, {})) {
    fail_with([this, id, text = key.text] { return fields.duplicate(id, text, {}); });
    return skip(value);
  }
  if (id == field_id::attributes) return take_container(key.text, value);
  return take_named(id, value);
}

error_code record_normaliser::state::take_container(std::string_view key, od::value& value) {
  json_scalar scalar;
  if (auto error = decode(value, scalar)) return error;
  if (scalar.kind == json_kind::null) return simdjson::SUCCESS;
  if (scalar.kind != json_kind::object) {
    fail_with([=, this] {
      return reject{reject_code::bad_attr_value,
                    fmt::format("{} must be an object, got {}", key, describe(scalar))};
    });
    return is_container(scalar) ? skip(value) : simdjson::SUCCESS;
  }
  od::object object;
  if (auto error = value.get_object().get(object)) return error;
  for (auto field_result : object) {
    if (auto error = field_result.error()) return error;
    od::field& field = field_result.value_unsafe();
    if (pending) {
      if (auto error = skip_field(field)) return error;
      continue;
    }
    wire_text name;
    int found = -1;
    if (auto error = read_field_key(field, keys, name, found)) return error;
    error_code error = simdjson::SUCCESS;
    const auto id = static_cast<field_id>(found);
    if (found < 0) {
      error = take_custom(name, field.value(), keys.distinct_custom());
    } else if (!is_standard(id)) {
      // Refused there; distinct_custom() holds only for names that are custom at any level.
      error = take_custom(name, field.value(), false);
    } else if (!fields.claim(id, name.text, key)) {
      fail_with([this, id, text = name.text, key] { return fields.duplicate(id, text, key); });
      error = skip(field.value());
    } else {
      error = take_named(id, field.value());
    }
    if (error) return error;
  }
  return simdjson::SUCCESS;
}

error_code record_normaliser::state::take_named(field_id id, od::value& value) {
  json_scalar scalar;
  if (auto error = decode(value, scalar)) return error;
  if (!accept_named(id, scalar) && is_container(scalar)) return skip(value);
  return simdjson::SUCCESS;
}

bool record_normaliser::state::accept_named(field_id id, const json_scalar& scalar) {
  // Padded: the text is in the input line or the parser's string buffer.
  const auto text = is_identity(id) ? identity_text(id, scalar) : standard_text<true>(id, scalar);
  if (!text) {
    fail_with([=, this] {
      std::string_view unused;
      auto problem =
          is_identity(id) ? check_identity(id, scalar, unused) : check_standard(id, scalar, unused);
      return problem ? std::move(*problem) : reject{reject_code::bad_string_field, "rule broken"};
    });
    return false;
  }
  fields.set(id, {*text, scalar.plain || has_canonical_text(id)});
  return true;
}

error_code record_normaliser::state::take_custom(const wire_text& name, od::value& value,
                                                 bool distinct) {
  const int known = start_custom(name, distinct);
  if (known == refused_custom) return skip(value);
  json_scalar scalar;
  if (auto error = decode(value, scalar)) return error;
  switch (scalar.kind) {
    case json_kind::null:
      return simdjson::SUCCESS;  // not provided
    case json_kind::object:
      return take_custom_object(name, value, known);
    case json_kind::array:
      fail_with([=, this] {
        return reject{reject_code::bad_attr_value,
                      fmt::format("attribute {} is an array (not supported: use an object or "
                                  "a string)",
                                  quote_for_message(name.text))};
      });
      return skip(value);
    default:
      break;
  }
  if (scalar.kind == json_kind::number && !is_short_number(scalar.text) && !number_fits(value)) {
    fail_with([=, this] {
      return reject{reject_code::bad_attr_value,
                    fmt::format("attribute {} {} does not fit a 64-bit integer or a double",
                                quote_for_message(name.text), describe(scalar))};
    });
    return simdjson::SUCCESS;
  }
  accept_custom_scalar(name, scalar, known);
  return simdjson::SUCCESS;
}

int record_normaliser::state::start_custom(const wire_text& name, bool distinct) {
  // The registered type as a plain int (-1: none yet): an optional, or out-parameters, went
  // through memory and were reloaded in pieces.
  int known = keys.cached_type();
  if (!fields.claim_custom(name.text, distinct)) {
    fail_with([=, this] {
      return reject{reject_code::duplicate_key,
                    fmt::format("attribute {} is given twice", quote_for_message(name.text))};
    });
    return refused_custom;
  }
  if (known < 0) {
    // A name with a registered type passed the name rules when it was registered.
    if (!is_valid_attr_name(name.text)) {
      fail_with([=, this] {
        auto problem = check_attr_name(name.text);
        return problem ? std::move(*problem) : reject{reject_code::bad_attr_name, "bad name"};
      });
      return refused_custom;
    }
    if (const auto registered = types.find(name.text)) {
      known = static_cast<int>(*registered);
      keys.cache_type(*registered);
    }
  }
  return known;
}

bool record_normaliser::state::accept_custom_scalar(const wire_text& name,
                                                    const json_scalar& scalar, int known) {
  if (scalar.kind == json_kind::string && exceeds_code_points(scalar.text, max_attr_value_chars)) {
    fail_with([=, this] { return *check_attr_string(name.text, scalar.text); });
    return false;
  }
  const auto type = attr_type_of(scalar.kind);
  if (!admit_type(name.text, type, scalar, known)) return false;
  fields.add_custom(name, type, {scalar.text, scalar.plain}, known >= 0);
  return true;
}

error_code record_normaliser::state::take_custom_object(const wire_text& name, od::value& value,
                                                        int known) {
  if (options.max_depth == 0) {
    fail_with([=, this] {
      return reject{
          reject_code::bad_attr_value,
          fmt::format("attribute {} is an object (not allowed)", quote_for_message(name.text))};
    });
    return skip(value);
  }
  od::object object;
  if (auto error = value.get_object().get(object)) return error;
  auto& buffer = fields.object_buffer();
  const std::size_t offset = buffer.size();
  const auto walk = write_compact_object(object, buffer, options.max_depth - 1);
  if (walk.status == walk_status::malformed) return walk.error;
  if (walk.status != walk_status::ok) {
    buffer.truncate(offset);
    fail_with([=, this] {
      return reject{reject_code::bad_attr_value,
                    walk.status == walk_status::too_deep
                        ? fmt::format("attribute {} nests deeper than {} levels",
                                      quote_for_message(name.text), options.max_depth)
                        : fmt::format("attribute {} holds a number that does not fit a 64-bit "
                                      "integer or a double",
                                      quote_for_message(name.text))};
    });
    return simdjson::SUCCESS;  // the rest of this value is skipped unchecked
  }
  if (admit_type(name.text, attr_type::object, {json_kind::object, {}}, known)) {
    fields.add_object(name, offset, known >= 0);
  } else {
    buffer.truncate(offset);
  }
  return simdjson::SUCCESS;
}

bool record_normaliser::state::admit_type(std::string_view name, attr_type type,
                                          const json_scalar& value, int known) {
  if (known >= 0) {
    if (static_cast<attr_type>(known) == type) return true;
    fail_with([=, this] {
      return reject{
          reject_code::attr_type_changed,
          fmt::format("attribute {} was {}, now {}", quote_for_message(name),
                      attr_type_name(static_cast<attr_type>(known)), describe_typed(value))};
    });
    return false;
  }
  if (types.size() + ++new_names > options.max_attribute_names) {
    fail_with([=, this] {
      return reject{reject_code::too_many_attr_names,
                    fmt::format("attribute {} would be custom attribute name number {} of this "
                                "run (at most {})",
                                quote_for_message(name), types.size() + new_names,
                                options.max_attribute_names)};
    });
    return false;
  }
  return true;
}

error_code record_normaliser::state::skip(od::value& value) {
  const auto walk = write_compact(value, scratch, validation_depth);
  scratch.clear();
  return walk.status == walk_status::malformed ? walk.error : simdjson::SUCCESS;
}

error_code record_normaliser::state::skip_field(od::field& field) {
  std::string_view unused_key;
  bool unused_plain = false;
  if (auto error = read_key(field, unused_key, unused_plain)) return error;
  return skip(field.value());
}

record_normaliser::record_normaliser(normaliser_options options)
    : state_(std::make_unique<state>(options)) {}
record_normaliser::~record_normaliser() = default;
record_normaliser::record_normaliser(record_normaliser&&) noexcept = default;
record_normaliser& record_normaliser::operator=(record_normaliser&&) noexcept = default;

std::optional<reject> record_normaliser::append_wire(std::string_view line, text_buffer& out) {
  return state_->run(line, out);
}

std::optional<reject> record_normaliser::normalise(std::string_view line, std::string& wire) {
  auto& out = state_->single;
  out.clear();
  auto result = state_->run(line, out);
  wire.assign(out.view());
  return result;
}

const attribute_types& record_normaliser::types() const noexcept {
  return state_->types;
}

std::uint64_t record_normaliser::fast_path_records() const noexcept {
  return state_->backoff.records_taken();
}

std::uint64_t record_normaliser::fast_path_wasted() const noexcept {
  return state_->backoff.records_wasted();
}

const normaliser_options& record_normaliser::options() const noexcept {
  return state_->options;
}

}  // namespace nv::record

#pragma once
// JSON text in and out the way Python's `json` module does it, byte for byte.
//
// The `dataloop` export format must equal `json.dumps(obj, indent=2)` of the SDK, and the platform
// sends numbers nlohmann cannot hold (integers beyond 64 bits). So:
// - parse_json() (common/json.h) keeps such integers exact: they are stored as a Json *binary*
// value with subtype
//   kBigIntSubtype holding the literal digits (JSON text never produces binary values, so the
//   encoding is unambiguous). Everything else parses as nlohmann does; duplicate keys keep the
//   first position and the last value, like Python's dict.
// - JsonWriter streams Python-style output: `indent=2` or compact separators, ensure_ascii
//   escaping with lowercase `\uXXXX` and surrogate pairs, Python's float repr, `Infinity`/`NaN`.
// Pure functions and a single-threaded writer; no I/O.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace dlexport::format {

// parse_json, is_big_int and make_big_int live in common/json.h (the platform client parses
// with them too, so big integers survive from the wire to the export file).
using dlexport::is_big_int;
using dlexport::kBigIntSubtype;
using dlexport::make_big_int;
using dlexport::parse_json;

// Appends Python's repr() of a float ("110.0", "1e-07", "1.2345678901234568e+17", "-0.0") as
// json.dumps writes it ("Infinity", "-Infinity", "NaN" for the non-finite values).
void append_python_float(std::string& out, double value);

struct WriterStyle {
  int indent = 2;            // 0: compact
  bool ensure_ascii = true;  // escape every non-ASCII character as \uXXXX
  // Compact separators: Python's default is ", " and ": "; raw output uses "," and ":".
  bool tight = false;
};

// Streams JSON into a string. Callers pair begin/end calls and call key() before every object
// member; the writer places separators, newlines and indentation.
class JsonWriter {
 public:
  JsonWriter(std::string& out, WriterStyle style) : out_(out), style_(style) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name);
  void value(const Json& v);  // any value, recursively
  void null_value();
  void bool_value(bool b);
  void int_value(std::int64_t i);
  void float_value(double d);
  void string_value(std::string_view s);

 private:
  struct Level {
    bool first = true;
  };
  void open(char bracket);
  void close(char bracket);
  void before_value();
  void newline_indent(std::size_t depth);
  void write_string(std::string_view s, std::string_view closing = "\"");

  std::string& out_;
  WriterStyle style_;
  std::vector<Level> levels_;
  bool after_key_ = false;
};

// Convenience: the whole value as Python would dump it.
std::string dump_python(const Json& v, WriterStyle style = {});

}  // namespace dlexport::format

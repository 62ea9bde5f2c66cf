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
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "common/json.h"
#include "common/json_doc.h"
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

// An object key for JsonWriter::key(). A string literal is checked while compiling (printable
// ASCII without '"' or '\\', so it never needs escaping) and then written without a scan, which
// matters for formats made of thousands of short fixed keys; any other text is escaped as usual.
class JsonKey {
 public:
  template <std::size_t N>
  consteval JsonKey(const char (&literal)[N])  // NOLINT: implicit by design
      : text_(literal, N - 1), verbatim_(true) {
    for (const char c : text_) {
      if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
        throw "JsonKey: a literal key must be printable ASCII without quotes or backslashes";
      }
    }
  }
  JsonKey(std::string_view text) : text_(text) {}    // NOLINT: implicit by design
  JsonKey(const std::string& text) : text_(text) {}  // NOLINT: implicit by design

  std::string_view text() const { return text_; }
  bool verbatim() const { return verbatim_; }

 private:
  std::string_view text_;
  bool verbatim_ = false;
};

// Streams JSON text into a buffer it owns; take() hands the text over. Callers pair begin/end
// calls and call key() before every object member; the writer places separators, newlines and
// indentation. The buffer is written through a cursor with one capacity check per token (an
// export file is thousands of small tokens, where std::string::append's per-call overhead was
// most of the cost).
class JsonWriter {
 public:
  // size_hint: the expected output size; the buffer grows past it when needed.
  explicit JsonWriter(WriterStyle style, std::size_t size_hint = 1024);

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(JsonKey name);
  void value(const Json& v);      // any value, recursively
  void value(const JsonNode& v);  // the same for a JsonDoc's node
  void null_value();
  void bool_value(bool b);
  void int_value(std::int64_t i);
  void float_value(double d);
  void string_value(std::string_view s);

  // The text written so far; the writer starts over empty.
  std::string take();

 private:
  void open(char bracket);
  void close(char bracket);
  void before_value();
  void write_string(std::string_view s, std::string_view closing);
  void write_escaped(std::string_view s, std::size_t from);

  // At least n writable bytes at the cursor; returns the cursor. Advance with commit().
  char* room(std::size_t n) {
    if (capacity_ - len_ < n) grow(n);
    return buf_.get() + len_;
  }
  void commit(const char* end) { len_ = static_cast<std::size_t>(end - buf_.get()); }
  void put(std::string_view s) { commit(copy_bytes(room(s.size()), s)); }
  void put(char c) {
    *room(1) = c;
    ++len_;
  }
  void grow(std::size_t n);

  // memcpy for the short runs JSON is made of (keys, numbers, separators): inline, without a
  // library call for anything up to 16 bytes. Returns the end of the copy.
  static char* copy_bytes(char* dst, std::string_view s) {
    const char* src = s.data();
    const std::size_t n = s.size();
    if (n >= 8 && n <= 16) {  // two overlapping words
      std::uint64_t head;
      std::uint64_t tail;
      std::memcpy(&head, src, 8);
      std::memcpy(&tail, src + n - 8, 8);
      std::memcpy(dst, &head, 8);
      std::memcpy(dst + n - 8, &tail, 8);
    } else if (n < 8) {
      for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
    } else {
      std::memcpy(dst, src, n);
    }
    return dst + n;
  }

  WriterStyle style_;
  // Not a std::string: growing one zero-fills the new capacity, which cost as much as the copy
  // take() makes. The text is buf_[0, len_).
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_;
  std::size_t len_ = 0;
  std::size_t depth_ = 0;   // open objects and arrays
  bool first_ = true;       // no value yet in the innermost open container
  bool after_key_ = false;  // a key was written; its value follows without a separator
};

// Convenience: the whole value as Python would dump it.
std::string dump_python(const Json& v, WriterStyle style = {});

}  // namespace dlexport::format

#include "common/json.h"

#include <string>
#include <vector>

namespace dlexport {
namespace {

// Forwards every SAX event to nlohmann's DOM builder, except integer literals that overflowed
// 64 bits: nlohmann would hand them over as doubles, Python keeps them exact.
class BigIntPreservingSax {
 public:
  explicit BigIntPreservingSax(Json& root) : dom_(root, true) {}

  bool null() { return dom_.null(); }
  bool boolean(bool b) { return dom_.boolean(b); }
  bool number_integer(Json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(Json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(Json::number_float_t v, const Json::string_t& literal) {
    if (literal.find_first_of(".eE") == std::string::npos) {
      Json::binary_t digits(std::vector<std::uint8_t>(literal.begin(), literal.end()),
                            kBigIntSubtype);
      return dom_.binary(digits);
    }
    return dom_.number_float(v, literal);
  }
  bool string(Json::string_t& s) { return dom_.string(s); }
  bool binary(Json::binary_t& b) { return dom_.binary(b); }
  bool start_object(std::size_t n) { return dom_.start_object(n); }
  bool key(Json::string_t& k) { return dom_.key(k); }
  bool end_object() { return dom_.end_object(); }
  bool start_array(std::size_t n) { return dom_.start_array(n); }
  bool end_array() { return dom_.end_array(); }
  template <typename Exception>
  bool parse_error(std::size_t pos, const std::string& token, const Exception& ex) {
    return dom_.parse_error(pos, token, ex);
  }

 private:
  nlohmann::detail::json_sax_dom_parser<Json> dom_;
};

}  // namespace

Result<Json> parse_json(std::string_view text, std::string_view what) {
  Json root;
  BigIntPreservingSax sax(root);
  try {
    Json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const Json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    std::string message = e.what();
    if (auto pos = message.find("] "); pos != std::string::npos) message.erase(0, pos + 2);
    return invalid_argument(std::string(what) + ": " + message);
  }
  return root;
}

bool is_big_int(const Json& value) {
  return value.is_binary() && value.get_binary().has_subtype() &&
         value.get_binary().subtype() == kBigIntSubtype;
}

Json make_big_int(std::string_view digits) {
  return Json::binary(std::vector<std::uint8_t>(digits.begin(), digits.end()), kBigIntSubtype);
}

}  // namespace dlexport

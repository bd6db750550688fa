#include "util/json.hpp"

namespace hb {

Result<Json>
parse_json(std::string_view text, std::string_view what)
{
  // Exceptions stay inside this function: nlohmann's parse_error carries the
  // byte offset that makes the message useful, the non-throwing API does not.
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    std::string reason = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    if (auto pos = reason.find("] "); pos != std::string::npos) {
      reason = reason.substr(pos + 2);
    }
    Json details = {{"byte", e.byte}};
    return make_error("validation.invalid_json",
                      std::string(what) + " is not valid JSON: " + reason,
                      details.dump());
  } catch (const Json::exception& e) {
    // e.g. out_of_range for a number that overflows a double (1e999).
    std::string reason = e.what();
    if (auto pos = reason.find("] "); pos != std::string::npos) {
      reason = reason.substr(pos + 2);
    }
    return make_error("validation.invalid_json",
                      std::string(what) + " is not valid JSON: " + reason);
  }
}

std::string
dump_json(const Json& value, int indent)
{
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

const char*
json_type_name(const Json& value)
{
  switch (value.type()) {
  case Json::value_t::object: return "object";
  case Json::value_t::array: return "array";
  case Json::value_t::string: return "string";
  case Json::value_t::boolean: return "boolean";
  case Json::value_t::null: return "null";
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned:
  case Json::value_t::number_float: return "number";
  default: return "value";
  }
}

Json
details_json(const Error& error)
{
  Json parsed = Json::parse(error.details, nullptr, false);
  return parsed.is_object() ? parsed : Json::object();
}

} // namespace hb

#include "util/json.hpp"

#include <fmt/core.h>

#include <optional>
#include <vector>

namespace hb {

namespace {

struct DepthProblem
{
  std::size_t byte = 0;
  std::string path; // "$.a[3].b", cut when long
};

// One pass over the text that tracks only containers, strings and keys, so
// the key path of the first too-deep container can be named. Malformed input
// is left for the real parser to describe; this only answers "too deep?".
std::optional<DepthProblem>
find_too_deep(std::string_view text, std::size_t limit)
{
  struct Level
  {
    bool object = false;
    std::size_t index = 0;   // arrays: current element
    std::string key;         // objects: the last key seen
  };
  std::vector<Level> stack;
  std::string last_string;
  bool expecting_key = false;
  auto path = [&] {
    std::string out = "$";
    for (const auto& level : stack) {
      if (out.size() > 120) {
        out += "…";
        break;
      }
      out += level.object ? "." + truncate_for_message(level.key, 40)
                          : fmt::format("[{}]", level.index);
    }
    return out;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
    case '"': {
      std::size_t start = ++i;
      while (i < text.size() && text[i] != '"') {
        i += text[i] == '\\' ? 2 : 1;
      }
      if (expecting_key) {
        last_string.assign(text.substr(start, std::min(i, text.size()) - start));
      }
      break;
    }
    case '[':
    case '{':
      if (stack.size() >= limit) {
        return DepthProblem{i, path()};
      }
      stack.push_back({c == '{', 0, {}});
      expecting_key = c == '{';
      break;
    case ']':
    case '}':
      if (!stack.empty()) stack.pop_back();
      expecting_key = false;
      break;
    case ':':
      if (!stack.empty() && stack.back().object) {
        stack.back().key = last_string;
      }
      expecting_key = false;
      break;
    case ',':
      if (!stack.empty()) {
        if (stack.back().object) {
          expecting_key = true;
        } else {
          ++stack.back().index;
        }
      }
      break;
    default: break;
    }
  }
  return std::nullopt;
}

std::string
strip_exception_prefix(std::string reason)
{
  // "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
  if (auto pos = reason.find("] "); pos != std::string::npos) {
    reason = reason.substr(pos + 2);
  }
  return reason;
}

} // namespace

Result<Json>
parse_json(std::string_view text, std::string_view what)
{
  if (auto deep = find_too_deep(text, k_json_max_depth)) {
    Json details = {{"byte", deep->byte}, {"path", deep->path}, {"max_depth", k_json_max_depth}};
    return make_error("validation.json_too_deep",
                      fmt::format("{} nests arrays and objects deeper than {} levels (at {}, "
                                  "byte {}); flatten the document",
                                  what, k_json_max_depth, deep->path, deep->byte),
                      dump_json(details));
  }
  // Exceptions stay inside this function: nlohmann's parse_error carries the
  // byte offset that makes the message useful, the non-throwing API does not.
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    Json details = {{"byte", e.byte}};
    return make_error("validation.invalid_json",
                      std::string(what) + " is not valid JSON: " + strip_exception_prefix(e.what()),
                      dump_json(details));
  } catch (const Json::exception& e) {
    // e.g. out_of_range for a number that overflows a double (1e999).
    return make_error("validation.invalid_json",
                      std::string(what) + " is not valid JSON: " + strip_exception_prefix(e.what()));
  }
}

Json
parse_json_or_discard(std::string_view text)
{
  if (find_too_deep(text, k_json_max_depth)) {
    return Json(Json::value_t::discarded);
  }
  return Json::parse(text.begin(), text.end(), nullptr, false);
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
  Json parsed = parse_json_or_discard(error.details);
  return parsed.is_object() ? parsed : Json::object();
}

} // namespace hb

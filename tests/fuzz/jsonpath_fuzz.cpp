// Fuzz target: JSONPath (RFC 9535), typed by users into `runs query` and
// friends. Input: the query up to the first newline, then (optionally) a JSON
// document to select from. Parsing gives a query or an error with a message;
// selecting never crashes, and every selected node has a normalized path.

#include "analysis/jsonpath.hpp"
#include "fuzz_check.hpp"
#include "util/json.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

const hb::Json&
default_document()
{
  static const hb::Json doc = hb::Json::parse(R"({
    "id": "run-1", "status": "succeeded", "labels": {"ci": "yes", "": null},
    "scenarios": [
      {"id": "sort", "metrics": {"p50_ms": 1.5, "samples": [1, 2, 3e3, -0.0]}},
      {"id": "grep", "metrics": {"p50_ms": null}, "tags": ["a", "b", true, false]}
    ],
    "nested": {"a": {"b": {"c": [[[1]], {"d": "e"}]}}}
  })");
  return doc;
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view query = input;
  std::string_view document;
  if (auto newline = input.find('\n'); newline != std::string_view::npos) {
    query = input.substr(0, newline);
    document = input.substr(newline + 1);
  }
  auto path = hb::analysis::JsonPath::parse(query);
  hb::fuzz::require_explained(path);
  if (!path) {
    return 0;
  }
  hb::Json parsed;
  const hb::Json* root = &default_document();
  if (!document.empty()) {
    auto doc = hb::parse_json(document, "fuzz document");
    hb::fuzz::require_explained(doc);
    if (doc) {
      parsed = std::move(*doc);
      root = &parsed;
    }
  }
  auto values = path->select(*root);
  auto located = path->select_located(*root);
  hb::fuzz::require(values.size() == located.size());
  for (std::size_t i = 0; i < located.size(); ++i) {
    hb::fuzz::require(located[i].value == values[i]);
    hb::fuzz::require(!located[i].path.empty() && located[i].path[0] == '$');
  }
  return 0;
}

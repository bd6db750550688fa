#pragma once
// Shared by the results contract tests: a valid document to start from, and
// parse helpers that report the error message when an expectation fails.

#include "bench/results/results.hpp"
#include "util/json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace hb::bench::test {

inline constexpr std::string_view k_file = "results file /x/bench-results.json";

inline ParseOptions
test_options()
{
  ParseOptions options;
  options.source_name = std::string(k_file);
  return options;
}

/// One scenario, "cold-boot", with a p95 metric: valid as is.
inline Json
minimal_document()
{
  return Json::parse(R"({
    "component_id": "studio",
    "iterations": 10,
    "scenarios": [
      {"id": "cold-boot", "iterations": 10, "metrics": {"p95_ms": 120.5}}
    ]
  })");
}

inline Result<BenchResults>
parse_text(std::string_view text)
{
  return parse_results(text, test_options());
}

inline Result<BenchResults>
parse_doc(const Json& document)
{
  return parse_text(dump_json(document));
}

/// Parses a document that must be valid.
inline BenchResults
parse_ok(const Json& document)
{
  auto parsed = parse_doc(document);
  if (!parsed) {
    ADD_FAILURE() << "unexpected error: " << parsed.error().message;
    return {};
  }
  return std::move(*parsed);
}

/// Parses text that must be refused with `results.invalid`.
inline Error
text_error(std::string_view text)
{
  auto parsed = parse_text(text);
  if (parsed) {
    ADD_FAILURE() << "expected an error for: " << text;
    return {};
  }
  EXPECT_EQ(parsed.error().code, "results.invalid");
  // Every message names the file.
  EXPECT_THAT(parsed.error().message, ::testing::StartsWith(std::string(k_file)));
  EXPECT_EQ(details_json(parsed.error()).value("file", ""), k_file);
  return parsed.error();
}

inline Error
doc_error(const Json& document)
{
  return text_error(dump_json(document));
}

inline Json
details(const Error& error)
{
  return details_json(error);
}

} // namespace hb::bench::test

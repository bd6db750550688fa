// The JSONPath Compliance Test Suite (tests/fixtures/jsonpath-cts, BSD-2, see
// its LICENSE), every case as it is: invalid selectors must fail to parse,
// the others must select the suite's values with the suite's normalized
// paths, in its order (or in one of its orders, where it allows several).

#include "analysis/jsonpath.hpp"
#include "util/fs.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace hb::analysis {
namespace {

// Deep equality regardless of member order: the suite's expected objects need
// not list members in the document's order.
bool
same_json(const Json& a, const Json& b)
{
  return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump());
}

/// Why a case fails, or nothing when it passes.
std::optional<std::string>
run_case(const Json& test)
{
  const auto& selector = test.at("selector").get_ref<const std::string&>();
  const auto path = JsonPath::parse(selector);
  if (test.value("invalid_selector", false)) {
    if (path) {
      return "parsed, but the suite says the selector is invalid";
    }
    return std::nullopt;
  }
  if (!path) {
    return "did not parse: " + path.error().message;
  }
  Json values = Json::array();
  Json paths = Json::array();
  for (const auto& node : path->select_located(test.at("document"))) {
    values.push_back(*node.value);
    paths.push_back(node.path);
  }
  if (test.contains("result")) {
    if (same_json(values, test.at("result")) && paths == test.at("result_paths")) {
      return std::nullopt;
    }
  } else {
    const Json& results = test.at("results");
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (same_json(values, results[i]) && paths == test.at("results_paths")[i]) {
        return std::nullopt;
      }
    }
  }
  return "selected " + values.dump() + " at " + paths.dump();
}

TEST(JsonPathCts, EveryCasePasses)
{
  const auto text = fs::read_file(HB_FIXTURES_DIR "/jsonpath-cts/cts.json");
  ASSERT_TRUE(text) << text.error().message;
  const auto suite = parse_json(*text, "cts.json");
  ASSERT_TRUE(suite) << suite.error().message;
  const Json& tests = suite->at("tests");
  ASSERT_FALSE(tests.empty());

  std::size_t passed = 0;
  for (const auto& test : tests) {
    const auto failure = run_case(test);
    if (failure) {
      ADD_FAILURE() << test.at("name").get<std::string>() << "\n  selector: "
                    << test.at("selector").get<std::string>() << "\n  " << *failure;
    } else {
      ++passed;
    }
  }
  std::cout << passed << " of " << tests.size() << " CTS cases pass\n";
}

} // namespace
} // namespace hb::analysis

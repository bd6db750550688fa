// The workload's own top-level maps (`metadata`, `run_metadata`,
// `metric_groups`), which a bench run record keeps: accepted as objects (or
// PHP's empty `[]`) and kept in the normalised document; anything else is a
// clear error naming the key.

#include "results_test_support.hpp"

namespace hb::bench::test {
namespace {

using ::testing::HasSubstr;

TEST(ResultsWorkloadMaps, KeptInTheDocument)
{
  Json document = minimal_document();
  document["metadata"] = {{"site_type", "blog"}, {"validation_progress", {{"commands", Json::array()}}}};
  document["run_metadata"] = {{"runner", {{"extension", "node"}}}};
  document["metric_groups"] = {{"boot", {{"total_ms", 12.5}}}};
  BenchResults results = parse_ok(document);
  ASSERT_TRUE(results.document);
  EXPECT_EQ((*results.document)["metadata"]["site_type"], "blog");
  EXPECT_EQ((*results.document)["run_metadata"]["runner"]["extension"], "node");
  EXPECT_EQ((*results.document)["metric_groups"]["boot"]["total_ms"], 12.5);

  Json php = minimal_document();
  php["metadata"] = Json::array();
  php["metric_groups"] = {{"g", Json::array()}};
  EXPECT_TRUE(parse_doc(php)) << "PHP writes an empty map as []";
}

TEST(ResultsWorkloadMaps, WrongTypesNameTheKey)
{
  struct Case
  {
    const char* key;
    Json value;
    const char* message;
  };
  const std::vector<Case> cases = {
    {"metadata", "blog", "top-level \"metadata\" must be an object, got string \"blog\""},
    {"metadata", Json::array({1}), "top-level \"metadata\" must be an object, got array"},
    {"run_metadata", 3, "top-level \"run_metadata\" must be an object, got number 3"},
    {"metric_groups", Json::array({1}),
     "top-level \"metric_groups\" must be an object {group: {metric: number}}, got array"},
    {"metric_groups", {{"boot", 1}},
     "top-level metric_groups \"boot\" must be an object {metric: number}, got number 1"},
    {"metric_groups", {{"boot", {{"total_ms", "fast"}}}},
     "top-level metric_groups \"boot\": metric \"total_ms\" must be a finite number, got string"},
  };
  for (const auto& c : cases) {
    Json document = minimal_document();
    document[c.key] = c.value;
    Error error = doc_error(document);
    EXPECT_THAT(error.message, HasSubstr(c.message)) << c.key;
    EXPECT_EQ(details(error)["key"], c.key);
  }
  Json null_metadata = minimal_document();
  null_metadata["metadata"] = nullptr;
  EXPECT_TRUE(parse_doc(null_metadata)) << "null is 'not given', as for every optional key";
}

} // namespace
} // namespace hb::bench::test

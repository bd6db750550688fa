// The v1 bundle format's pure rules: status words both ways, labels, key
// order, test failures.

#include "app/bundle_format.hpp"
#include "util/json.hpp"

#include <gtest/gtest.h>

using namespace hb;
using namespace hb::app::bundle;

TEST(BundleFormat, StatusesRoundTripThroughTheOriginalsWords)
{
  struct Case { RunStatus status; const char* reason; const char* word; };
  for (const auto& c : std::vector<Case>{{RunStatus::succeeded, "", "pass"},
                                         {RunStatus::failed, "", "fail"},
                                         {RunStatus::failed, "owner_gone", "fail"},
                                         {RunStatus::failed, "error", "error"},
                                         {RunStatus::failed, "stale", "stale"},
                                         {RunStatus::timed_out, "", "error"},
                                         {RunStatus::cancelled, "", "skipped"},
                                         {RunStatus::cancelled, "handed_off", "handed_off"},
                                         {RunStatus::queued, "", "running"},
                                         {RunStatus::running, "", "running"}}) {
    EXPECT_EQ(portable_status(c.status, c.reason), c.word) << to_string(c.status) << " " << c.reason;
    auto back = status_from_portable(c.word);
    ASSERT_TRUE(back) << c.word;
    // Reading the word back and writing it again gives the same word.
    EXPECT_EQ(portable_status(back->status, back->terminal_reason), c.word);
  }
  EXPECT_EQ(status_from_portable("succeeded")->status, RunStatus::succeeded);
  EXPECT_FALSE(status_from_portable("bogus"));
}

TEST(BundleFormat, LabelsAreTheLastPathSegment)
{
  EXPECT_EQ(portable_label("/data/artifacts/run/bench-results.json", "id"), "bench-results.json");
  EXPECT_EQ(portable_label("C:\\runs\\x\\trace.json", "id"), "trace.json");
  EXPECT_EQ(portable_label("/data/dir/", "id"), "dir");
  EXPECT_EQ(portable_label("", "id"), "id");
  EXPECT_EQ(portable_label("///", "id"), "id");
}

TEST(BundleFormat, SortedOrdersKeysAtEveryDepth)
{
  Json v = Json::parse(R"({"b": 1, "a": {"z": [ {"y": 1, "x": 2} ], "c": null}, "A": 2.5})");
  EXPECT_EQ(dump_json(sorted(v)), R"({"A":2.5,"a":{"c":null,"z":[{"x":2,"y":1}]},"b":1})");
  EXPECT_EQ(dump_json(sorted(Json::parse("[3, 1]"))), "[3,1]");
}

TEST(BundleFormat, TestFailuresAreMarkedInMetadata)
{
  Finding f;
  f.tool = "test";
  f.metadata_json = R"({"record_kind": "failure"})";
  EXPECT_TRUE(is_test_failure(f));
  f.metadata_json = R"({"source_sidecar": "test-failures"})";
  EXPECT_TRUE(is_test_failure(f));
  f.metadata_json = R"({"record_kind": "note"})";
  EXPECT_FALSE(is_test_failure(f));
  f.tool = "budget";
  f.metadata_json = R"({"record_kind": "failure"})";
  EXPECT_FALSE(is_test_failure(f));
}

TEST(BundleFormat, KnowsItsEntries)
{
  EXPECT_TRUE(is_bundle_entry("manifest.json"));
  EXPECT_TRUE(is_bundle_entry("artifact-bytes"));
  EXPECT_TRUE(is_bundle_entry("homeboy_extras.json"));
  EXPECT_FALSE(is_bundle_entry("notes.md"));
}

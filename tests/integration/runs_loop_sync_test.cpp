// runs loop-sync: each archive directory becomes one run with its triage
// status and artifacts; a second sync records only new archives.

#include "integration/harness.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class LoopSync : public HomeboyTest
{
protected:
  fs::path archives() const { return root_ / "archives"; }

  Json sync(std::vector<std::string> extra = {})
  {
    std::vector<std::string> args = {"runs", "loop-sync", archives().string(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload();
  }

  static std::vector<std::string> states(const Json& payload)
  {
    std::vector<std::string> out;
    for (const auto& a : payload["archives"]) out.push_back(a["name"].get<std::string>() + ":" + a["state"].get<std::string>());
    return out;
  }
};

} // namespace

TEST_F(LoopSync, RecordsEachArchiveOnceWithItsTriage)
{
  write_file(archives() / "iter-001" / "triage.json", R"({"status": "pass", "cases": 12})");
  write_file(archives() / "iter-001" / "transcript.log", "all good\n");
  write_file(archives() / "iter-002" / "summary.json", R"({"status": "fail", "failures": ["a"]})");
  write_file(archives() / "iter-003" / "triage.json", "not json");
  write_file(archives() / ".partial" / "triage.json", "{}"); // hidden: skipped

  Json dry = sync({"--dry-run"});
  EXPECT_EQ(dry["command"], "runs.loop-sync");
  EXPECT_EQ(states(dry), (std::vector<std::string>{"iter-001:new", "iter-002:new", "iter-003:new"}));
  EXPECT_TRUE(list_runs({"--kind", "loop"}).empty()) << "a dry run records nothing";

  Json first = sync({"--component", "studio", "--label", "nightly"});
  EXPECT_EQ(first["new"], 3);
  auto runs = list_runs({"--kind", "loop", "--component", "studio"});
  ASSERT_EQ(runs.size(), 3u);

  const std::string ok_id = first["archives"][0]["run_id"];
  Json ok = show_run(ok_id);
  EXPECT_EQ(ok["run_status"], "succeeded");
  EXPECT_EQ(ok["metadata"]["triage"]["cases"], 12);
  EXPECT_EQ(ok["metadata"]["loop_sync"]["archive"], "iter-001");
  EXPECT_EQ(ok["metadata"]["loop_sync"]["label"], "nightly");
  EXPECT_EQ(ok["metadata"]["loop_sync"]["files"], 2);
  std::vector<std::string> kinds;
  for (const auto& a : ok["artifacts"]) kinds.push_back(a["kind"]);
  EXPECT_THAT(kinds, ::testing::UnorderedElementsAre("loop_archive", "loop_triage"));

  EXPECT_EQ(show_run(first["archives"][1]["run_id"])["run_status"], "failed");
  Json bad = show_run(first["archives"][2]["run_id"]);
  EXPECT_EQ(bad["run_status"], "failed");
  EXPECT_EQ(bad["terminal_reason"], "triage_unreadable");
  EXPECT_THAT(bad["metadata"]["triage_error"].get<std::string>(), HasSubstr("not a JSON object"));

  // Idempotent: a new archive is recorded, the old ones are not again.
  write_file(archives() / "iter-004" / "triage.json", R"({"status": "pass"})");
  Json second = sync();
  EXPECT_EQ(states(second), (std::vector<std::string>{"iter-001:synced", "iter-002:synced",
                                                      "iter-003:synced", "iter-004:recorded"}));
  EXPECT_EQ(list_runs({"--kind", "loop"}).size(), 4u);
}

TEST_F(LoopSync, AMissingArchiveRootIsABadArgument)
{
  auto r = run({"runs", "loop-sync", (root_ / "nope").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is not a directory"));
  fs::create_directories(archives());
  auto empty = run({"runs", "loop-sync", archives().string()});
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_THAT(empty.out, HasSubstr("No archive directories in"));
}

// runs artifact cleanup-persisted / cleanup-downloads: dry run by default,
// --apply deletes, and nothing of a promoted, retained or active run, and
// nothing outside the artifact root, is ever deleted.

#include "integration/runs_seed.hpp"

#include <gmock/gmock.h>

using namespace hbit;
using ::testing::HasSubstr;

namespace {

class RunsCleanup : public RunsSeedTest
{
protected:
  fs::path artifacts() const { return data_ / "artifacts"; }

  std::vector<std::string> planned_ids(const Json& payload, const std::string& action)
  {
    std::vector<std::string> out;
    for (const auto& item : payload["items"]) {
      if (item["action"] == action) out.push_back(item.value("artifact_id", item["path"]));
    }
    return out;
  }
};

} // namespace

TEST_F(RunsCleanup, ApplyDeletesOnlyFinishedUnprotectedRunsArtifacts)
{
  const std::string promoted = bench_run("svc");
  const std::string retained = bench_run("svc");
  const std::string plain = bench_run("svc");
  sqlite("UPDATE runs SET promoted_at = " + std::to_string(now_ms()) + " WHERE id = " + q(promoted));
  sqlite("UPDATE runs SET retained_until = " + std::to_string(now_ms() + k_day) +
         " WHERE id = " + q(retained));
  // An active run's file, and a file of the plain run outside the artifact root.
  seed_run({.id = "active-run", .status = "running"});
  write_file(artifacts() / "active-run" / "log.txt", "still writing");
  seed_artifact("active-run", {.id = "active-log", .kind = "log",
                               .path = (artifacts() / "active-run" / "log.txt").string()});
  write_file(root_ / "mine.txt", "the user's own file");
  seed_artifact(plain, {.id = "outside", .kind = "log", .path = (root_ / "mine.txt").string()});

  auto dry = run({"runs", "artifact", "cleanup-persisted"});
  ASSERT_EQ(dry.exit_code, 0) << dry.describe();
  EXPECT_THAT(dry.out, HasSubstr("Dry run: nothing deleted. Run again with --apply"));
  EXPECT_THAT(dry.out, HasSubstr("1 kept (see reason)"));
  EXPECT_TRUE(fs::exists(artifacts() / plain / "bench-results.json")) << "a dry run deletes nothing";

  auto plan = run({"runs", "artifact", "cleanup-persisted", "--json"});
  ASSERT_EQ(plan.exit_code, 0) << plan.describe();
  Json p = plan.payload();
  EXPECT_EQ(p["command"], "runs.artifact.cleanup-persisted");
  EXPECT_EQ(p["dry_run"], true);
  for (const auto& item : p["items"]) {
    EXPECT_EQ(item["run_id"], plain) << "only the plain run's artifacts are candidates: " << item;
  }
  EXPECT_EQ(planned_ids(p, "keep"), std::vector<std::string>{"outside"});
  EXPECT_FALSE(planned_ids(p, "delete").empty());

  auto applied = run({"runs", "artifact", "cleanup-persisted", "--apply", "--json"});
  ASSERT_EQ(applied.exit_code, 0) << applied.describe();
  EXPECT_EQ(applied.payload()["dry_run"], false);
  EXPECT_FALSE(fs::exists(artifacts() / plain)) << "the emptied run directory goes too";
  EXPECT_TRUE(fs::exists(root_ / "mine.txt")) << "never a file outside the artifact root";
  EXPECT_TRUE(fs::exists(artifacts() / promoted / "bench-results.json"));
  EXPECT_TRUE(fs::exists(artifacts() / retained / "bench-results.json"));
  EXPECT_TRUE(fs::exists(artifacts() / "active-run" / "log.txt"));

  // The records went with the files; the run itself stays.
  Json left = run({"runs", "artifacts", plain, "--json"}).payload();
  ASSERT_EQ(left["artifacts"].size(), 1u) << left;
  EXPECT_EQ(left["artifacts"][0]["id"], "outside");
  EXPECT_EQ(run({"runs", "show", plain}).exit_code, 0);

  // Idempotent: only what is kept remains in the plan.
  Json again = run({"runs", "artifact", "cleanup-persisted", "--json"}).payload();
  EXPECT_TRUE(planned_ids(again, "delete").empty()) << again;
}

TEST_F(RunsCleanup, OlderThanDaysAndRunIdNarrowThePlan)
{
  init_store();
  const long long old = now_ms() - 10 * k_day;
  seed_run({.id = "old-run", .created_at = old});
  write_file(artifacts() / "old-run" / "out.json", "{}");
  seed_artifact("old-run", {.id = "old-out", .kind = "json",
                            .path = (artifacts() / "old-run" / "out.json").string()});
  const std::string recent = bench_run("svc");

  Json p = run({"runs", "artifact", "cleanup-persisted", "--older-than-days", "5", "--json"})
             .payload();
  EXPECT_EQ(planned_ids(p, "delete"), std::vector<std::string>{"old-out"});

  Json only = run({"runs", "artifact", "cleanup-persisted", "--run-id", recent.substr(0, 8),
                        "--json"})
                .payload();
  for (const auto& item : only["items"]) EXPECT_EQ(item["run_id"], recent);

  // A file already gone loses only its record.
  fs::remove(artifacts() / "old-run" / "out.json");
  Json gone = run({"runs", "artifact", "cleanup-persisted", "--run-id", "old-run", "--apply",
                        "--json"})
                .payload();
  EXPECT_EQ(planned_ids(gone, "forget"), std::vector<std::string>{"old-out"});
  EXPECT_EQ(gone["records_removed"], 1);

  auto unknown = run({"runs", "artifact", "cleanup-persisted", "--run-id", "nope-nope"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("nope-nope"));
}

TEST_F(RunsCleanup, DownloadCachesArePlannedThenDeletedPerRunner)
{
  write_file(artifacts() / "runner" / "lab-1" / "run-a" / "bundle.zip", std::string(2048, 'x'));
  write_file(artifacts() / "runner" / "lab-2" / "run-b" / "bundle.zip", "y");

  Json plan = run({"runs", "artifact", "cleanup-downloads", "--json"}).payload();
  EXPECT_EQ(plan["command"], "runs.artifact.cleanup-downloads");
  ASSERT_EQ(plan["items"].size(), 2u) << plan;
  EXPECT_EQ(plan["bytes"], 2049);
  EXPECT_TRUE(fs::exists(artifacts() / "runner" / "lab-1" / "run-a"));

  auto applied = run({"runs", "artifact", "cleanup-downloads", "--runner", "lab-1", "--apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.describe();
  EXPECT_THAT(applied.out, HasSubstr("Deleted 1 file(s) or director(ies)"));
  EXPECT_FALSE(fs::exists(artifacts() / "runner" / "lab-1"));
  EXPECT_TRUE(fs::exists(artifacts() / "runner" / "lab-2" / "run-b" / "bundle.zip"));

  auto escape = run({"runs", "artifact", "cleanup-downloads", "--runner", "..", "--apply"});
  EXPECT_EQ(escape.exit_code, 2);
  EXPECT_THAT(escape.err, HasSubstr("--runner `..` is not a plain name"));
  EXPECT_TRUE(fs::exists(artifacts() / "runner" / "lab-2"));

  auto none = run({"runs", "artifact", "cleanup-downloads", "--runner", "lab-9"});
  EXPECT_EQ(none.exit_code, 0);
  EXPECT_THAT(none.out, HasSubstr("Nothing to clean up."));
}

// runs promote / retain / cleanup as a user sees them: messages, exit codes,
// --json envelopes; cleanup is a dry run unless --apply, and never deletes an
// active, promoted, retained or not-yet-eligible run, nor a file outside the
// artifact root.

#include "integration/runs_seed.hpp"

#include <gmock/gmock.h>


using namespace hbit;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class RunsRetention : public RunsSeedTest
{
protected:
  fs::path artifacts() const { return data_ / "artifacts"; }

  /// A finished run `age` ms old with a file in its artifact directory.
  void seed_with_file(const SeedRun& seed)
  {
    seed_run(seed);
    const fs::path file = artifacts() / seed.id / "out.json";
    write_file(file, "{\"n\": 1}");
    seed_artifact(seed.id, {.id = seed.id + "-out", .kind = "json", .path = file.string()});
  }

  void set(const std::string& id, const std::string& column, long long value)
  {
    sqlite("UPDATE runs SET " + column + " = " + std::to_string(value) + " WHERE id = " + q(id));
  }

  std::vector<std::string> planned(const Json& payload, const std::string& action)
  {
    std::vector<std::string> out;
    for (const auto& r : payload["runs"]) {
      if (r["action"] == action) out.push_back(r["run_id"]);
    }
    return out;
  }

  bool exists(const std::string& id) { return run({"runs", "show", id}).exit_code == 0; }
};

} // namespace

TEST_F(RunsRetention, PromoteRecordsTheReasonOnceAndKeepsTheMetadata)
{
  init_store();
  seed_run({.id = "promo-run-1", .metadata = R"({"label": "nightly"})"});

  auto first = run({"runs", "promote", "promo-run", "--reason", "release baseline"});
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_THAT(first.out, HasSubstr("Promoted run promo-run-1 (reason: release baseline)"));

  auto again = run({"runs", "promote", "promo-run-1", "--reason", "something else", "--json"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  Json p = again.payload();
  EXPECT_EQ(p["command"], "runs.promote");
  EXPECT_EQ(p["changed"], false);
  EXPECT_EQ(p["promotion"]["reason"], "release baseline") << "a second promote changes nothing";
  EXPECT_TRUE(p["promoted_at"].is_string());
  EXPECT_THAT(run({"runs", "promote", "promo-run-1"}).out, HasSubstr("is already promoted"));

  Json shown = show_run("promo-run-1");
  EXPECT_EQ(shown["metadata"]["label"], "nightly") << "other metadata keys are kept: " << shown;
  EXPECT_EQ(shown["metadata"]["promotion"]["reason"], "release baseline");
  EXPECT_EQ(shown["metadata"]["promotion"]["at"], p["promoted_at"]);

  // Any status: an active run can be promoted too.
  seed_run({.id = "promo-active", .status = "running"});
  auto active = run({"runs", "promote", "promo-active", "--json"});
  ASSERT_EQ(active.exit_code, 0) << active.describe();
  EXPECT_EQ(active.payload()["changed"], true);
  EXPECT_TRUE(active.payload()["promotion"]["reason"].is_null());
}

TEST_F(RunsRetention, UnknownRunsAreNamed)
{
  init_store();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"runs", "promote", "nope-nope"},
        std::vector<std::string>{"runs", "retain", "nope-nope", "--until", "30d"}}) {
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 1) << r.describe();
    EXPECT_THAT(r.err, HasSubstr("no run `nope-nope`"));
    EXPECT_THAT(r.err, HasSubstr("homeboy runs list"));
  }
  auto json = run({"runs", "promote", "nope-nope", "--json"});
  EXPECT_EQ(json.exit_code, 1);
  EXPECT_EQ(json.json()["success"], false);
  EXPECT_EQ(json.json()["error"]["code"], "run.not_found");
}

TEST_F(RunsRetention, RetainTakesTimesOrDurationsAndOnlyExtends)
{
  init_store();
  seed_run({.id = "keep-me-1"});

  auto month = run({"runs", "retain", "keep-me-1", "--until", "30d", "--json"});
  ASSERT_EQ(month.exit_code, 0) << month.describe();
  Json p = month.payload();
  EXPECT_EQ(p["command"], "runs.retain");
  EXPECT_EQ(p["changed"], true);
  EXPECT_TRUE(p["previous_retained_until"].is_null());
  const std::string until = p["retained_until"];

  auto shorter = run({"runs", "retain", "keep-me-1", "--until", "2h"});
  EXPECT_EQ(shorter.exit_code, 2) << shorter.describe();
  EXPECT_THAT(shorter.err, HasSubstr("is retained until " + until));
  EXPECT_THAT(shorter.err, HasSubstr("pass --force to shorten it"));
  EXPECT_EQ(show_run("keep-me-1")["retained_until"], until) << "a refused retain changes nothing";

  auto forced = run({"runs", "retain", "keep-me-1", "--until", "2099-01-01T00:00:00Z", "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.describe();
  EXPECT_THAT(forced.out, HasSubstr("retained until 2099-01-01T00:00:00.000Z (was: " + until + ")"));
  auto shrink = run({"runs", "retain", "keep-me-1", "--until", "1d", "--force"});
  EXPECT_EQ(shrink.exit_code, 0) << "--force may shorten: " << shrink.describe();

  auto past = run({"runs", "retain", "keep-me-1", "--until", "2020-01-01T00:00:00Z"});
  EXPECT_EQ(past.exit_code, 2);
  EXPECT_THAT(past.err, HasSubstr("is not in the future"));
  auto garbage = run({"runs", "retain", "keep-me-1", "--until", "next week", "--json"});
  EXPECT_EQ(garbage.exit_code, 2);
  EXPECT_EQ(garbage.json()["error"]["code"], "validation.invalid_argument");
  EXPECT_THAT(garbage.json()["error"]["message"].get<std::string>(),
              HasSubstr("neither an RFC 3339 time"));
  auto missing = run({"runs", "retain", "keep-me-1"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("--until"));
}

TEST_F(RunsRetention, CleanupPlansThenDeletesOnlyWhatNothingProtects)
{
  init_store();
  const long long old = now_ms() - 10 * k_day;
  seed_with_file({.id = "old-plain", .created_at = old});
  seed_with_file({.id = "old-promoted", .created_at = old});
  seed_with_file({.id = "old-retained", .created_at = old});
  seed_with_file({.id = "old-not-yet", .created_at = old});
  seed_with_file({.id = "old-was-retained", .created_at = old + 1});
  seed_with_file({.id = "old-running", .status = "running", .created_at = old});
  sqlite("UPDATE runs SET finished_at = NULL WHERE id = 'old-running'");
  set("old-promoted", "promoted_at", old);
  set("old-retained", "retained_until", now_ms() + k_day);
  set("old-not-yet", "eligible_at", now_ms() + k_day);
  set("old-was-retained", "retained_until", now_ms() - k_day);
  set("old-was-retained", "eligible_at", now_ms() - k_day);
  // A file of the user's that the plain run recorded: never deleted.
  write_file(root_ / "mine.txt", "the user's own file");
  seed_artifact("old-plain", {.id = "outside", .kind = "log", .path = (root_ / "mine.txt").string()});

  auto dry = run({"runs", "cleanup"});
  ASSERT_EQ(dry.exit_code, 0) << dry.describe();
  EXPECT_THAT(dry.out, HasSubstr("dry run: nothing deleted; pass --apply"));
  EXPECT_THAT(dry.out, HasSubstr("2 run(s), 3 artifact record(s)"));
  EXPECT_THAT(dry.out, HasSubstr("old-plain"));
  EXPECT_THAT(dry.out, HasSubstr("kept"));
  EXPECT_THAT(dry.out, HasSubstr("outside the artifact root"));
  for (const char* id : {"old-promoted", "old-retained", "old-not-yet", "old-running"}) {
    EXPECT_THAT(dry.out, Not(HasSubstr(id)));
  }
  EXPECT_TRUE(fs::exists(artifacts() / "old-plain" / "out.json")) << "a dry run deletes nothing";

  Json plan = run({"runs", "cleanup", "--json"}).payload();
  EXPECT_EQ(plan["command"], "runs.cleanup");
  EXPECT_EQ(plan["dry_run"], true);
  EXPECT_EQ(planned(plan, "delete"), (std::vector<std::string>{"old-plain", "old-was-retained"}))
    << "oldest first: " << plan;
  EXPECT_EQ(plan["totals"]["runs"], 2);
  EXPECT_EQ(plan["totals"]["bytes"], 16);
  EXPECT_EQ(plan["runs"][0]["artifacts"], 2);

  auto applied = run({"runs", "cleanup", "--apply", "--json"});
  ASSERT_EQ(applied.exit_code, 0) << applied.describe();
  Json a = applied.payload();
  EXPECT_EQ(a["dry_run"], false);
  EXPECT_EQ(planned(a, "deleted"), (std::vector<std::string>{"old-plain", "old-was-retained"}));
  EXPECT_FALSE(exists("old-plain"));
  EXPECT_FALSE(exists("old-was-retained"));
  EXPECT_FALSE(fs::exists(artifacts() / "old-plain")) << "the run's directory goes with it";
  EXPECT_TRUE(fs::exists(root_ / "mine.txt")) << "never a file outside the artifact root";
  for (const char* id : {"old-promoted", "old-retained", "old-not-yet", "old-running"}) {
    EXPECT_TRUE(exists(id)) << id;
    EXPECT_TRUE(fs::exists(artifacts() / id / "out.json")) << id;
  }
  EXPECT_EQ(sqlite("SELECT count(*) FROM artifacts WHERE run_id = 'old-plain'"), "0");

  auto nothing = run({"runs", "cleanup", "--apply"});
  EXPECT_EQ(nothing.exit_code, 0);
  EXPECT_THAT(nothing.out, HasSubstr("Nothing deleted: no run is eligible"));
}

TEST_F(RunsRetention, CleanupFiltersNarrowThePlan)
{
  init_store();
  const long long now = now_ms();
  seed_run({.id = "rig-old", .kind = "rig", .created_at = now - 20 * k_day});
  seed_run({.id = "bench-old", .created_at = now - 10 * k_day});
  seed_run({.id = "bench-failed", .status = "failed", .created_at = now - 9 * k_day});
  seed_run({.id = "bench-new", .created_at = now - k_day});

  auto ids = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"runs", "cleanup", "--json"});
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return planned(r.payload(), "delete");
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids({}), (V{"rig-old", "bench-old", "bench-failed", "bench-new"}));
  EXPECT_EQ(ids({"--kind", "bench"}), (V{"bench-old", "bench-failed", "bench-new"}));
  EXPECT_EQ(ids({"--older-than", "5d"}), (V{"rig-old", "bench-old", "bench-failed"}));
  EXPECT_EQ(ids({"--status", "fail"}), (V{"bench-failed"}));
  EXPECT_EQ(ids({"--status", "pass", "--kind", "bench", "--older-than", "2d"}), (V{"bench-old"}));
  EXPECT_EQ(ids({"--limit", "2"}), (V{"rig-old", "bench-old"}));

  auto applied = run({"runs", "cleanup", "--older-than", "15d", "--apply"});
  ASSERT_EQ(applied.exit_code, 0) << applied.describe();
  EXPECT_THAT(applied.out, HasSubstr("Deleted 1 run(s)"));
  EXPECT_EQ(ids({}), (V{"bench-old", "bench-failed", "bench-new"}));
}

TEST_F(RunsRetention, CleanupRefusesActiveStatusesAndBadFlags)
{
  init_store();
  seed_run({.id = "busy-run", .status = "running"});
  for (const char* status : {"running", "active", "queued"}) {
    auto r = run({"runs", "cleanup", "--status", status, "--apply"});
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_THAT(r.err, HasSubstr("active runs are never cleaned up"));
  }
  auto unknown = run({"runs", "cleanup", "--status", "sideways"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("--status `sideways` is not a status"));
  auto duration = run({"runs", "cleanup", "--older-than", "soon", "--json"});
  EXPECT_EQ(duration.exit_code, 2);
  EXPECT_THAT(duration.json()["error"]["message"].get<std::string>(), HasSubstr("--older-than"));
  auto zero = run({"runs", "cleanup", "--limit", "0"});
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_TRUE(exists("busy-run"));
}

TEST_F(RunsRetention, ARunPromotedAfterTheDryRunSurvivesTheApply)
{
  init_store();
  const long long old = now_ms() - 3 * k_day;
  seed_with_file({.id = "gc-first", .created_at = old});
  seed_with_file({.id = "gc-second", .created_at = old + 1});

  Json plan = run({"runs", "cleanup", "--json"}).payload();
  ASSERT_EQ(planned(plan, "delete"), (std::vector<std::string>{"gc-first", "gc-second"}));
  auto promoted = run({"runs", "promote", "gc-second", "--reason", "keep the regression"});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.describe();

  auto applied = run({"runs", "cleanup", "--apply", "--json"});
  ASSERT_EQ(applied.exit_code, 0) << applied.describe();
  EXPECT_EQ(planned(applied.payload(), "deleted"), std::vector<std::string>{"gc-first"});
  EXPECT_TRUE(exists("gc-second"));
  EXPECT_TRUE(fs::exists(artifacts() / "gc-second" / "out.json"));
  EXPECT_FALSE(exists("gc-first"));
}

TEST_F(RunsRetention, AFileThatCannotBeDeletedIsReportedAndOtherRunsStillGo)
{
  init_store();
  const long long old = now_ms() - 3 * k_day;
  seed_with_file({.id = "stuck-run", .created_at = old});
  seed_with_file({.id = "free-run", .created_at = old + 1});
  fs::path locked = artifacts() / "stuck-run" / "locked";
  write_file(locked / "x.bin", "x");
  // A read-only mount refuses the unlink even to root (a permission bit
  // would not): the cleanup runs in a private mount namespace where the
  // directory is one.
  std::string script = "mount --bind \"$LOCKED\" \"$LOCKED\" && "
                       "mount -o remount,bind,ro \"$LOCKED\" && exec \"$HB\" runs cleanup --apply";
  auto applied = exec({"unshare", "--mount", "--map-root-user", "sh", "-c", script},
                      {.env = {{"LOCKED", locked.string()}, {"HB", HB_BINARY}}});
  EXPECT_EQ(applied.exit_code, 1) << applied.describe();
  EXPECT_THAT(applied.out, HasSubstr("FAILED"));
  EXPECT_THAT(applied.out, HasSubstr("could not be deleted"));
  EXPECT_TRUE(fs::exists(locked / "x.bin")) << "the test's mount did not hold";
  EXPECT_FALSE(exists("stuck-run")) << "its records are gone; the file is reported";
  EXPECT_FALSE(exists("free-run"));
  EXPECT_FALSE(fs::exists(artifacts() / "free-run"));
}

// Property test of run retention: 250 random stores of random runs (every
// status, promoted or not, retained and eligible in the past, the future or
// never, several kinds, finished long ago or just now, artifacts on disk),
// each under 30 random calls: promote, retain, more runs, and cleanup (random
// filters, limits, batch sizes, dry runs and applies, and runs protected
// between a plan and its apply) -- about 3,000 cleanup plans over as many
// different run sets, 2,000 applies, 1,200 runs deleted. After every call
// the store and the files on disk must be exactly what a small model of the
// rules says:
// - a cleanup plan lists exactly the runs the rules allow, oldest first;
// - nothing active, promoted, retained into the future or not yet eligible
//   is deleted, nor any of its artifact rows or files;
// - a dry run changes nothing; an apply deletes exactly its plan, less the
//   runs protected after the plan, with their rows and files;
// - no file outside the artifact root or owned by a surviving run goes.
//
// HB_RETENTION_SEED=<n> replays one seed; failures print the seed.

#include "app/run_retention.hpp"
#include "store/store.hpp"
#include "support/test_store.hpp"
#include "util/fs.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>

using namespace hb;
namespace stdfs = std::filesystem;

namespace {

constexpr TimeMs k_hour = 3600LL * 1000;
constexpr TimeMs k_day = 24 * k_hour;
// Few stores, many calls each: creating a store (and its files) is what
// costs, mostly in I/O.
constexpr int k_stores = 250;
constexpr int k_calls_per_store = 30;

const std::vector<std::string> k_kinds = {"bench", "rig", "trace", "task"};

// What the calls exercised, so a change that makes them vacuous shows.
struct Tally
{
  std::size_t plans = 0, applies = 0, deleted = 0, skipped = 0, refused = 0;
};
Tally g_tally;

struct ModelRun
{
  Run run;
  std::vector<std::string> artifact_ids;
  std::vector<stdfs::path> files; // files this run owns: gone exactly when it is
};

class Model
{
public:
  Model(std::uint64_t seed, const stdfs::path& dir) : m_rng(seed), m_dir(dir)
  {
    m_paths.data_root = dir / "data";
    m_paths.store_path = dir / "data" / "homeboy.sqlite";
    m_paths.store_url = test::test_store_url(m_paths.store_path);
    m_paths.artifact_root = dir / "artifacts";
    stdfs::create_directories(m_paths.artifact_root);
    stdfs::create_directories(dir / "outside");
  }

  std::mt19937_64& rng() { return m_rng; }
  const Paths& paths() const { return m_paths; }
  std::map<std::string, ModelRun>& runs() { return m_runs; }
  TimeMs now() const { return m_now; }
  void advance(TimeMs by) { m_now += by; }

  std::uint64_t pick(std::uint64_t n) { return std::uniform_int_distribution<std::uint64_t>(0, n - 1)(m_rng); }
  bool chance(double p) { return std::bernoulli_distribution(p)(m_rng); }
  TimeMs within(TimeMs lo, TimeMs hi) { return std::uniform_int_distribution<TimeMs>(lo, hi)(m_rng); }

  /// NULL, in the past or in the future (relative to now).
  std::optional<TimeMs> some_time()
  {
    switch (pick(3)) {
    case 0: return std::nullopt;
    case 1: return m_now - within(0, 10 * k_day);
    default: return m_now + within(1, 10 * k_day);
    }
  }

  void write(const stdfs::path& path, std::size_t bytes)
  {
    stdfs::create_directories(path.parent_path());
    std::ofstream(path) << std::string(bytes, 'x');
  }

  /// A random run with 0-3 artifacts; inserted through one import
  /// transaction.
  void add_run(Store& store)
  {
    ModelRun m;
    Run& run = m.run;
    run.id = fmt::format("run-{:03}-{:08x}", m_added++, static_cast<std::uint32_t>(m_rng()));
    run.kind = k_kinds[pick(k_kinds.size())];
    run.status = all_run_statuses()[pick(all_run_statuses().size())];
    run.created_at = m_now - within(0, 40 * k_day);
    run.started_at = run.created_at;
    if (is_terminal(run.status) && chance(0.9)) run.finished_at = run.created_at + within(0, k_hour);
    if (chance(0.2)) run.promoted_at = m_now - within(0, 5 * k_day);
    run.retained_until = some_time();
    run.eligible_at = some_time();
    run.metadata_json = R"({"note":"kept"})";

    const stdfs::path dir = m_paths.artifact_root / run.id;
    std::vector<Artifact> artifacts;
    const std::uint64_t count = pick(4);
    for (std::uint64_t i = 0; i < count; ++i) {
      Artifact a;
      a.id = fmt::format("{}-a{}", run.id, i);
      a.run_id = run.id;
      a.kind = "log";
      a.type = "file";
      a.created_at = run.created_at;
      switch (pick(7)) {
      case 0: // a directory in the run's directory
        a.type = "directory";
        a.path = (dir / fmt::format("d{}", i)).string();
        m.files.push_back(dir / fmt::format("d{}", i) / "inner.bin");
        write(m.files.back(), 1 + pick(64));
        break;
      case 1: // elsewhere under the artifact root
        a.path = (m_paths.artifact_root / "shared" / (a.id + ".log")).string();
        m.files.push_back(a.path);
        write(a.path, 1 + pick(64));
        break;
      case 2: // outside the artifact root: never deleted
        a.path = (m_dir / "outside" / (a.id + ".txt")).string();
        write(a.path, 3);
        m_outside.push_back(a.path);
        break;
      case 3: // recorded, but the file is already gone
        a.path = (dir / fmt::format("gone{}.txt", i)).string();
        break;
      case 4: // a URL: no file
        a.type = "url";
        a.url = "https://example.invalid/" + a.id;
        a.path = a.url;
        break;
      case 5: // a file of another run, in that run's directory
        if (!m_runs.empty()) {
          auto other = std::next(m_runs.begin(), static_cast<long>(pick(m_runs.size())));
          const stdfs::path theirs = m_paths.artifact_root / other->first;
          auto file = std::find_if(other->second.files.begin(), other->second.files.end(),
                                   [&](const stdfs::path& f) {
                                     return f.parent_path() == theirs;
                                   });
          if (file != other->second.files.end()) {
            a.path = file->string();
            break;
          }
        }
        [[fallthrough]];
      default: // a file in the run's directory
        a.path = (dir / fmt::format("f{}.json", i)).string();
        m.files.push_back(a.path);
        write(a.path, 1 + pick(64));
      }
      m.artifact_ids.push_back(a.id);
      artifacts.push_back(a);
    }
    if (chance(0.2)) { // a file only the run's directory holds
      m.files.push_back(dir / "stdout.log");
      write(m.files.back(), 10);
    }
    auto ok = store.import_transaction([&](ImportWriter& w) -> Result<void> {
      if (auto r = w.insert_run(run, {"scenario"}, {{"scenario", "wall_ms", 1.0, {1.0}}}); !r) return r;
      for (const auto& a : artifacts) {
        if (auto r = w.insert_artifact(a); !r) return r;
      }
      return {};
    });
    ASSERT_TRUE(ok) << ok.error().message;
    m_runs.emplace(run.id, std::move(m));
  }

  /// Whether the rules allow deleting `run` at `now` under `filter`.
  static bool deletable(const Run& run, const RetentionFilter& filter, TimeMs now)
  {
    if (!is_terminal(run.status) || run.promoted_at) return false;
    if (run.retained_until && *run.retained_until > now) return false;
    if (run.eligible_at && *run.eligible_at > now) return false;
    if (!filter.statuses.empty() &&
        std::find(filter.statuses.begin(), filter.statuses.end(), run.status) == filter.statuses.end()) {
      return false;
    }
    if (filter.kind && run.kind != *filter.kind) return false;
    return !filter.ended_by || run.finished_at.value_or(run.created_at) <= *filter.ended_by;
  }

  /// The runs a plan must list: deletable, oldest first, at most `limit`.
  std::vector<std::string> expected_plan(const RetentionFilter& filter, std::size_t limit) const
  {
    std::vector<std::pair<TimeMs, std::string>> keyed;
    for (const auto& [id, m] : m_runs) {
      if (deletable(m.run, filter, m_now)) keyed.emplace_back(m.run.finished_at.value_or(m.run.created_at), id);
    }
    std::sort(keyed.begin(), keyed.end());
    if (limit && keyed.size() > limit) keyed.resize(limit);
    std::vector<std::string> out;
    for (auto& k : keyed) out.push_back(k.second);
    return out;
  }

  /// Every regular file under the test directory.
  std::set<std::string> files_on_disk() const
  {
    std::set<std::string> out;
    for (const auto& e : stdfs::recursive_directory_iterator(m_dir)) {
      if (e.is_regular_file() && e.path().parent_path() != m_paths.data_root) out.insert(e.path().string());
    }
    return out;
  }

  /// The store and the disk hold exactly what the model says.
  void expect_matches(Store& store, const std::vector<std::string>& gone_ids) const
  {
    std::set<std::string> files(m_outside.begin(), m_outside.end());
    std::vector<std::string> ids;
    std::set<std::string> artifact_ids;
    for (const auto& [id, m] : m_runs) {
      ids.push_back(id);
      for (const auto& f : m.files) files.insert(f.string());
      artifact_ids.insert(m.artifact_ids.begin(), m.artifact_ids.end());
      auto stored = store.get_run(id);
      ASSERT_TRUE(stored && *stored) << "run " << id << " (" << to_string(m.run.status)
                                     << ") is gone but nothing allowed its deletion";
      EXPECT_EQ((*stored)->promoted_at.has_value(), m.run.promoted_at.has_value()) << id;
      EXPECT_EQ((*stored)->retained_until, m.run.retained_until) << id;
    }
    for (const auto& id : gone_ids) {
      auto stored = store.get_run(id);
      ASSERT_TRUE(stored);
      EXPECT_FALSE(*stored) << "run " << id << " should have been deleted";
      EXPECT_FALSE(stdfs::exists(m_paths.artifact_root / id)) << "its directory stays: " << id;
      ids.push_back(id);
    }
    auto artifacts = store.artifacts_for_runs(ids);
    ASSERT_TRUE(artifacts);
    std::set<std::string> stored_artifacts;
    for (const auto& a : *artifacts) stored_artifacts.insert(a.id);
    EXPECT_EQ(stored_artifacts, artifact_ids);
    auto metrics = store.metrics_for_runs(gone_ids);
    ASSERT_TRUE(metrics);
    EXPECT_TRUE(metrics->empty()) << "metrics of deleted runs are left behind";
    EXPECT_EQ(files_on_disk(), files);
  }

private:
  std::mt19937_64 m_rng;
  stdfs::path m_dir;
  Paths m_paths;
  TimeMs m_now = 1'800'000'000'000;
  int m_added = 0;
  std::map<std::string, ModelRun> m_runs;
  std::vector<std::string> m_outside;
};

std::string
random_status_text(Model& model)
{
  static const std::vector<std::string> texts = {
    "succeeded", "failed", "timed_out", "cancelled", "terminal", "pass", "fail", "timeout",
    "skipped", "running", "queued", "active", "booting", "collecting_artifacts", "nonsense"};
  return texts[model.pick(texts.size())];
}

void
check_promote(Store& store, Model& model)
{
  auto& runs = model.runs();
  if (runs.empty()) return;
  auto& m = std::next(runs.begin(), static_cast<long>(model.pick(runs.size())))->second;
  const bool was = m.run.promoted_at.has_value();
  auto report = app::promote_run(store, m.run.id, model.chance(0.5) ? "baseline" : "", model.now());
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_EQ(report->changed, !was);
  if (!was) m.run.promoted_at = model.now();
  EXPECT_NE(report->run.metadata_json.find("\"note\":\"kept\""), std::string::npos)
    << "promotion overwrote the metadata: " << report->run.metadata_json;
}

void
check_retain(Store& store, Model& model)
{
  auto& runs = model.runs();
  if (runs.empty()) return;
  auto& m = std::next(runs.begin(), static_cast<long>(model.pick(runs.size())))->second;
  const TimeMs until = model.now() + model.within(-k_day, 10 * k_day);
  const bool force = model.chance(0.3);
  auto report = app::retain_run(store, m.run.id, until, force, model.now());
  if (until <= model.now()) {
    EXPECT_FALSE(report) << "retention into the past was accepted";
  } else if (m.run.retained_until && *m.run.retained_until > until && !force) {
    ASSERT_FALSE(report) << "retention was shortened without --force";
    EXPECT_EQ(report.error().code, "validation.retention_shortened");
  } else {
    ASSERT_TRUE(report) << report.error().message;
    m.run.retained_until = until;
  }
}

// A random cleanup: the plan must be the model's, a dry run must change
// nothing, an apply must delete the plan less what was protected since.
void
check_cleanup(Store& store, Model& model)
{
  app::RunCleanupRequest request;
  if (model.chance(0.5)) request.older_than_ms = model.within(0, 30 * k_day);
  if (model.chance(0.4)) {
    const std::string text = random_status_text(model);
    auto statuses = app::parse_cleanup_statuses(text);
    auto parsed = parse_status_filter(text);
    const bool any_active = !parsed || std::any_of(parsed->begin(), parsed->end(),
                                                   [](RunStatus s) { return !is_terminal(s); });
    ASSERT_EQ(statuses.has_value(), !any_active) << "--status " << text;
    if (!statuses) {
      ++g_tally.refused;
      return;
    }
    request.statuses = *statuses;
  }
  if (model.chance(0.3)) request.kind = k_kinds[model.pick(k_kinds.size())];
  if (model.chance(0.4)) request.limit = 1 + model.pick(5);
  request.batch_size = 1 + model.pick(4);

  const auto before = model.files_on_disk();
  auto plan = app::plan_run_cleanup(store, model.paths(), request, model.now());
  ASSERT_TRUE(plan) << plan.error().message;
  std::vector<std::string> planned;
  for (const auto& r : plan->runs) planned.push_back(r.run_id);
  RetentionFilter filter{request.statuses, request.kind, std::nullopt};
  if (request.older_than_ms) filter.ended_by = model.now() - *request.older_than_ms;
  ASSERT_EQ(planned, model.expected_plan(filter, request.limit));
  for (const auto& id : planned) {
    EXPECT_TRUE(Model::deletable(model.runs().at(id).run, filter, model.now()));
  }
  EXPECT_EQ(model.files_on_disk(), before) << "planning touched the disk";
  ++g_tally.plans;

  if (model.chance(0.35)) { // a dry run: nothing changes
    model.expect_matches(store, {});
    return;
  }
  // Sometimes protect a planned run between the plan and the apply.
  std::set<std::string> protected_since;
  if (!planned.empty() && model.chance(0.3)) {
    auto& m = model.runs().at(planned[model.pick(planned.size())]);
    if (model.chance(0.5)) {
      ASSERT_TRUE(app::promote_run(store, m.run.id, "between plan and apply", model.now()));
      m.run.promoted_at = model.now();
    } else {
      const TimeMs until = model.now() + k_day;
      ASSERT_TRUE(app::retain_run(store, m.run.id, until, true, model.now()));
      m.run.retained_until = until;
    }
    protected_since.insert(m.run.id);
  }
  auto applied = app::apply_run_cleanup(store, model.paths(), *plan);
  ASSERT_TRUE(applied) << applied.error().message;
  std::vector<std::string> deleted;
  for (const auto& r : applied->runs) {
    if (r.action == "deleted") {
      deleted.push_back(r.run_id);
    } else {
      EXPECT_EQ(r.action, "skipped");
      EXPECT_TRUE(protected_since.count(r.run_id)) << r.run_id << " skipped: " << r.reason;
    }
  }
  std::vector<std::string> expected;
  for (const auto& id : planned) {
    if (!protected_since.count(id)) expected.push_back(id);
  }
  EXPECT_EQ(deleted, expected);
  EXPECT_EQ(applied->failures(), 0u);
  ++g_tally.applies;
  g_tally.deleted += deleted.size();
  g_tally.skipped += protected_since.size();
  for (const auto& id : deleted) model.runs().erase(id);
  model.expect_matches(store, deleted);
}

std::uint64_t
seed_from_environment()
{
  if (const char* text = std::getenv("HB_RETENTION_SEED")) return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

} // namespace

TEST(RunRetentionProperty, NothingProtectedIsEverDeletedAndEveryApplyDeletesItsPlan)
{
  const std::uint64_t seed = seed_from_environment();
  SCOPED_TRACE(fmt::format("seed {} (replay: HB_RETENTION_SEED={})", seed, seed));
  std::mt19937_64 seeds(seed);
  for (int n = 0; n < k_stores && !HasFailure(); ++n) {
    auto dir = fs::TempDir::create(stdfs::temp_directory_path(), "hb-retention-");
    ASSERT_TRUE(dir);
    const std::uint64_t store_seed = seeds();
    SCOPED_TRACE(fmt::format("store {} (its seed {})", n, store_seed));
    Model model(store_seed, dir->path());
    auto store = open_store(model.paths());
    ASSERT_TRUE(store) << store.error().message;
    const auto add_runs = [&](std::uint64_t count) {
      for (std::uint64_t i = 0; i < count && !HasFatalFailure(); ++i) model.add_run(**store);
      model.expect_matches(**store, {});
    };
    add_runs(1 + model.pick(12));
    for (int call = 0; call < k_calls_per_store && !HasFailure(); ++call) {
      model.advance(model.within(0, 3 * k_day));
      switch (model.pick(6)) {
      case 0: check_promote(**store, model); break;
      case 1: check_retain(**store, model); break;
      case 2: add_runs(1 + model.pick(4)); break;
      default: check_cleanup(**store, model);
      }
    }
  }
  std::printf("%zu plans, %zu applies: %zu runs deleted, %zu protected after their plan and "
              "kept; %zu active --status refused\n",
              g_tally.plans, g_tally.applies, g_tally.deleted, g_tally.skipped, g_tally.refused);
  if (!HasFailure()) {
    EXPECT_GT(g_tally.deleted, 800u);
    EXPECT_GT(g_tally.skipped, 100u);
  }
}

TEST(RunRetention, TheDeleteReChecksWhatChangedAfterThePlan)
{
  auto dir = fs::TempDir::create(stdfs::temp_directory_path(), "hb-retention-");
  ASSERT_TRUE(dir);
  Model model(1, dir->path());
  auto store = open_store(model.paths());
  ASSERT_TRUE(store) << store.error().message;
  for (int i = 0; i < 6; ++i) {
    hb::Run run;
    run.id = fmt::format("run-{}", i);
    run.kind = "bench";
    run.status = RunStatus::succeeded;
    run.created_at = model.now() - k_day + i;
    run.finished_at = run.created_at;
    ASSERT_TRUE((*store)->insert_run(run));
  }
  app::RunCleanupRequest request;
  request.batch_size = 4;
  auto plan = app::plan_run_cleanup(**store, model.paths(), request, model.now());
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_EQ(plan->runs.size(), 6u);

  // After the plan: one run promoted, one retained, one already deleted.
  ASSERT_TRUE(app::promote_run(**store, "run-1", "found a regression", model.now()));
  ASSERT_TRUE(app::retain_run(**store, "run-4", model.now() + k_day, false, model.now()));
  RetentionFilter any;
  ASSERT_TRUE((*store)->delete_runs({"run-5"}, any, model.now()));

  auto applied = app::apply_run_cleanup(**store, model.paths(), *plan);
  ASSERT_TRUE(applied) << applied.error().message;
  std::map<std::string, std::string> outcome;
  for (const auto& r : applied->runs) outcome[r.run_id] = r.action + " " + r.reason;
  EXPECT_EQ(outcome["run-0"], "deleted ");
  EXPECT_EQ(outcome["run-1"], "skipped promoted since the plan");
  EXPECT_EQ(outcome["run-4"].rfind("skipped retained until ", 0), 0u) << outcome["run-4"];
  EXPECT_EQ(outcome["run-5"], "skipped already deleted (by another cleanup?)");
  EXPECT_EQ(applied->total_runs(), 3u);
  for (const char* kept : {"run-1", "run-4"}) {
    auto run = (*store)->get_run(kept);
    ASSERT_TRUE(run);
    EXPECT_TRUE(run->has_value()) << kept;
  }
}

TEST(RunRetention, ActiveStatusesAreRefusedEvenBelowTheCli)
{
  auto dir = fs::TempDir::create(stdfs::temp_directory_path(), "hb-retention-");
  ASSERT_TRUE(dir);
  Model model(2, dir->path());
  auto store = open_store(model.paths());
  ASSERT_TRUE(store) << store.error().message;
  app::RunCleanupRequest request;
  request.statuses = {RunStatus::succeeded, RunStatus::running};
  auto plan = app::plan_run_cleanup(**store, model.paths(), request, model.now());
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("active runs are never cleaned up"), std::string::npos);
  RetentionFilter filter;
  filter.statuses = {RunStatus::queued};
  EXPECT_FALSE((*store)->delete_runs({"x"}, filter, model.now()));
}

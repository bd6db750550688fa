#pragma once
// Seeding the observation store for the runs readers' tests: runs and
// artifacts that no producer in this build writes yet (URL artifacts,
// validation_progress ledgers, runs days old for drift windows) are inserted
// with the sqlite3 tool; everything is then read back through the binary.

#include "integration/harness.hpp"

#include <chrono>
#include <string>
#include <thread>

namespace hbit {

struct SeedRun
{
  std::string id;
  std::string kind = "bench";
  std::string status = "succeeded";
  std::string component = "seeded";
  std::string rig;
  std::string git_sha;
  long long created_at = 0; // ms since the epoch; 0: now
  std::string metadata = "{}";
};

struct SeedArtifact
{
  std::string id;
  std::string kind;
  std::string type = "file";
  std::string path;
  std::string url;
  std::string mime;
  std::string label;
  std::string metadata = "{}";
};

class RunsSeedTest : public HomeboyTest
{
protected:
  static long long now_ms()
  {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
  static constexpr long long k_day = 24ll * 3600 * 1000;

  static std::string q(const std::string& text)
  {
    if (text.empty()) return "NULL";
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
  }

  /// Creates the store (schema) through the binary.
  void init_store()
  {
    auto r = run({"runs", "list"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
  }

  void seed_run(const SeedRun& s)
  {
    long long t = s.created_at ? s.created_at : now_ms();
    sqlite("INSERT INTO runs (id, kind, status, component_id, rig_id, git_sha, command, created_at, "
           "started_at, finished_at, metadata) VALUES (" +
           q(s.id) + "," + q(s.kind) + "," + q(s.status) + "," + q(s.component) + "," + q(s.rig) +
           "," + q(s.git_sha) + ",'homeboy bench seeded'," + std::to_string(t) + "," +
           std::to_string(t) + "," + std::to_string(t + 1000) + "," + q(s.metadata) + ")");
  }

  void seed_artifact(const std::string& run_id, const SeedArtifact& a)
  {
    sqlite("INSERT INTO artifacts (id, run_id, kind, type, path, url, mime, label, created_at, "
           "metadata) VALUES (" +
           q(a.id) + "," + q(run_id) + "," + q(a.kind) + "," + q(a.type) + "," + q(a.path) + "," +
           q(a.url) + "," + q(a.mime) + "," + q(a.label) + "," + std::to_string(now_ms()) + "," +
           q(a.metadata) + ")");
  }

  /// Writes a JSON file under <root>/files and returns its path.
  fs::path json_file(const std::string& name, const std::string& text)
  {
    fs::path path = root_ / "files" / name;
    fs::create_directories(path.parent_path());
    write_file(path, text);
    return path;
  }

  /// Runs a bench of `component` (created with the two_scenarios runner on
  /// first use) and returns its run id.
  std::string bench_run(const std::string& component, int expected_exit = 0)
  {
    if (!fs::exists(work_ / component)) make_component(component, "two_scenarios.sh");
    auto r = bench_json({component, "--iterations", "2"});
    EXPECT_EQ(r.exit_code, expected_exit) << r.describe();
    Json p = r.payload();
    std::string id = p.is_object() && p["persisted_run"].is_object()
                       ? p["persisted_run"].value("run_id", "")
                       : "";
    EXPECT_FALSE(id.empty()) << r.describe();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return id;
  }
};

} // namespace hbit

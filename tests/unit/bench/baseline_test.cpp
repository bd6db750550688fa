// Baselines in homeboy.json: read (current and legacy shapes), malformed
// input as errors, and writes that keep the user's keys and their order.

#include "bench/baseline.hpp"
#include "util/fs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

using namespace hb;
using namespace hb::bench;

namespace {

class BaselineTest : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-baseline-");
    ASSERT_TRUE(dir);
    m_dir.emplace(std::move(*dir));
    m_paths.config_root = m_dir->path() / "config";
    m_file = m_dir->path() / "homeboy.json";
  }
  void write(const std::string& text) { ASSERT_TRUE(fs::write_file_atomic(m_file, text)); }
  std::string read() { return *fs::read_file(m_file); }

  std::optional<fs::TempDir> m_dir;
  Paths m_paths;
  std::filesystem::path m_file;
};

BenchResults
results_with(double p95, std::vector<double> samples = {})
{
  BenchResults r;
  r.component_id = "demo";
  r.iterations = 3;
  Scenario s;
  s.id = "cold";
  s.metrics = {{"p95_ms", p95}};
  if (!samples.empty()) s.distributions = {{"p95_ms", samples}};
  r.scenarios.push_back(s);
  return r;
}

} // namespace

TEST_F(BaselineTest, NoFileMeansNoBaseline)
{
  auto b = read_baseline(m_file, "bench");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->has_value());
}

TEST_F(BaselineTest, WriteKeepsOtherKeysInOrder)
{
  write(R"({"zeta": 1, "id": "demo", "alpha": {"b": 2, "a": 1}})");
  ASSERT_TRUE(write_baseline(m_paths, m_file, "bench", make_baseline(results_with(12.5, {12, 13}), 0)));
  std::string text = read();
  EXPECT_LT(text.find("\"zeta\""), text.find("\"id\""));
  EXPECT_LT(text.find("\"id\""), text.find("\"alpha\""));
  EXPECT_LT(text.find("\"b\""), text.find("\"a\""));
  EXPECT_LT(text.find("\"alpha\""), text.find("\"baselines\""));

  auto b = read_baseline(m_file, "bench");
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->has_value());
  const auto* s = (*b)->find("cold");
  ASSERT_NE(s, nullptr);
  EXPECT_DOUBLE_EQ(*s->metric("p95_ms"), 12.5);
  EXPECT_EQ(s->samples("p95_ms")->size(), 2u);
  EXPECT_EQ((*b)->iterations, 3u);
  EXPECT_EQ((*b)->created_at, "1970-01-01T00:00:00.000Z");
}

TEST_F(BaselineTest, WriteCreatesFileWithId)
{
  ASSERT_TRUE(write_baseline(m_paths, m_file, "bench.rig.studio", make_baseline(results_with(1), 0)));
  std::string text = read();
  EXPECT_NE(text.find("\"id\": \"demo\""), std::string::npos);
  EXPECT_NE(text.find("\"bench.rig.studio\""), std::string::npos);
  EXPECT_NE(text.find("\"known_fingerprints\""), std::string::npos);
  auto b = read_baseline(m_file, "bench");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->has_value()) << "a rig baseline is not the unpinned one";
}

TEST_F(BaselineTest, LegacySnapshotMetricsOnTheScenario)
{
  write(R"({"baselines": {"bench": {"metadata": {"iterations": 5, "scenarios": [
           {"id": "cold", "p95_ms": 120.0, "p50_ms": 100.0, "mean_ms": 105.0}]}}}})");
  auto b = read_baseline(m_file, "bench");
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_TRUE(b->has_value());
  EXPECT_DOUBLE_EQ(*(*b)->find("cold")->metric("p95_ms"), 120.0);
  EXPECT_DOUBLE_EQ(*(*b)->find("cold")->metric("mean_ms"), 105.0);
}

TEST_F(BaselineTest, MalformedFileIsAnError)
{
  write("{\"baselines\": ");
  auto b = read_baseline(m_file, "bench");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, "baseline.invalid");
  EXPECT_NE(b.error().message.find(m_file.string()), std::string::npos);
}

TEST_F(BaselineTest, MalformedBaselineNamesWhatIsWrong)
{
  write(R"({"baselines": {"bench": {"metadata": {"scenarios": [{"id": "x", "metrics": {"p95_ms": "fast"}}]}}}})");
  auto b = read_baseline(m_file, "bench");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("baselines.bench"), std::string::npos);
  EXPECT_NE(b.error().message.find("p95_ms"), std::string::npos);
  EXPECT_NE(b.error().message.find("finite number"), std::string::npos);
}

TEST_F(BaselineTest, WriteRefusesMalformedFileAndLeavesItAlone)
{
  write("not json");
  auto w = write_baseline(m_paths, m_file, "bench", make_baseline(results_with(1), 0));
  ASSERT_FALSE(w);
  EXPECT_EQ(read(), "not json");
}

// --runs N: a baseline keeps its session grouping and centres, and reads it
// back; a baseline saved from one session has no `sessions` at all.
TEST_F(BaselineTest, SessionsRoundTrip)
{
  auto r = results_with(5, {1, 2, 3, 10, 11, 12, 13});
  r.scenarios[0].sessions = {{"p95_ms", {3, 4}}};
  ASSERT_TRUE(write_baseline(m_paths, m_file, "bench", make_baseline(r, 0)));
  EXPECT_NE(read().find("\"sessions\""), std::string::npos);
  auto b = read_baseline(m_file, "bench");
  ASSERT_TRUE(b && b->has_value()) << (b ? "" : b.error().message);
  const auto& s = (*b)->scenarios[0];
  ASSERT_TRUE(s.session_sizes("p95_ms"));
  EXPECT_EQ(*s.session_sizes("p95_ms"), (std::vector<std::size_t>{3, 4}));
  ASSERT_EQ(s.session_centres.size(), 1u);
  EXPECT_EQ(s.session_centres[0].second, (std::vector<double>{2, 11.5}));

  ASSERT_TRUE(write_baseline(m_paths, m_file, "bench", make_baseline(results_with(5, {1, 2}), 0)));
  EXPECT_EQ(read().find("\"sessions\""), std::string::npos) << "one session: the legacy shape";
}

TEST_F(BaselineTest, MalformedSessionsAreErrors)
{
  auto doc = [](const std::string& sessions) {
    return R"({"baselines": {"bench": {"metadata": {"scenarios": [{"id": "a",
      "metrics": {"t": 1}, "distributions": {"t": [1, 2, 3, 4]}, "sessions": )"
           + sessions + "}]}}}}";
  };
  for (const char* bad : {
         R"([1, 2])",                                       // not an object
         R"({"t": [2, 2]})",                                // not {sizes, centres}
         R"({"t": {"sizes": [2, 1]}})",                     // adds up to 3, not 4
         R"({"t": {"sizes": [4, 0]}})",                     // an empty session
         R"({"t": {"sizes": [2, "2"]}})",                   // not integers
         R"({"t": {"sizes": []}})",                         // no sessions
         R"({"t": {"centres": [1, 2]}})",                   // samples but no sizes
         R"({"t": {"sizes": [2, 2], "centres": [1]}})",     // one centre for two sessions
         R"({"t": {"sizes": [2, 2], "centres": [1, "x"]}})", // not numbers
         R"({"u": {"sizes": [1]}})",                        // sizes without samples
         R"({"u": {}})",                                    // nothing at all
       }) {
    write(doc(bad));
    auto b = read_baseline(m_file, "bench");
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().code, "baseline.invalid") << bad;
  }
  write(doc(R"({"t": {"sizes": [1, 3], "centres": [1, 3]}, "u": {"centres": [7, 8, 9]}})"));
  auto ok = read_baseline(m_file, "bench");
  ASSERT_TRUE(ok && ok->has_value()) << (ok ? "" : ok.error().message);
  EXPECT_EQ((*ok)->scenarios[0].session_centres.size(), 2u);
}

// The machine-speed index rides in metadata.machine_speed; older baselines
// have none, and a malformed one is an error, never ignored.
TEST_F(BaselineTest, MachineSpeedRoundTripsAndMalformedIsAnError)
{
  MachineSpeed speed;
  speed.sessions = {90, 110, 100};
  ASSERT_TRUE(write_baseline(m_paths, m_file, "bench",
                             make_baseline(results_with(5), 0, std::nullopt, speed)));
  auto b = read_baseline(m_file, "bench");
  ASSERT_TRUE(b && b->has_value()) << (b ? "" : b.error().message);
  ASSERT_TRUE((*b)->machine_speed);
  EXPECT_EQ((*b)->machine_speed->probe, "cpu-v1");
  EXPECT_EQ((*b)->machine_speed->sessions, (std::vector<double>{90, 110, 100}));
  EXPECT_DOUBLE_EQ((*b)->machine_speed->index(), 100);

  auto doc = [](const std::string& speed) {
    return R"({"baselines": {"bench": {"metadata": {"machine_speed": )" + speed
           + R"(, "scenarios": [{"id": "a", "metrics": {"t": 1}}]}}}})";
  };
  for (const char* bad : {R"(12)", R"({"sessions": [1]})", R"({"probe": "cpu-v1"})",
                          R"({"probe": "cpu-v1", "sessions": []})",
                          R"({"probe": "cpu-v1", "sessions": [0]})",
                          R"({"probe": "cpu-v1", "sessions": ["fast"]})"}) {
    write(doc(bad));
    auto r = read_baseline(m_file, "bench");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "baseline.invalid") << bad;
    EXPECT_NE(r.error().message.find("metadata.machine_speed"), std::string::npos)
      << r.error().message;
  }
}

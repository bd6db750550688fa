// The session-aware comparison (src/stats/sessions.hpp): against SciPy 1.10
// reference values (tests/fixtures/stats/make_session_vectors.py writes
// session_vectors.json), and by seeded simulation of the two-level model for
// what no reference can show: coverage, false-alarm rates, and the
// single-session rule's behaviour. Every simulation has a fixed seed, so the
// tests are deterministic; their bounds are generous around the nominal rate.

#include "stats/random.hpp"
#include "stats/sessions.hpp"
#include "stats/welch.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <vector>

using namespace hb::stats;
using Json = nlohmann::json;
using Sessions = std::vector<std::vector<double>>;

namespace {

const Json&
vectors()
{
  static const Json document = [] {
    std::ifstream in(HB_FIXTURES_DIR "/stats/session_vectors.json");
    return Json::parse(in);
  }();
  return document;
}

void
expect_close(double actual, double expected, double rel, const std::string& what)
{
  const double tolerance = std::max(std::fabs(expected) * rel, 1e-12);
  EXPECT_NEAR(actual, expected, tolerance) << what;
}

// Standard normal deviates from our seeded generator (Box-Muller).
class Normal
{
public:
  explicit Normal(std::uint64_t seed) : m_rng(seed) {}
  double operator()()
  {
    const double u1 = (static_cast<double>(m_rng() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = (static_cast<double>(m_rng() >> 11) + 0.5) * 0x1.0p-53;
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
  }

private:
  Xoshiro256 m_rng;
};

double
sigma_of(double cov)
{
  return std::sqrt(std::log1p(cov * cov));
}

// `count` sessions of `n` samples: each session's centre moves by a
// log-normal offset of CoV `session_cov`, its samples by `within_cov`.
Sessions
draw(Normal& z, std::size_t count, std::size_t n, double session_cov, double within_cov,
     double factor = 1)
{
  Sessions out;
  for (std::size_t j = 0; j < count; ++j) {
    const double offset = std::exp(sigma_of(session_cov) * z());
    std::vector<double> s;
    for (std::size_t k = 0; k < n; ++k) {
      s.push_back(100 * factor * offset * std::exp(sigma_of(within_cov) * z()));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<double>
pooled(const Sessions& sessions)
{
  std::vector<double> out;
  for (const auto& s : sessions) out.insert(out.end(), s.begin(), s.end());
  return out;
}

} // namespace

TEST(Sessions, MatchesScipyReference)
{
  SessionOptions base_options;
  base_options.prior.floor = vectors()["prior"]["floor"].get<double>();
  base_options.prior.within_ratio = vectors()["prior"]["within_ratio"].get<double>();
  // The reference is Student's pooled t: the different-conditions allowance
  // (tested below) is ours.
  base_options.prior.conditions_ratio = std::numeric_limits<double>::infinity();
  base_options.confidence = vectors()["confidence"].get<double>();
  base_options.alpha = vectors()["alpha"].get<double>();
  std::size_t checked = 0;
  for (const Json& c : vectors()["cases"]) {
    SessionOptions options = base_options;
    if (c.contains("history")) {
      options.history = SessionSpread{c["history"]["log_sd"].get<double>(),
                                      c["history"]["df"].get<double>()};
    }
    const auto r = compare_sessions(c["baseline"].get<Sessions>(), c["current"].get<Sessions>(),
                                    options);
    const Json& e = c["expected"];
    const std::string name = c["name"].get<std::string>();
    ASSERT_TRUE(r.applicable) << name << ": " << r.reason;
    EXPECT_EQ(std::string(r.source), e["source"].get<std::string>()) << name;
    EXPECT_EQ(r.noise_estimated, e["noise_estimated"].get<bool>()) << name;
    EXPECT_EQ(r.reason.empty(), r.noise_estimated) << name;
    if (e["df"].is_null()) {
      EXPECT_TRUE(std::isinf(r.df)) << name;
      expect_close(r.within_log_sd, e["within_log_sd"].get<double>(), 1e-9, name + " sw");
    } else {
      expect_close(r.df, e["df"].get<double>(), 1e-12, name + " df");
    }
    for (auto [field, actual] : {std::pair{"log_difference", r.log_difference},
                                 {"estimate_pct", r.estimate_pct},
                                 {"standard_error", r.standard_error},
                                 {"session_log_sd", r.session_log_sd},
                                 {"p_greater", r.p_greater},
                                 {"p_less", r.p_less},
                                 {"lower_pct", r.lower_pct},
                                 {"upper_pct", r.upper_pct},
                                 {"equivalence_lower_pct", r.equivalence_lower_pct},
                                 {"equivalence_upper_pct", r.equivalence_upper_pct}}) {
      expect_close(actual, e[field].get<double>(), 1e-8, name + " " + field);
    }
    ++checked;
  }
  EXPECT_EQ(checked, 48u);
}

TEST(Sessions, HistorySpreadPoolsGroups)
{
  const Json& h = vectors()["history_spread"];
  auto spread = history_spread(h["groups"].get<Sessions>());
  ASSERT_TRUE(spread);
  expect_close(spread->log_sd, h["log_sd"].get<double>(), 1e-12, "log_sd");
  EXPECT_EQ(spread->df, h["df"].get<double>());
  EXPECT_FALSE(history_spread({{100}, {}, {-1, 5}}));
}

TEST(Sessions, RefusesWhatItCannotCompare)
{
  EXPECT_FALSE(compare_sessions({}, {{1, 2}}).applicable);
  EXPECT_FALSE(compare_sessions({{1, 2}}, {{}}).applicable);
  auto negative = compare_sessions({{1, 2}}, {{-1, 2}});
  EXPECT_FALSE(negative.applicable);
  EXPECT_NE(negative.reason.find("not positive"), std::string::npos);
  EXPECT_EQ(negative.p_greater, 1);
  auto single = compare_sessions({{10}}, {{20}});
  EXPECT_FALSE(single.applicable);
  EXPECT_FALSE(single.noise_estimated);
  // Single values, but several sessions: the centres are what is compared.
  EXPECT_TRUE(compare_sessions({{10}, {11}}, {{20}}).applicable);
}

TEST(Sessions, IdenticalCentresAreCertain)
{
  auto r = compare_sessions({{10, 11, 12}, {10, 11, 12}}, {{20, 22, 24}, {20, 22, 24}});
  ASSERT_TRUE(r.applicable);
  EXPECT_EQ(r.standard_error, 0);
  EXPECT_EQ(r.p_greater, 0);
  EXPECT_EQ(r.p_less, 1);
  EXPECT_NEAR(r.estimate_pct, 100, 1e-9);
}

// The rule: five tight samples per side 20 % apart, nothing else
// known, is still a clear change ...
TEST(Sessions, SingleSessionTightSamplesTwentyPercentApartAreDecisive)
{
  Sessions base{{100.0, 100.8, 99.4, 100.3, 99.7}};
  Sessions cur{{120.2, 119.5, 120.9, 120.0, 119.3}};
  auto r = compare_sessions(base, cur);
  ASSERT_TRUE(r.applicable);
  EXPECT_FALSE(r.noise_estimated);
  EXPECT_STREQ(r.source, "assumed");
  EXPECT_NE(r.reason.find("one session per side"), std::string::npos);
  EXPECT_LT(r.p_greater, 0.001);
  EXPECT_GT(r.lower_pct, 5);
}

// ... while the loaded machine's false alarms, shifts of 12-29 % between
// sessions whose samples are noisy, are not.
TEST(Sessions, SingleSessionNoisyShiftsAreNotDecisive)
{
  Normal z(7);
  for (double shift : {1.12, 1.20, 1.29}) {
    for (int rep = 0; rep < 50; ++rep) {
      auto base = draw(z, 1, 10, 0, 0.10);
      auto cur = draw(z, 1, 10, 0, 0.10, shift);
      auto r = compare_sessions(base, cur);
      ASSERT_TRUE(r.applicable);
      // 0.0125: the first step of Holm over the example's four metrics.
      EXPECT_GT(r.p_greater, 0.0125) << "shift " << shift << " rep " << rep;
    }
  }
}

// Two-level data with no real change: the one-sided test on session centres
// holds its level and the interval covers, whatever the session spread; the
// naive test on pooled samples does not.
TEST(Sessions, HoldsLevelAndCoverageUnderSessionNoise)
{
  Normal z(20261212);
  constexpr int reps = 2000;
  for (double session_cov : {0.0, 0.05, 0.20}) {
    int alarms = 0, covered = 0, naive_alarms = 0;
    for (int rep = 0; rep < reps; ++rep) {
      auto base = draw(z, 3, 10, session_cov, 0.03);
      auto cur = draw(z, 3, 10, session_cov, 0.03);
      auto r = compare_sessions(base, cur);
      alarms += r.p_greater <= 0.05;
      covered += r.lower_pct <= 0 && r.upper_pct >= 0;
      naive_alarms += welch_t_test(pooled(base), pooled(cur), Worse::greater).p_value <= 0.05;
    }
    EXPECT_GT(alarms, reps * 0.03) << session_cov;
    EXPECT_LT(alarms, reps * 0.07) << session_cov;
    EXPECT_GT(covered, reps * 0.93) << session_cov;
    EXPECT_LT(covered, reps * 0.97) << session_cov;
    if (session_cov >= 0.05) {
      EXPECT_GT(naive_alarms, reps * 0.25) << "naive test at session CoV " << session_cov;
    }
  }
}

// History of the same host pooled in: still at level, and with one session
// per side (a legacy baseline and a plain run) the verdict is measured, not
// assumed.
TEST(Sessions, HistoryPoolsAtLevel)
{
  Normal z(99);
  constexpr int reps = 2000;
  int alarms = 0, covered = 0;
  for (int rep = 0; rep < reps; ++rep) {
    std::vector<std::vector<double>> centres(1);
    for (const auto& s : draw(z, 11, 10, 0.08, 0.03)) {
      centres[0].push_back(std::exp(session_log_centre(s)));
    }
    SessionOptions options;
    options.history = history_spread(centres);
    auto r = compare_sessions(draw(z, 1, 10, 0.08, 0.03), draw(z, 1, 10, 0.08, 0.03), options);
    ASSERT_STREQ(r.source, "history");
    ASSERT_EQ(r.df, 10);
    alarms += r.p_greater <= 0.05;
    covered += r.lower_pct <= 0 && r.upper_pct >= 0;
  }
  EXPECT_GT(alarms, reps * 0.03);
  EXPECT_LT(alarms, reps * 0.07);
  EXPECT_GT(covered, reps * 0.93);
  EXPECT_LT(covered, reps * 0.97);
}

// Three sessions a side find a real 10 % change through 5 % session noise.
TEST(Sessions, ThreeSessionsHavePower)
{
  Normal z(5);
  constexpr int reps = 1000;
  int found = 0;
  for (int rep = 0; rep < reps; ++rep) {
    auto r = compare_sessions(draw(z, 3, 10, 0.02, 0.03), draw(z, 3, 10, 0.02, 0.03, 1.10));
    found += r.p_greater <= 0.05;
  }
  EXPECT_GT(found, reps * 0.85);
}

// The single-session rule with session noise up to its floor, samples at
// 3 % CoV: few false alarms at the 0.05 level.
TEST(Sessions, SingleSessionAssumedSpreadIsConservativeUpToItsFloor)
{
  Normal z(11);
  constexpr int reps = 2000;
  int alarms = 0;
  for (int rep = 0; rep < reps; ++rep) {
    auto r = compare_sessions(draw(z, 1, 10, 0.03, 0.03), draw(z, 1, 10, 0.03, 0.03));
    alarms += r.p_greater <= 0.05;
  }
  EXPECT_LT(alarms, reps * 0.05);
}

// A quiet baseline against a run on a busy machine: the run's sessions agree
// with each other (the load was steady) and sit 30 % higher. Their samples
// spread ten times as much as the baseline's, which says the two sides were
// measured under different conditions, so the shift is not decisive.
TEST(Sessions, DifferentConditionsRaiseTheSessionSpread)
{
  Normal z(11);
  const Sessions quiet = draw(z, 3, 10, 0.005, 0.01);
  const Sessions busy = draw(z, 3, 10, 0.02, 0.12, 1.30);
  const auto r = compare_sessions(quiet, busy);
  ASSERT_TRUE(r.applicable);
  EXPECT_TRUE(r.conditions_differ);
  EXPECT_GT(r.current_within_log_sd, 5 * r.baseline_within_log_sd);
  EXPECT_GT(r.p_greater, 0.05) << "the load alone can make +30 %";
  EXPECT_GE(r.session_log_sd, 0.2);

  // The same spread on both sides: the measured session spread stands and
  // the 30 % shift is found.
  const auto same = compare_sessions(draw(z, 3, 10, 0.02, 0.03), draw(z, 3, 10, 0.02, 0.03, 1.30));
  EXPECT_FALSE(same.conditions_differ);
  EXPECT_LT(same.p_greater, 0.01);
}

// Interleaved rounds (SessionOptions::paired): each round's drift moves both
// sides, so a 5 % change hidden under rounds that differ by up to 40 % is
// found when the rounds are paired, and not when they are taken as
// independent sessions.
TEST(Sessions, PairedRoundsCancelTheDriftBetweenRounds)
{
  Normal z(11);
  const std::vector<double> drift = {1.0, 1.4, 0.9, 1.25, 1.1, 0.95, 1.3, 1.05};
  Sessions base, cur;
  for (double d : drift) {
    std::vector<double> b, c;
    for (int i = 0; i < 3; ++i) {
      b.push_back(100 * d * std::exp(0.01 * z()));
      c.push_back(105 * d * std::exp(0.01 * z()));
    }
    base.push_back(b);
    cur.push_back(c);
  }
  SessionOptions paired;
  paired.paired = true;
  auto p = compare_sessions(base, cur, paired);
  ASSERT_TRUE(p.applicable);
  EXPECT_STREQ(p.source, "paired");
  EXPECT_TRUE(p.noise_estimated);
  // 8 rounds: one cut from each end (20 %), df = 8 - 2 - 1.
  EXPECT_EQ(p.trimmed_rounds, 1u);
  EXPECT_EQ(p.df, drift.size() - 3);
  EXPECT_LT(p.p_greater, 0.001);
  EXPECT_GT(p.lower_pct, 3);
  EXPECT_LT(p.upper_pct, 7);
  EXPECT_NEAR(p.estimate_pct, 5, 1);

  auto unpaired = compare_sessions(base, cur);
  EXPECT_STREQ(unpaired.source, "sessions");
  EXPECT_GT(unpaired.p_greater, 0.05) << "the rounds' drift hides the change when unpaired";
}

// With no change, paired rounds under drift keep the nominal false-alarm
// rate (seeded simulation, 2000 comparisons of 10 rounds).
TEST(Sessions, PairedRoundsKeepTheFalseAlarmRate)
{
  Normal z(12);
  int alarms = 0;
  constexpr int k_trials = 2000;
  for (int t = 0; t < k_trials; ++t) {
    Sessions base, cur;
    for (int round = 0; round < 10; ++round) {
      const double d = std::exp(0.2 * z()); // large drift between rounds
      base.push_back({100 * d * std::exp(0.03 * z())});
      cur.push_back({100 * d * std::exp(0.03 * z())});
    }
    SessionOptions o;
    o.paired = true;
    auto r = compare_sessions(base, cur, o);
    if (r.p_greater < 0.05) ++alarms;
  }
  EXPECT_GT(alarms, k_trials * 0.03);
  EXPECT_LT(alarms, k_trials * 0.07);
}

// One round that a burst of load hit on one side only: its difference is
// -40 % while the other nine sit near the true +10 %. The plain paired t
// (no trimming) averages it in and misses the change; the trimmed paired t
// cuts it and finds +10 %.
TEST(Sessions, TrimmedPairingSurvivesOneRoundHitByLoad)
{
  Normal z(13);
  Sessions base, cur;
  for (int round = 0; round < 10; ++round) {
    const double d = std::exp(0.2 * z());
    const double hit = round == 4 ? 0.6 : 1.0;
    base.push_back({100 * d * std::exp(0.01 * z()), 100 * d * std::exp(0.01 * z())});
    cur.push_back({110 * d * hit * std::exp(0.01 * z()), 110 * d * hit * std::exp(0.01 * z())});
  }
  SessionOptions plain;
  plain.paired = true;
  plain.paired_trim = 0;
  auto p = compare_sessions(base, cur, plain);
  EXPECT_EQ(p.trimmed_rounds, 0u);
  EXPECT_GT(p.p_greater, 0.05) << "one bad round hides the change from the plain paired t";

  SessionOptions trimmed;
  trimmed.paired = true;
  auto t = compare_sessions(base, cur, trimmed);
  EXPECT_EQ(t.trimmed_rounds, 2u);
  EXPECT_EQ(t.df, 5);
  EXPECT_LT(t.p_greater, 0.001);
  EXPECT_NEAR(t.estimate_pct, 10, 1.5);
  EXPECT_GT(t.lower_pct, 7);
}

// When winsorizing makes every difference equal (a zero standard error) but
// the rounds do not all agree, the exact sign test decides: ten rounds, all
// slower, give p = 2^-10 one way and 1 the other.
TEST(Sessions, TrimmedPairingFallsBackToTheSignTest)
{
  Sessions base, cur;
  const std::vector<double> diffs = {0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2};
  for (double d : diffs) {
    base.push_back({100.0});
    cur.push_back({100.0 * std::exp(d)});
  }
  SessionOptions o;
  o.paired = true;
  auto r = compare_sessions(base, cur, o);
  ASSERT_TRUE(r.applicable);
  EXPECT_NEAR(r.p_greater, std::pow(0.5, 10), 1e-9);
  EXPECT_DOUBLE_EQ(r.p_less, 1.0);
  EXPECT_NEAR(r.estimate_pct, 100 * (std::exp(0.1) - 1), 1e-6);
}

// Unequal round counts cannot be paired: the unpaired rules apply.
TEST(Sessions, PairingNeedsTheSameRoundsOnBothSides)
{
  SessionOptions o;
  o.paired = true;
  auto r = compare_sessions({{10, 11}, {12, 11}, {10, 10}}, {{11, 12}, {12, 13}}, o);
  ASSERT_TRUE(r.applicable);
  EXPECT_STREQ(r.source, "sessions");
}

// The decision-quality study (bench/decision-quality/README.md).
//
// Simulates CI suites of 50 scenario-metrics whose per-iteration samples come
// from known distributions, compares each simulated run with an independently
// drawn baseline through bench::compare_to_baseline (the function `homeboy
// bench` uses), and counts how often the verdicts are right: false alarms
// with no real change, power to flag a 5 % slowdown, and what
// --until-decisive spends to decide.
//
//   decision_quality [--suites N] [--decisive-suites N] [--target-suites N]
//                    [--seed S] [--threads T] [--json] [--study classic|sessions]
//
// Every suite's samples come from a std::mt19937_64 seeded with
// splitmix64(seed, cell, suite), so any cell can be rerun alone and every
// rule in a cell sees the same data. Normal deviates are made here
// (Box-Muller on 53-bit uniforms), not by std::normal_distribution, so the
// figures do not depend on the standard library.

#include "bench/baseline.hpp"
#include "bench/compare.hpp"
#include "bench/results/results.hpp"
#include "stats/descriptive.hpp"

#include "common.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace hb;
using bench::Verdict;
using Json = nlohmann::ordered_json;
using dq::in_parallel;
using dq::pct;
using dq::pct_ci;
using dq::rate;
using dq::standard_normal;
using dq::suite_seed;
using dq::uniform01;

constexpr std::size_t k_metrics = 50;   // scenario-metrics per suite
constexpr double k_centre_ms = 100;     // median of the (first mode of the) distribution
constexpr double k_slowdown = 1.05;     // "a 5 % slowdown": every sample x 1.05
constexpr double k_policy_threshold = 2; // metric_policies threshold_percent
constexpr double k_legacy_threshold = 5; // --regression-threshold for the legacy p95 rule

// ---------------------------------------------------------------- sampling


struct Distribution
{
  std::string key;   // for JSON
  std::string label; // for the tables
  double cov = 0.03; // of each log-normal component
  double second_mode_share = 0; // bimodal: share of the slower mode
  double second_mode_ratio = 1; // its median relative to the first

  double sigma() const { return std::sqrt(std::log1p(cov * cov)); }

  double draw(std::mt19937_64& rng) const
  {
    double centre = k_centre_ms;
    if (second_mode_share > 0 && uniform01(rng) < second_mode_share) {
      centre *= second_mode_ratio;
    }
    return centre * std::exp(sigma() * standard_normal(rng));
  }
};

const Distribution k_lognormal3{"lognormal_3", "log-normal 3 % CoV", 0.03};
const Distribution k_lognormal10{"lognormal_10", "log-normal 10 % CoV", 0.10};
const Distribution k_bimodal{"bimodal", "bimodal 70/30, modes 15 % apart", 0.03, 0.30, 1.15};

std::vector<double>
draw_samples(const Distribution& dist, std::size_t n, double factor, std::mt19937_64& rng)
{
  std::vector<double> out(n);
  for (double& v : out) {
    v = dist.draw(rng) * factor;
  }
  return out;
}

std::string
scenario_id(std::size_t i)
{
  return fmt::format("scenario-{:02}", i);
}

// A scenario as a runner reports it: wall_ms samples plus the summaries the
// runtime helpers derive from them (R-7 percentiles).
bench::Scenario
make_scenario(std::size_t i, std::vector<double> samples)
{
  bench::Scenario s;
  s.id = scenario_id(i);
  s.iterations = samples.size();
  auto sorted = stats::sorted_copy(samples);
  s.metrics = {{"p95_ms", stats::percentile_sorted(sorted, 0.95)},
               {"median_ms", stats::percentile_sorted(sorted, 0.50)}};
  s.distributions = {{"wall_ms", std::move(samples)}};
  return s;
}

struct Suite
{
  bench::Baseline baseline;
  bench::BenchResults current; // policies are set per rule
  std::vector<bool> slowed;    // by scenario index
};

// The baseline and the run are independent draws of `n` iterations each;
// `slowed_count` scenarios (the first ones) run 5 % slower in the run.
Suite
make_suite(const Distribution& dist, std::size_t n, std::size_t baseline_n,
           std::size_t slowed_count, std::mt19937_64& rng)
{
  Suite suite;
  bench::BenchResults base;
  base.component_id = "simulated";
  base.iterations = baseline_n;
  suite.current.component_id = "simulated";
  suite.current.iterations = n;
  for (std::size_t i = 0; i < k_metrics; ++i) {
    bool slow = i < slowed_count;
    suite.slowed.push_back(slow);
    base.scenarios.push_back(make_scenario(i, draw_samples(dist, baseline_n, 1.0, rng)));
    suite.current.scenarios.push_back(
      make_scenario(i, draw_samples(dist, n, slow ? k_slowdown : 1.0, rng)));
  }
  suite.baseline = bench::make_baseline(base, 0);
  return suite;
}

// ------------------------------------------------------------------- rules

struct Rule
{
  std::string key;
  std::string label;
  bool legacy = false; // no metric_policies: the p95_ms point rule at 5 %
  bench::RegressionTest test = bench::RegressionTest::mann_whitney_u;
  bench::Statistics statistics = bench::Statistics::sound;
  stats::Correction correction = stats::Correction::holm;
};

const std::vector<Rule>&
rules()
{
  using bench::RegressionTest;
  using bench::Statistics;
  using stats::Correction;
  static const std::vector<Rule> all{
    {"sound_mwu_holm", "sound MWU, Holm (default)", false, RegressionTest::mann_whitney_u,
     Statistics::sound, Correction::holm},
    {"sound_mwu_bh", "sound MWU, `--correction bh`", false, RegressionTest::mann_whitney_u,
     Statistics::sound, Correction::benjamini_hochberg},
    {"sound_mwu_none", "sound MWU, `--correction none`", false, RegressionTest::mann_whitney_u,
     Statistics::sound, Correction::none},
    {"sound_ks_holm", "sound KS, Holm", false, RegressionTest::kolmogorov_smirnov,
     Statistics::sound, Correction::holm},
    {"sound_welch_holm", "sound Welch t, Holm", false, RegressionTest::welch_t,
     Statistics::sound, Correction::holm},
    {"documented_mwu", "documented MWU", false, RegressionTest::mann_whitney_u,
     Statistics::documented, Correction::holm},
    {"documented_ks", "documented KS", false, RegressionTest::kolmogorov_smirnov,
     Statistics::documented, Correction::holm},
    {"legacy_p95", "legacy p95 point delta, 5 %", true, RegressionTest::point_delta,
     Statistics::sound, Correction::holm},
  };
  return all;
}

std::vector<std::pair<std::string, bench::MetricPolicy>>
policies_for(const Rule& rule)
{
  if (rule.legacy) {
    return {};
  }
  bench::MetricPolicy policy;
  policy.direction = bench::Direction::lower_is_better;
  policy.variance_aware = true;
  policy.regression_test = rule.test;
  policy.threshold_percent = k_policy_threshold;
  return {{"wall_ms", policy}};
}

bench::CompareOptions
options_for(const Rule& rule, double alpha)
{
  bench::CompareOptions options;
  options.threshold_percent = k_legacy_threshold;
  options.statistics = rule.statistics;
  options.correction = rule.correction;
  options.alpha = alpha;
  return options;
}

// ------------------------------------------------------------------ tallies

struct VerdictCounts
{
  std::uint64_t regressed = 0, improved = 0, unchanged = 0, inconclusive = 0;

  void add(Verdict v)
  {
    switch (v) {
    case Verdict::regressed: ++regressed; break;
    case Verdict::improved: ++improved; break;
    case Verdict::unchanged: ++unchanged; break;
    case Verdict::inconclusive: ++inconclusive; break;
    }
  }
  std::uint64_t total() const { return regressed + improved + unchanged + inconclusive; }
  void merge(const VerdictCounts& o)
  {
    regressed += o.regressed;
    improved += o.improved;
    unchanged += o.unchanged;
    inconclusive += o.inconclusive;
  }
  Json json() const
  {
    return {{"regressed", regressed}, {"improved", improved}, {"unchanged", unchanged},
            {"inconclusive", inconclusive}};
  }
};

struct Tally
{
  std::uint64_t suites = 0;
  std::uint64_t false_alarm_suites = 0; // some unslowed metric regressed
  std::uint64_t inconclusive_suites = 0; // some metric inconclusive (the CLI's `inconclusive`)
  VerdictCounts unslowed;               // per-metric verdicts, no real change
  VerdictCounts slowed;                 // per-metric verdicts, 5 % slower

  void merge(const Tally& o)
  {
    suites += o.suites;
    false_alarm_suites += o.false_alarm_suites;
    inconclusive_suites += o.inconclusive_suites;
    unslowed.merge(o.unslowed);
    slowed.merge(o.slowed);
  }

  Json json() const
  {
    return {{"suites", suites}, {"false_alarm_suites", false_alarm_suites},
            {"inconclusive_suites", inconclusive_suites},
            {"unslowed_metrics", unslowed.json()}, {"slowed_metrics", slowed.json()}};
  }
};

// The metric's verdict in each scenario (one metric per scenario).
void
tally(Tally& t, const bench::BaselineComparison& cmp, const Suite& suite)
{
  ++t.suites;
  bool false_alarm = false;
  bool inconclusive = false;
  for (std::size_t i = 0; i < k_metrics; ++i) {
    const auto* sc = cmp.find(scenario_id(i));
    if (!sc || sc->metric_deltas.size() != 1) {
      std::fprintf(stderr, "decision_quality: %s has no single compared metric\n",
                   scenario_id(i).c_str());
      std::exit(2);
    }
    Verdict v = sc->metric_deltas.front().verdict;
    inconclusive |= v == Verdict::inconclusive;
    if (suite.slowed[i]) {
      t.slowed.add(v);
    } else {
      t.unslowed.add(v);
      false_alarm |= v == Verdict::regressed;
    }
  }
  t.false_alarm_suites += false_alarm;
  t.inconclusive_suites += inconclusive;
}

// ------------------------------------------------------------------- cells

struct Cell
{
  std::string key;
  const Distribution* dist;
  std::size_t iterations;
  std::size_t slowed;
  bool target = false;        // a target figure: the defaults also get --target-suites
  std::vector<Tally> by_rule; // parallel to rules(), over the first --suites suites
  Tally defaults;             // sound MWU, Holm, over max(--suites, --target-suites)
};


struct CellPart
{
  std::vector<Tally> by_rule = std::vector<Tally>(rules().size());
  Tally defaults;
};

// Suite k of a cell: every rule on the same data while k < suites, then only
// the defaults (rules().front()) up to the target suites.
void
run_suite(const Cell& cell, CellPart& part, std::uint64_t cell_number, std::uint64_t seed,
          std::size_t suites, std::size_t k)
{
  std::mt19937_64 rng(suite_seed(seed, cell_number, k));
  Suite suite = make_suite(*cell.dist, cell.iterations, cell.iterations, cell.slowed, rng);
  for (std::size_t r = 0; r < (k < suites ? rules().size() : 1); ++r) {
    const Rule& rule = rules()[r];
    suite.current.policies = policies_for(rule);
    auto cmp = bench::compare_to_baseline(suite.baseline, suite.current, options_for(rule, 0.05));
    if (k < suites) tally(part.by_rule[r], cmp, suite);
    if (r == 0) tally(part.defaults, cmp, suite);
  }
}

void
run_cell(Cell& cell, std::uint64_t cell_number, std::uint64_t seed, std::size_t suites,
         std::size_t target_suites, std::size_t threads)
{
  std::size_t total = cell.target ? std::max(suites, target_suites) : suites;
  auto parts = in_parallel<CellPart>(total, threads, [&](CellPart& part, std::size_t k) {
    run_suite(cell, part, cell_number, seed, suites, k);
  });
  cell.by_rule.assign(rules().size(), {});
  for (const auto& part : parts) {
    for (std::size_t r = 0; r < part.by_rule.size(); ++r) cell.by_rule[r].merge(part.by_rule[r]);
    cell.defaults.merge(part.defaults);
  }
}

// --until-decisive exactly as app::run_bench does it: every look at
// alpha / planned_looks(iterations, MAX); each round re-runs the scenarios
// that are inconclusive and have fewer than MAX samples, all with the
// smallest decisive_round_iterations among them, appends the new samples to
// the run's and compares again, until nothing is inconclusive or nothing can
// be re-run.
struct DecisiveCell
{
  std::string key;
  std::string label;
  const Distribution* dist;
  std::size_t iterations;
  std::size_t baseline_iterations;
  std::size_t max;
  std::size_t slowed;

  std::uint64_t looks = 0;
  struct Counts
  {
    Tally first;  // verdicts at the first look (alpha / looks)
    Tally final;  // verdicts when the procedure stops
    std::uint64_t extra_iterations = 0; // summed over scenarios
    std::uint64_t rounds = 0;           // summed over suites
  } counts;
};

void
run_decisive(DecisiveCell& cell, std::uint64_t cell_number, std::uint64_t seed,
             std::size_t suites, std::size_t threads)
{
  const Rule& rule = rules().front(); // the defaults: sound MWU, Holm
  cell.looks = bench::planned_looks(cell.iterations, cell.max);
  auto options = options_for(rule, 0.05 / static_cast<double>(cell.looks));
  using Part = DecisiveCell::Counts;
  auto parts = in_parallel<Part>(suites, threads, [&](Part& counts, std::size_t k) {
    std::mt19937_64 rng(suite_seed(seed, cell_number, k));
    Suite suite =
      make_suite(*cell.dist, cell.iterations, cell.baseline_iterations, cell.slowed, rng);
    suite.current.policies = policies_for(rule);
    auto cmp = bench::compare_to_baseline(suite.baseline, suite.current, options);
    tally(counts.first, cmp, suite);
    while (cmp.inconclusive) {
      std::vector<std::size_t> rerun;
      std::uint64_t extra = 0;
      for (const auto& id : cmp.inconclusive_scenario_ids()) {
        std::size_t i = std::stoul(id.substr(id.find('-') + 1));
        std::uint64_t have = suite.current.scenarios[i].distributions.front().second.size();
        if (have < cell.max) {
          rerun.push_back(i);
          std::uint64_t step = bench::decisive_round_iterations(have, cell.max);
          extra = extra ? std::min(extra, step) : step;
        }
      }
      if (rerun.empty() || extra == 0) {
        break;
      }
      ++counts.rounds;
      for (std::size_t i : rerun) {
        auto& s = suite.current.scenarios[i];
        auto more = draw_samples(*cell.dist, extra, suite.slowed[i] ? k_slowdown : 1.0, rng);
        auto& samples = s.distributions.front().second;
        samples.insert(samples.end(), more.begin(), more.end());
        s.iterations += extra;
        counts.extra_iterations += extra;
      }
      cmp = bench::compare_to_baseline(suite.baseline, suite.current, options);
    }
    tally(counts.final, cmp, suite);
  });
  for (const auto& part : parts) {
    cell.counts.first.merge(part.first);
    cell.counts.final.merge(part.final);
    cell.counts.extra_iterations += part.extra_iterations;
    cell.counts.rounds += part.rounds;
  }
}

// ------------------------------------------------------------------ output

struct Args
{
  std::size_t suites = 200;
  std::size_t decisive_suites = 0; // 0: same as suites
  std::size_t target_suites = 1000;
  std::uint64_t seed = 20261122;
  std::size_t threads = 1;
  bool json = false;
  bool sessions = false; // --study sessions: the between-session study instead
};

[[noreturn]] void
usage(int code)
{
  std::fprintf(code ? stderr : stdout,
               "usage: decision_quality [--suites N] [--decisive-suites N] [--target-suites N]\n"
               "                        [--seed S] [--threads T] [--json] [--study classic|sessions]\n"
               "  --suites N           simulated suites per cell (default 200)\n"
               "  --decisive-suites N  suites per --until-decisive cell (default: --suites)\n"
               "  --target-suites N    suites for the defaults in the cells of the targets\n"
               "                       (default 1000; the first --suites are the shared ones)\n"
               "  --seed S             master seed (default 20261122)\n"
               "  --threads T          worker threads (default 1); the figures do not depend on it\n"
               "  --json               print the tallies as JSON instead of Markdown\n"
               "  --study sessions     the between-session study (issue 12) instead of the\n"
               "                       classic one; uses --suites, --seed, --threads, --json\n");
  std::exit(code);
}

Args
parse_args(int argc, char** argv)
{
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto number = [&](const char* name) -> std::uint64_t {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "decision_quality: %s needs a value\n", name);
        usage(2);
      }
      char* end = nullptr;
      errno = 0;
      auto v = std::strtoull(argv[++i], &end, 0);
      if (errno || !end || *end) {
        std::fprintf(stderr, "decision_quality: %s: not a number: %s\n", name, argv[i]);
        usage(2);
      }
      return v;
    };
    if (a == "--suites") args.suites = number("--suites");
    else if (a == "--decisive-suites") args.decisive_suites = number("--decisive-suites");
    else if (a == "--target-suites") args.target_suites = number("--target-suites");
    else if (a == "--seed") args.seed = number("--seed");
    else if (a == "--threads") args.threads = number("--threads");
    else if (a == "--json") args.json = true;
    else if (a == "--study" && i + 1 < argc && std::string(argv[i + 1]) == "sessions") {
      args.sessions = true;
      ++i;
    } else if (a == "--study" && i + 1 < argc && std::string(argv[i + 1]) == "classic") {
      ++i;
    }
    else if (a == "-h" || a == "--help") usage(0);
    else {
      std::fprintf(stderr, "decision_quality: unknown argument %s\n", a.c_str());
      usage(2);
    }
  }
  if (args.suites == 0) usage(2);
  if (args.decisive_suites == 0) args.decisive_suites = args.suites;
  return args;
}

} // namespace

int
main(int argc, char** argv)
{
  Args args = parse_args(argc, argv);
  if (args.sessions) {
    return dq::run_session_study(args.suites, args.seed, args.threads, args.json);
  }
  auto started = std::chrono::steady_clock::now();

  // Cells 0-5: no change. Cells 6-9: 5 % slowdown at 3 % CoV.
  std::vector<Cell> null_cells;
  for (const Distribution* d : {&k_lognormal3, &k_lognormal10, &k_bimodal}) {
    for (std::size_t n : {10, 30}) {
      null_cells.push_back({fmt::format("{}_n{}", d->key, n), d, n, 0, true, {}, {}});
    }
  }
  std::vector<Cell> power_cells;
  for (std::size_t slowed : {std::size_t{1}, k_metrics}) {
    for (std::size_t n : {10, 30}) {
      power_cells.push_back(
        {fmt::format("lognormal_3_n{}_slowed{}", n, slowed), &k_lognormal3, n, slowed, n == 30,
         {}, {}});
    }
  }
  std::vector<DecisiveCell> decisive;
  for (std::size_t max : {40, 80}) {
    for (const Distribution* d : {&k_lognormal3, &k_lognormal10, &k_bimodal}) {
      decisive.push_back({fmt::format("{}_max{}_no_change", d->key, max),
                          fmt::format("no change, {}", d->label), d, 10, 10, max, 0});
    }
    decisive.push_back({fmt::format("lognormal_3_max{}_slowed1", max),
                        "5 % slower, 1 of 50, 3 % CoV", &k_lognormal3, 10, 10, max, 1});
    decisive.push_back({fmt::format("lognormal_3_max{}_slowed50", max),
                        "5 % slower, all 50, 3 % CoV", &k_lognormal3, 10, 10, max, k_metrics});
  }
  // Not the CLI's usual case: a baseline saved with MAX iterations.
  for (std::size_t max : {40, 80}) {
    decisive.push_back({fmt::format("lognormal_3_max{}_no_change_baseline{}", max, max),
                        fmt::format("no change, 3 % CoV, baseline of {} iterations", max),
                        &k_lognormal3, 10, max, max, 0});
    decisive.push_back({fmt::format("lognormal_3_max{}_slowed50_baseline{}", max, max),
                        fmt::format("5 % slower, all 50, 3 % CoV, baseline of {} iterations", max),
                        &k_lognormal3, 10, max, max, k_metrics});
  }

  std::uint64_t cell_number = 0;
  auto progress = [&, last = started](const std::string& key) mutable {
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "decision_quality: %s done in %.1f s\n", key.c_str(),
                 std::chrono::duration<double>(now - last).count());
    last = now;
  };
  for (auto& c : null_cells) {
    run_cell(c, cell_number++, args.seed, args.suites, args.target_suites, args.threads);
    progress(c.key);
  }
  for (auto& c : power_cells) {
    run_cell(c, cell_number++, args.seed, args.suites, args.target_suites, args.threads);
    progress(c.key);
  }
  for (auto& c : decisive) {
    run_decisive(c, cell_number++, args.seed, args.decisive_suites, args.threads);
    progress(c.key);
  }
  double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (args.json) {
    Json out{{"suites", args.suites},
             {"target_suites", args.target_suites},
             {"decisive_suites", args.decisive_suites},
             {"seed", args.seed},
             {"metrics_per_suite", k_metrics},
             {"seconds", seconds}};
    Json cells = Json::array();
    for (const auto* group : {&null_cells, &power_cells}) {
      for (const auto& c : *group) {
        Json j{{"cell", c.key}, {"distribution", c.dist->key}, {"iterations", c.iterations},
               {"slowed", c.slowed}};
        for (std::size_t r = 0; r < rules().size(); ++r) {
          j["rules"][rules()[r].key] = c.by_rule[r].json();
        }
        if (c.target) j["defaults_target"] = c.defaults.json();
        cells.push_back(std::move(j));
      }
    }
    out["cells"] = std::move(cells);
    Json dec = Json::array();
    for (const auto& c : decisive) {
      dec.push_back({{"cell", c.key}, {"distribution", c.dist->key},
                     {"iterations", c.iterations}, {"baseline_iterations", c.baseline_iterations},
                     {"max", c.max}, {"slowed", c.slowed}, {"looks", c.looks},
                     {"extra_iterations", c.counts.extra_iterations}, {"rounds", c.counts.rounds},
                     {"first_look", c.counts.first.json()}, {"final", c.counts.final.json()}});
    }
    out["until_decisive"] = std::move(dec);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }

  const auto& R = rules();
  auto find_null = [&](const Distribution& d, std::size_t n) -> const Cell& {
    for (const auto& c : null_cells)
      if (c.dist == &d && c.iterations == n) return c;
    std::abort();
  };
  auto find_power = [&](std::size_t slowed, std::size_t n) -> const Cell& {
    for (const auto& c : power_cells)
      if (c.slowed == slowed && c.iterations == n) return c;
    std::abort();
  };

  std::printf("# Decision quality\n\n");
  std::printf("%zu simulated suites per cell (%zu per --until-decisive cell, %zu for the "
              "defaults in the cells of the targets), %zu scenario-metrics per suite, seed %llu; "
              "%.0f s.\n\n",
              args.suites, args.decisive_suites, std::max(args.suites, args.target_suites), k_metrics,
              static_cast<unsigned long long>(args.seed), seconds);
  std::printf("Sound and documented rules: metric_policies.wall_ms = {lower_is_better, "
              "variance_aware, threshold_percent %g, regression_test as named}. Legacy: no "
              "policies, p95_ms point delta at --regression-threshold %g. Alpha 0.05. "
              "Brackets: Wilson 95 %% intervals.\n\n",
              k_policy_threshold, k_legacy_threshold);

  // 1. False alarms.
  std::printf("## No real change: family-wise false-alarm rate (suites with any `regressed`)\n\n");
  std::printf("| rule |");
  for (const auto& c : null_cells) std::printf(" %s, %zu it. |", c.dist->label.c_str(), c.iterations);
  std::printf("\n|---|");
  for (std::size_t i = 0; i < null_cells.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (std::size_t r = 0; r < R.size(); ++r) {
    std::printf("| %s |", R[r].label.c_str());
    for (const auto& c : null_cells) {
      const auto& t = c.by_rule[r];
      std::printf(" %s |", (r == 0 ? pct_ci(t.false_alarm_suites, t.suites)
                                   : pct(t.false_alarm_suites, t.suites)).c_str());
    }
    std::printf("\n");
  }

  // 2. Per-metric verdicts with no change.
  std::printf("\n## No real change: per-metric verdicts "
              "(regressed / improved / unchanged / inconclusive)\n\n");
  std::printf("| rule | distribution | 10 iterations | 30 iterations | suites with any "
              "`inconclusive`, 10 / 30 it. |\n|---|---|---|---|---|\n");
  for (std::size_t r = 0; r < R.size(); ++r) {
    if (R[r].key == "sound_mwu_bh" || R[r].key == "sound_mwu_none") continue;
    for (const Distribution* d : {&k_lognormal3, &k_lognormal10, &k_bimodal}) {
      std::printf("| %s | %s |", R[r].label.c_str(), d->label.c_str());
      for (std::size_t n : {10, 30}) {
        const auto& v = find_null(*d, n).by_rule[r].unslowed;
        std::printf(" %s / %s / %s / %s |", pct(v.regressed, v.total()).c_str(),
                    pct(v.improved, v.total()).c_str(), pct(v.unchanged, v.total()).c_str(),
                    pct(v.inconclusive, v.total()).c_str());
      }
      const auto& t10 = find_null(*d, 10).by_rule[r];
      const auto& t30 = find_null(*d, 30).by_rule[r];
      std::printf(" %s / %s |\n", pct(t10.inconclusive_suites, t10.suites).c_str(),
                  pct(t30.inconclusive_suites, t30.suites).c_str());
    }
  }

  // 3. Power.
  std::printf("\n## 5 %% slowdown, log-normal 3 %% CoV: per-metric power "
              "(slowed metrics flagged `regressed`)\n\n");
  std::printf("| rule | 1 of 50 slowed, 10 it. | 1 of 50 slowed, 30 it. | all 50 slowed, 10 it. "
              "| all 50 slowed, 30 it. | false alarm among the other 49, 30 it. |\n"
              "|---|---|---|---|---|---|\n");
  for (std::size_t r = 0; r < R.size(); ++r) {
    std::printf("| %s |", R[r].label.c_str());
    for (std::size_t slowed : {std::size_t{1}, k_metrics}) {
      for (std::size_t n : {10, 30}) {
        const auto& v = find_power(slowed, n).by_rule[r].slowed;
        bool target = n == 30;
        std::printf(" %s |", (target ? pct_ci(v.regressed, v.total())
                                     : pct(v.regressed, v.total())).c_str());
      }
    }
    const auto& t = find_power(1, 30).by_rule[r];
    std::printf(" %s |\n", pct(t.false_alarm_suites, t.suites).c_str());
  }
  std::printf("\nSlowed metrics not flagged, 30 iterations, sound MWU Holm "
              "(improved / unchanged / inconclusive): ");
  for (std::size_t slowed : {std::size_t{1}, k_metrics}) {
    const auto& v = find_power(slowed, 30).by_rule[0].slowed;
    std::printf("%s%zu slowed: %s / %s / %s", slowed == 1 ? "" : "; ", slowed,
                pct(v.improved, v.total()).c_str(), pct(v.unchanged, v.total()).c_str(),
                pct(v.inconclusive, v.total()).c_str());
  }
  std::printf(".\n");

  // 4. --until-decisive.
  std::printf("\n## `--until-decisive` (sound MWU, Holm), `--iterations 10`\n\n");
  std::printf("Each look at alpha 0.05 / looks. \"decided\": scenarios not `inconclusive`. "
              "Extra iterations: mean per scenario (all 50 counted). Alarm / power: "
              "suites with a false `regressed` / slowed metrics flagged `regressed`.\n\n");
  std::printf("| case | MAX | looks | decided, first look | decided, at the end | "
              "extra iterations per scenario | rounds per suite | false alarm, first look | "
              "false alarm, at the end | power, first look | power, at the end |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& c : decisive) {
    auto decided = [](const Tally& t) {
      auto all = t.unslowed.total() + t.slowed.total();
      return pct(all - t.unslowed.inconclusive - t.slowed.inconclusive, all);
    };
    bool has_null = c.slowed < k_metrics;
    bool has_slow = c.slowed > 0;
    std::printf("| %s | %zu | %llu | %s | %s | %.1f | %.2f | %s | %s | %s | %s |\n",
                c.label.c_str(), c.max, static_cast<unsigned long long>(c.looks),
                decided(c.counts.first).c_str(), decided(c.counts.final).c_str(),
                static_cast<double>(c.counts.extra_iterations)
                  / static_cast<double>(c.counts.final.suites * k_metrics),
                static_cast<double>(c.counts.rounds) / static_cast<double>(c.counts.final.suites),
                has_null ? pct(c.counts.first.false_alarm_suites, c.counts.first.suites).c_str() : "-",
                has_null ? pct_ci(c.counts.final.false_alarm_suites, c.counts.final.suites).c_str() : "-",
                has_slow ? pct(c.counts.first.slowed.regressed, c.counts.first.slowed.total()).c_str() : "-",
                has_slow ? pct_ci(c.counts.final.slowed.regressed, c.counts.final.slowed.total()).c_str()
                         : "-");
  }

  // Targets, over --target-suites suites.
  std::printf("\n## Targets (sound MWU, Holm: the defaults)\n\n");
  std::printf("| target | required | case | suites | measured |\n|---|---|---|---|---|\n");
  Tally pooled;
  for (const auto& c : null_cells) {
    const auto& t = c.defaults;
    pooled.merge(t);
    std::printf("| family-wise false-alarm rate, no real change | <= 5 %% | %s, %zu it. | %llu | %s |\n",
                c.dist->label.c_str(), c.iterations, static_cast<unsigned long long>(t.suites),
                pct_ci(t.false_alarm_suites, t.suites).c_str());
  }
  std::printf("| family-wise false-alarm rate, no real change | <= 5 %% | all six above, pooled | %llu | %s |\n",
              static_cast<unsigned long long>(pooled.suites),
              pct_ci(pooled.false_alarm_suites, pooled.suites).c_str());
  for (std::size_t slowed : {std::size_t{1}, k_metrics}) {
    const auto& t = find_power(slowed, 30).defaults;
    std::printf("| power, 5 %% slowdown, threshold 2 %% | >= 90 %% | 3 %% CoV, 30 it., %s | %llu | %s |\n",
                slowed == 1 ? "1 of 50 slowed" : "all 50 slowed",
                static_cast<unsigned long long>(t.suites),
                pct_ci(t.slowed.regressed, t.slowed.total()).c_str());
  }
  return 0;
}

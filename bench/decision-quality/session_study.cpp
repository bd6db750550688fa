// The between-session study (issue 12; bench/decision-quality/README.md,
// "Sessions"). The classic study draws every sample independently, so it
// cannot see what a loaded machine does: move whole sessions. Here every
// session (one invocation of the runner) gets a log-normal offset, shared by
// all 50 scenarios of that invocation, on top of the within-session
// distribution; the baseline and the run are different sessions. Each suite
// is judged by the verdicts before issue 12 (independent samples: the
// policy's test alone) and by the session-aware ones, on the same draws.

#include "bench/baseline.hpp"
#include "bench/compare.hpp"
#include "bench/results/results.hpp"
#include "stats/descriptive.hpp"
#include "stats/sessions.hpp"

#include "common.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

namespace dq {

namespace {

using namespace hb;
using bench::Verdict;
using Json = nlohmann::ordered_json;

constexpr std::size_t k_metrics = 50;
constexpr double k_within_cov = 0.03; // log-normal within a session, median 100 ms
constexpr double k_threshold = 2;     // metric_policies threshold_percent

double
sigma_of(double cov)
{
  return std::sqrt(std::log1p(cov * cov));
}

struct Design
{
  std::size_t sessions;    // per side
  std::size_t iterations;  // per session
  std::size_t history = 0; // earlier one-session runs of the same host in the store
  std::string label() const
  {
    std::string l = sessions == 1 ? fmt::format("1 session x {} it.", iterations)
                                  : fmt::format("{} sessions x {} it.", sessions, iterations);
    return history ? l + fmt::format(", {} runs of history", history) : l;
  }
};

struct Cell
{
  double session_cov;
  Design design;
  double change; // 1: none; 1.05: every scenario 5 % slower
};

struct Counts
{
  std::uint64_t suites = 0;
  std::uint64_t false_verdict_suites = 0; // any `regressed` or `improved` without a change
  std::uint64_t regressed = 0, improved = 0, unchanged = 0, inconclusive = 0, metrics = 0;

  void merge(const Counts& o)
  {
    suites += o.suites;
    false_verdict_suites += o.false_verdict_suites;
    regressed += o.regressed;
    improved += o.improved;
    unchanged += o.unchanged;
    inconclusive += o.inconclusive;
    metrics += o.metrics;
  }
  Json json() const
  {
    return {{"suites", suites},       {"false_verdict_suites", false_verdict_suites},
            {"metrics", metrics},     {"regressed", regressed},
            {"improved", improved},   {"unchanged", unchanged},
            {"inconclusive", inconclusive}};
  }
};

struct Part
{
  Counts old_rules;
  Counts new_rules;
};

// One side of a suite: `design.sessions` sessions, each with its own offset
// shared by every scenario, samples concatenated in session order.
bench::BenchResults
draw_side(const Cell& cell, double factor, std::mt19937_64& rng)
{
  bench::BenchResults side;
  side.component_id = "simulated";
  side.iterations = cell.design.iterations * cell.design.sessions;
  std::vector<double> offsets;
  for (std::size_t j = 0; j < cell.design.sessions; ++j) {
    offsets.push_back(std::exp(sigma_of(cell.session_cov) * standard_normal(rng)));
  }
  const double sw = sigma_of(k_within_cov);
  for (std::size_t i = 0; i < k_metrics; ++i) {
    bench::Scenario s;
    s.id = fmt::format("scenario-{:02}", i);
    s.iterations = side.iterations;
    std::vector<double> samples;
    for (double offset : offsets) {
      for (std::size_t k = 0; k < cell.design.iterations; ++k) {
        samples.push_back(100 * factor * offset * std::exp(sw * standard_normal(rng)));
      }
    }
    s.metrics = {{"median_ms", stats::median(samples)}};
    s.distributions = {{"wall_ms", std::move(samples)}};
    if (cell.design.sessions > 1) {
      s.sessions = {{"wall_ms", std::vector<std::size_t>(cell.design.sessions,
                                                         cell.design.iterations)}};
    }
    side.scenarios.push_back(std::move(s));
  }
  return side;
}

void
count(Counts& c, const bench::BaselineComparison& cmp, bool changed)
{
  ++c.suites;
  bool false_verdict = false;
  for (const auto& sc : cmp.scenarios) {
    for (const auto& d : sc.metric_deltas) {
      ++c.metrics;
      switch (d.verdict) {
      case Verdict::regressed: ++c.regressed; break;
      case Verdict::improved: ++c.improved; break;
      case Verdict::unchanged: ++c.unchanged; break;
      case Verdict::inconclusive: ++c.inconclusive; break;
      }
      false_verdict |= !changed && (d.verdict == Verdict::regressed
                                    || d.verdict == Verdict::improved);
    }
  }
  c.false_verdict_suites += false_verdict;
}

// Suite k of cell `number`: one draw, both rule sets.
void
run_suite(const Cell& cell, std::uint64_t number, std::uint64_t seed, std::size_t k, Part& part)
{
  std::mt19937_64 rng(suite_seed(seed, 1000 + number, k));
  bench::BenchResults base = draw_side(cell, 1.0, rng);
  bench::BenchResults cur = draw_side(cell, cell.change, rng);
  bench::MetricPolicy policy;
  policy.direction = bench::Direction::lower_is_better;
  policy.variance_aware = true;
  policy.regression_test = bench::RegressionTest::mann_whitney_u;
  policy.threshold_percent = k_threshold;
  cur.policies = {{"wall_ms", policy}};
  const bench::Baseline baseline = bench::make_baseline(base, 0);

  bench::CompareOptions options;
  options.bootstrap_resamples = 0; // no verdict depends on it; it is 90 % of the time
  if (cell.design.history > 0) {
    // Earlier one-session runs of the same host (unchanged code), each with
    // its own session offset: the store's history (app/bench/history.cpp
    // gives compare the spread of their session centres, as here).
    std::vector<std::vector<double>> centres(k_metrics);
    const double sw = sigma_of(k_within_cov);
    for (std::size_t h = 0; h < cell.design.history; ++h) {
      const double offset = std::exp(sigma_of(cell.session_cov) * standard_normal(rng));
      for (std::size_t i = 0; i < k_metrics; ++i) {
        std::vector<double> samples;
        for (std::size_t k = 0; k < cell.design.iterations; ++k) {
          samples.push_back(100 * offset * std::exp(sw * standard_normal(rng)));
        }
        centres[i].push_back(stats::median(samples));
      }
    }
    for (std::size_t i = 0; i < k_metrics; ++i) {
      if (auto spread = stats::history_spread({centres[i]})) {
        options.history.push_back({base.scenarios[i].id, "wall_ms", *spread});
      }
    }
  }
  count(part.new_rules, bench::compare_to_baseline(baseline, cur, options), cell.change != 1);

  // Before issue 12: the samples pooled, as if independent.
  bench::Baseline pooled = baseline;
  for (auto& s : pooled.scenarios) {
    s.sessions.clear();
    s.session_centres.clear();
  }
  for (auto& s : cur.scenarios) s.sessions.clear();
  options.session_aware = false;
  count(part.old_rules, bench::compare_to_baseline(pooled, cur, options), cell.change != 1);
}

std::string
cov_label(double cov)
{
  return cov == 0 ? "none" : fmt::format("{:g} %", cov * 100);
}

} // namespace

int
run_session_study(std::size_t suites, std::uint64_t seed, std::size_t threads, bool json)
{
  auto started = std::chrono::steady_clock::now();
  const std::vector<double> covs{0, 0.02, 0.05, 0.10, 0.20};
  const std::vector<Design> designs{{1, 10}, {1, 30}, {3, 10}, {1, 30, 10}};
  const std::vector<double> changes{1.0, 1.05, 1.20};
  struct Result
  {
    Cell cell;
    Part part;
  };
  std::vector<Result> results;
  // Cells with history are numbered from 500, so adding them left every
  // other cell's draws (and figures) as they were.
  std::uint64_t number = 0;
  std::uint64_t history_number = 500;
  for (double change : changes) {
    for (double cov : covs) {
      for (const auto& design : designs) {
        Cell cell{cov, design, change};
        const std::uint64_t cell_number = design.history ? history_number++ : number++;
        auto parts = in_parallel<Part>(suites, threads, [&](Part& p, std::size_t k) {
          run_suite(cell, cell_number, seed, k, p);
        });
        Result r{cell, {}};
        for (const auto& p : parts) {
          r.part.old_rules.merge(p.old_rules);
          r.part.new_rules.merge(p.new_rules);
        }
        results.push_back(r);
        std::fprintf(stderr, "session study: change %.2f, session CoV %g, %s done\n", change,
                     cov, design.label().c_str());
      }
    }
  }
  const double seconds =
    std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (json) {
    Json out{{"study", "sessions"},         {"suites", suites},
             {"seed", seed},                {"metrics_per_suite", k_metrics},
             {"within_cov", k_within_cov},  {"threshold_percent", k_threshold},
             {"seconds", seconds}};
    for (const auto& r : results) {
      out["cells"].push_back({{"session_cov", r.cell.session_cov},
                              {"sessions", r.cell.design.sessions},
                              {"iterations_per_session", r.cell.design.iterations},
                              {"history_runs", r.cell.design.history},
                              {"change", r.cell.change},
                              {"old", r.part.old_rules.json()},
                              {"new", r.part.new_rules.json()}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }

  std::printf("# Decision quality with sessions\n\n");
  std::printf("%zu simulated suites per cell, %zu scenario-metrics per suite, seed %llu; %.0f s. "
              "Within a session: log-normal, 3 %% CoV. Every session's centre moves by a "
              "log-normal offset of the CoV named, shared by all 50 scenarios of that session. "
              "metric_policies.wall_ms = {lower_is_better, mann_whitney_u, threshold_percent 2}, "
              "Holm, alpha 0.05. Old: the verdicts before issue 12 (samples pooled as "
              "independent). New: session-aware (the defaults). Brackets: Wilson 95 %% "
              "intervals.\n\n",
              suites, k_metrics, static_cast<unsigned long long>(seed), seconds);

  auto find = [&](double change, double cov, const Design& d) -> const Result& {
    for (const auto& r : results) {
      if (r.cell.change == change && r.cell.session_cov == cov
          && r.cell.design.sessions == d.sessions && r.cell.design.iterations == d.iterations
          && r.cell.design.history == d.history) {
        return r;
      }
    }
    std::abort();
  };

  std::printf("## No real change: suites with any false verdict (`regressed` or `improved`)\n\n");
  std::printf("| session CoV | design | old | new | new, per metric: unchanged / inconclusive |\n"
              "|---|---|---|---|---|\n");
  for (double cov : covs) {
    for (const auto& d : designs) {
      const auto& r = find(1.0, cov, d);
      const auto& o = r.part.old_rules;
      const auto& n = r.part.new_rules;
      std::printf("| %s | %s | %s | %s | %s / %s |\n", cov_label(cov).c_str(), d.label().c_str(),
                  pct(o.false_verdict_suites, o.suites).c_str(),
                  pct_ci(n.false_verdict_suites, n.suites).c_str(),
                  pct(n.unchanged, n.metrics).c_str(), pct(n.inconclusive, n.metrics).c_str());
    }
  }
  for (double change : {1.05, 1.20}) {
    std::printf("\n## Every scenario %.0f %% slower: power (slowed metrics `regressed`)\n\n",
                (change - 1) * 100);
    std::printf("| session CoV | design | old | new | new, per metric: improved / unchanged / "
                "inconclusive |\n|---|---|---|---|---|\n");
    for (double cov : covs) {
      for (const auto& d : designs) {
        const auto& r = find(change, cov, d);
        const auto& o = r.part.old_rules;
        const auto& n = r.part.new_rules;
        std::printf("| %s | %s | %s | %s | %s / %s / %s |\n", cov_label(cov).c_str(),
                    d.label().c_str(), pct(o.regressed, o.metrics).c_str(),
                    pct_ci(n.regressed, n.metrics).c_str(), pct(n.improved, n.metrics).c_str(),
                    pct(n.unchanged, n.metrics).c_str(), pct(n.inconclusive, n.metrics).c_str());
      }
    }
  }
  return 0;
}

} // namespace dq

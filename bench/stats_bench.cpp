// Google Benchmark of the statistics behind comparisons (issue #3 targets):
// Mann-Whitney U and Kolmogorov-Smirnov on 1,000,000 samples per side
// (<= 0.5 s each) and exact Mann-Whitney p-values at the largest size
// enumerated (<= 10 ms); and the cost of a whole comparison
// (bench::compare_to_baseline) of a 50-metric suite.
//
//   build/bench/stats_bench --benchmark_min_time=1

#include "bench/compare.hpp"
#include "stats/effect_size.hpp"
#include "stats/kolmogorov_smirnov.hpp"
#include "stats/mann_whitney.hpp"
#include "stats/welch.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

using namespace hb::stats;

namespace {

std::vector<double>
lognormal(std::size_t n, double shift, std::uint64_t seed)
{
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> dist(std::log(100.0), 0.03);
  std::vector<double> out(n);
  for (auto& v : out) v = dist(rng) * shift;
  return out;
}

void
BM_MannWhitney(benchmark::State& state)
{
  auto n = static_cast<std::size_t>(state.range(0));
  auto base = lognormal(n, 1.0, 1);
  auto cur = lognormal(n, 1.01, 2);
  for (auto _ : state) {
    benchmark::DoNotOptimize(mann_whitney_u(base, cur, Worse::greater));
  }
}

void
BM_KolmogorovSmirnov(benchmark::State& state)
{
  auto n = static_cast<std::size_t>(state.range(0));
  auto base = lognormal(n, 1.0, 3);
  auto cur = lognormal(n, 1.01, 4);
  for (auto _ : state) {
    benchmark::DoNotOptimize(kolmogorov_smirnov(base, cur, Worse::greater));
  }
}

void
BM_WelchT(benchmark::State& state)
{
  auto n = static_cast<std::size_t>(state.range(0));
  auto base = lognormal(n, 1.0, 5);
  auto cur = lognormal(n, 1.01, 6);
  for (auto _ : state) {
    benchmark::DoNotOptimize(welch_t_test(base, cur, Worse::greater));
  }
}

// Exact p-values at the largest enumerations (n1 n2 near 2,500), U near the
// middle of its range (the most work). The null distribution is cached per
// sample sizes (a comparison tests many metrics of the same size), so the
// loop cycles through more size pairs than the cache holds: every call
// computes its distribution, the cost a first metric of a size pays.
void
BM_MannWhitneyExact(benchmark::State& state)
{
  const std::pair<std::size_t, std::size_t> sizes[] = {
    {50, 50}, {49, 51}, {48, 52}, {47, 53}, {46, 54}, {45, 55}, {44, 56}, {43, 58}, {42, 59},
    {41, 60}};
  std::vector<std::pair<std::vector<double>, std::vector<double>>> samples;
  for (auto [n1, n2] : sizes) {
    samples.emplace_back(lognormal(n1, 1.0, 7), lognormal(n2, 1.0, 8));
  }
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& [base, cur] = samples[next++ % samples.size()];
    auto r = mann_whitney_u(base, cur, Worse::greater);
    if (std::string_view(r.method) != "exact") state.SkipWithError("not the exact path");
    benchmark::DoNotOptimize(r);
  }
}

// The same test once its sizes' distribution is cached.
void
BM_MannWhitneyExactCached(benchmark::State& state)
{
  auto base = lognormal(50, 1.0, 7);
  auto cur = lognormal(50, 1.0, 8);
  for (auto _ : state) {
    benchmark::DoNotOptimize(mann_whitney_u(base, cur, Worse::greater));
  }
}

// One bench run of 50 scenarios, each with one sampled metric (Mann-Whitney,
// 2 % threshold), against its baseline: two tests, two shift intervals and a
// 2000-resample bootstrap per metric, Holm over the run.
void
BM_CompareSuite(benchmark::State& state)
{
  const auto n = static_cast<std::size_t>(state.range(0));
  hb::bench::MetricPolicy policy;
  policy.variance_aware = true;
  policy.threshold_percent = 2;
  hb::bench::Baseline baseline;
  hb::bench::BenchResults current;
  current.policies = {{"wall_ms", policy}};
  for (std::size_t i = 0; i < 50; ++i) {
    const std::string id = "s" + std::to_string(i);
    hb::bench::BaselineScenario b;
    b.id = id;
    b.distributions = {{"wall_ms", lognormal(n, 1.0, 100 + i)}};
    baseline.scenarios.push_back(std::move(b));
    hb::bench::Scenario c;
    c.id = id;
    c.iterations = n;
    c.distributions = {{"wall_ms", lognormal(n, 1.0, 200 + i)}};
    current.scenarios.push_back(std::move(c));
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(hb::bench::compare_to_baseline(baseline, current, {}));
  }
}

} // namespace

BENCHMARK(BM_MannWhitney)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KolmogorovSmirnov)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WelchT)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MannWhitneyExact)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MannWhitneyExactCached)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_CompareSuite)->Arg(10)->Arg(30)->Arg(80)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

// Google Benchmark of the statistics behind comparisons (issue #3 targets):
// Mann-Whitney U and Kolmogorov-Smirnov on 1,000,000 samples per side
// (<= 0.5 s each) and exact Mann-Whitney p-values at the largest size
// enumerated (<= 10 ms).
//
//   build/bench/stats_bench --benchmark_min_time=1

#include "stats/effect_size.hpp"
#include "stats/kolmogorov_smirnov.hpp"
#include "stats/mann_whitney.hpp"
#include "stats/welch.hpp"

#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
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

// 50 x 50 = 2,500 pairs: the largest exact enumeration, with U near the
// middle of its range (the most work).
void
BM_MannWhitneyExact(benchmark::State& state)
{
  auto base = lognormal(50, 1.0, 7);
  auto cur = lognormal(50, 1.0, 8);
  for (auto _ : state) {
    auto r = mann_whitney_u(base, cur, Worse::greater);
    if (std::string_view(r.method) != "exact") state.SkipWithError("not the exact path");
    benchmark::DoNotOptimize(r);
  }
}

} // namespace

BENCHMARK(BM_MannWhitney)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KolmogorovSmirnov)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WelchT)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MannWhitneyExact)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

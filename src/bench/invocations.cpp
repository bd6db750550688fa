// --runs N: the invocations of one bench run, combined (see invocations.hpp).

#include "bench/invocations.hpp"

#include "stats/descriptive.hpp"
#include "util/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

namespace hb::bench {

namespace {

Error
mismatch(std::size_t invocation, const std::string& what)
{
  return Error{"bench.runs_mismatch",
               fmt::format("--runs: invocation {} {}; every invocation of one bench must report "
                           "the same component, iterations and scenarios (check that the runner "
                           "does not depend on state left by an earlier invocation)",
                           invocation, what),
               "{}"};
}

Json
summary_json(const RunsSummary& s)
{
  return {{"n", s.n},        {"min", s.min},       {"max", s.max}, {"mean", s.mean},
          {"stdev", s.stdev}, {"cv_pct", s.cv_pct}, {"p50", s.p50}, {"p95", s.p95}};
}

Json*
scenario_entry(Json& doc, const std::string& id)
{
  if (!doc.contains("scenarios") || !doc["scenarios"].is_array()) return nullptr;
  for (auto& entry : doc["scenarios"]) {
    if (json_member_or(entry, "id", "") == id) return &entry;
  }
  return nullptr;
}

// One scenario of every invocation combined into `first`'s (the others are
// the same scenario in invocations 2..N).
void
combine_scenario(Scenario& first, const std::vector<const Scenario*>& others, Json* entry)
{
  std::vector<const Scenario*> all = {&first};
  all.insert(all.end(), others.begin(), others.end());

  Json per_run = Json::array();
  for (std::size_t k = 0; k < all.size(); ++k) {
    Json metrics = Json::object();
    for (const auto& m : all[k]->metrics) metrics[m.name] = m.value;
    per_run.push_back({{"run_index", k}, {"metrics", std::move(metrics)}});
  }
  Json summaries = Json::object();
  for (auto& metric : first.metrics) {
    std::vector<double> values;
    for (const Scenario* s : all) {
      if (const double* v = s->metric(metric.name)) values.push_back(*v);
    }
    const RunsSummary summary = summarize_runs(values);
    metric.value = summary.p50;
    summaries[metric.name] = summary_json(summary);
  }
  // A metric given only as samples: each invocation's value is its median.
  for (const auto& [name, samples] : first.distributions) {
    if (first.metric(name)) continue;
    std::vector<double> medians;
    for (const Scenario* s : all) {
      const auto* some = s->samples(name);
      if (some && !some->empty()) medians.push_back(stats::median(*some));
    }
    summaries[name] = summary_json(summarize_runs(medians));
  }

  // Samples: concatenated in invocation order, one session per invocation,
  // for the metrics every invocation sampled (a metric some invocation did
  // not sample cannot be split into sessions and is left to its medians).
  Distributions kept;
  SessionSizes sessions;
  for (auto& [name, samples] : first.distributions) {
    std::vector<std::size_t> sizes = {samples.size()};
    std::vector<double> joined = samples;
    bool everywhere = !samples.empty();
    for (const Scenario* s : others) {
      const auto* more = s->samples(name);
      if (!more || more->empty()) {
        everywhere = false;
        break;
      }
      sizes.push_back(more->size());
      joined.insert(joined.end(), more->begin(), more->end());
    }
    if (!everywhere) continue;
    kept.emplace_back(name, std::move(joined));
    sessions.emplace_back(name, std::move(sizes));
  }
  first.distributions = std::move(kept);
  first.sessions = std::move(sessions);

  for (std::size_t k = 1; k < all.size(); ++k) {
    if (all[k]->passed) continue;
    first.passed = false;
    for (const auto& reason : all[k]->failure_reasons) {
      first.failure_reasons.push_back(fmt::format("run {}: {}", k + 1, reason));
    }
  }

  if (!entry) return;
  Json& e = *entry;
  if (!e.contains("metrics") || !e["metrics"].is_object()) e["metrics"] = Json::object();
  Json distributions = Json::object();
  for (const auto& [name, samples] : first.distributions) distributions[name] = samples;
  for (const auto& m : first.metrics) e["metrics"][m.name] = m.value;
  e["metrics"].erase("distributions");
  if (!distributions.empty()) e["metrics"]["distributions"] = std::move(distributions);
  Json sizes = Json::object();
  for (const auto& [name, s] : first.sessions) sizes[name] = s;
  if (!sizes.empty()) e["sessions"] = std::move(sizes);
  e["passed"] = first.passed;
  e["runs"] = std::move(per_run);
  e["runs_summary"] = std::move(summaries);
}

} // namespace

RunsSummary
summarize_runs(const std::vector<double>& values)
{
  RunsSummary s;
  s.n = values.size();
  if (values.empty()) return s;
  const std::vector<double> sorted = stats::sorted_copy(values);
  s.min = sorted.front();
  s.max = sorted.back();
  s.mean = stats::mean(sorted);
  double ss = 0;
  for (double v : sorted) ss += (v - s.mean) * (v - s.mean);
  s.stdev = sorted.size() > 1 ? std::sqrt(ss / static_cast<double>(sorted.size() - 1)) : 0.0;
  s.cv_pct = s.mean != 0 ? 100.0 * s.stdev / std::fabs(s.mean) : 0.0;
  s.p50 = stats::percentile_sorted(sorted, 0.5);
  s.p95 = stats::percentile_sorted(sorted, 0.95);
  return s;
}

Result<BenchResults>
combine_invocations(std::vector<BenchResults> runs)
{
  if (runs.empty()) return make_error("internal_error", "combine_invocations: no invocation");
  if (runs.size() == 1) return std::move(runs.front());
  BenchResults& first = runs.front();
  std::map<std::string, std::vector<const Scenario*>> others;
  for (const auto& s : first.scenarios) others[s.id];
  for (std::size_t k = 1; k < runs.size(); ++k) {
    const BenchResults& r = runs[k];
    const std::size_t invocation = k + 1;
    if (r.component_id != first.component_id) {
      return Unexpected(mismatch(invocation, fmt::format("reported component_id `{}`, invocation "
                                                         "1 `{}`",
                                                         r.component_id, first.component_id)));
    }
    if (r.iterations != first.iterations) {
      return Unexpected(mismatch(invocation, fmt::format("reported {} iterations, invocation 1 {}",
                                                         r.iterations, first.iterations)));
    }
    for (const auto& s : r.scenarios) {
      auto it = others.find(s.id);
      if (it == others.end()) {
        return Unexpected(mismatch(invocation, fmt::format("reported scenario `{}`, which "
                                                           "invocation 1 did not",
                                                           s.id)));
      }
      it->second.push_back(&s);
    }
    for (const auto& [id, list] : others) {
      if (list.size() != k) {
        return Unexpected(mismatch(invocation, fmt::format("did not report scenario `{}`", id)));
      }
    }
  }

  auto doc = std::make_shared<Json>(first.document ? *first.document : Json::object());
  for (auto& s : first.scenarios) combine_scenario(s, others[s.id], scenario_entry(*doc, s.id));
  std::sort(first.scenarios.begin(), first.scenarios.end(),
            [](const Scenario& a, const Scenario& b) { return a.id < b.id; });
  if (doc->contains("scenarios") && (*doc)["scenarios"].is_array()) {
    auto& list = (*doc)["scenarios"];
    std::stable_sort(list.begin(), list.end(), [](const Json& a, const Json& b) {
      return json_member_or(a, "id", "") < json_member_or(b, "id", "");
    });
  }
  (*doc)["runs"] = runs.size();
  for (std::size_t k = 1; k < runs.size(); ++k) {
    for (const auto& g : runs[k].gate_results) {
      if (!g.passed) first.gate_results.push_back(g);
    }
    for (const auto& f : runs[k].budget_findings) {
      if (f.fails_run) first.budget_findings.push_back(f);
    }
  }
  first.document = std::move(doc);
  return std::move(first);
}

} // namespace hb::bench

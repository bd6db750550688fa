// A comparison of several arms in one session (compare_arms.hpp): each arm
// is a bench Session of its own; this file decides the order in which their
// invocations run (sequential, bounded-parallel, or interleaved rounds),
// then compares every arm with the first and records the comparison.

#include "app/bench/compare_arms.hpp"

#include "app/bench/pipeline.hpp"
#include "app/reconcile.hpp"
#include "bench/baseline.hpp"
#include "bench/verdict.hpp"
#include "stats/random.hpp"
#include "util/fs.hpp"
#include "util/id.hpp"
#include "util/json.hpp"
#include "util/process.hpp"
#include "util/time.hpp"

#include <fmt/core.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>
#include <unistd.h>

namespace hb::app {

namespace stdfs = std::filesystem;
using namespace hb::bench;
using pipeline::Session;
using stats::draw_index;
using stats::Xoshiro256;

namespace {

/// The most interleaved rounds: each is an invocation of every arm.
constexpr std::uint64_t k_max_rounds = 100;
constexpr std::uint64_t k_default_rounds = 10;

Result<void>
validate(const ComparisonRequest& r)
{
  auto refuse = [](std::string message) -> Result<void> {
    return make_error("validation.invalid_argument", std::move(message));
  };
  if (r.arms.size() < 2) {
    return refuse("a comparison needs at least two sides; name two rigs (`--rig a,b`) or a git "
                  "ref (`--against main`)");
  }
  std::set<std::string> seen;
  for (const auto& arm : r.arms) {
    if (!seen.insert(arm.id).second) {
      return refuse(fmt::format("`{}` is named twice; each side of a comparison must differ "
                                "(to measure the noise of one rig, run `homeboy bench --rig {} "
                                "--runs 3`)",
                                arm.id, arm.id));
    }
  }
  if (r.bench.save_baseline || r.bench.ratchet) {
    return refuse(fmt::format(
      "--baseline and --ratchet are refused on a comparison: baselines are per rig, and writing "
      "one from a comparison would bless one side over the others; run `homeboy bench --rig <id> "
      "--baseline` once per rig instead"));
  }
  if (r.bench.until_decisive) {
    return refuse("--until-decisive is not supported in a comparison; raise --iterations, or "
                  "use --interleave, which pairs the sides round by round");
  }
  if (r.bench.concurrency > 1) {
    return refuse(fmt::format(
      "--concurrency {} is refused on a comparison: each side's scenarios would become one "
      "per instance (`<id>:i0` ...), and comparing instance k of one side with instance k of "
      "the other pairs arbitrary processes while multiplying the tests the correction must "
      "pay for; bench each side alone with --concurrency (`homeboy bench <component> --rig "
      "<id> --concurrency {} --shared-state DIR`), or compare with one instance a side",
      r.bench.concurrency, r.bench.concurrency));
  }
  if (r.interleave && r.concurrency > 1) {
    return refuse("--interleave runs one side at a time by design (rounds in a shuffled order); "
                  "drop --rig-concurrency");
  }
  if (r.interleave && r.bench.runs > 1) {
    return refuse("--runs and --interleave cannot be combined: interleaving already splits the "
                  "iterations into rounds (sessions); set their number with --rounds");
  }
  if (r.concurrency == 0) {
    return refuse("--rig-concurrency must be at least 1");
  }
  if (r.interleave) {
    const std::uint64_t rounds = r.rounds ? r.rounds : std::min(r.bench.iterations, k_default_rounds);
    if (rounds < 2 || rounds > k_max_rounds) {
      return refuse(fmt::format("--rounds must be between 2 and {}, got {}", k_max_rounds, rounds));
    }
    if (r.bench.iterations < rounds) {
      return refuse(fmt::format("--iterations {} cannot fill {} rounds: every round needs at "
                                "least one iteration; give --iterations {} or fewer --rounds",
                                r.bench.iterations, rounds, rounds));
    }
  }
  return {};
}

/// The request one arm's session runs with.
BenchRequest
arm_request(const ComparisonRequest& r, const Arm& arm)
{
  BenchRequest b = r.bench;
  if (arm.component_path) b.path_override = arm.component_path;
  b.rig = arm.pin;
  b.ignore_baseline = true;
  b.comparison_arm = true;
  return b;
}

/// Interleaved: round k runs every open arm once, in an order drawn from
/// `rng`, so no arm always goes first (first-in-round effects and drift
/// hit all arms alike).
void
measure_interleaved(std::vector<std::unique_ptr<Session>>& sessions,
                    const std::vector<BenchRequest>& requests, std::uint64_t iterations,
                    std::uint64_t rounds, Xoshiro256& rng, ComparisonReport& out)
{
  for (std::uint64_t k = 1; k <= rounds && !pipeline::interrupted(); ++k) {
    // Iterations spread as evenly as they divide; the first rounds take the
    // remainder.
    const std::uint64_t n = iterations / rounds + (k <= iterations % rounds ? 1 : 0);
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < sessions.size(); ++i) {
      if (sessions[i] && !sessions[i]->report.failure) order.push_back(i);
    }
    for (std::size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[draw_index(rng, i)]);
    }
    std::vector<std::string> ids;
    for (std::size_t i : order) {
      ids.push_back(out.arms[i].arm.id);
      (void)pipeline::measure_invocation(*sessions[i], requests[i], k, n, false);
    }
    out.round_orders.push_back(std::move(ids));
  }
}

/// Sequential: each arm's invocations in turn, `concurrency` arms at a time
/// (their output forwarded under one lock), in the selected order.
void
measure_sequential(std::vector<std::unique_ptr<Session>>& sessions,
                   std::vector<BenchRequest>& requests, std::uint64_t concurrency)
{
  std::mutex output_lock;
  if (concurrency > 1) {
    for (auto& b : requests) {
      if (!b.on_runner_output) continue;
      auto forward = b.on_runner_output;
      b.on_runner_output = [forward, &output_lock](OutputStream s, std::string_view chunk) {
        std::lock_guard lock(output_lock);
        forward(s, chunk);
      };
    }
  }
  auto run_arm = [&](std::size_t i) {
    for (std::uint64_t k = 1; k <= requests[i].runs; ++k) {
      if (!pipeline::measure_invocation(*sessions[i], requests[i], k, requests[i].iterations)) break;
    }
  };
  std::vector<std::size_t> open;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    if (sessions[i]) open.push_back(i);
  }
  for (std::size_t start = 0; start < open.size() && !pipeline::interrupted();
       start += concurrency) {
    const std::size_t end = std::min(open.size(), start + concurrency);
    if (end - start == 1) {
      run_arm(open[start]);
      continue;
    }
    std::vector<std::thread> batch;
    for (std::size_t j = start; j < end; ++j) batch.emplace_back(run_arm, open[j]);
    for (auto& t : batch) t.join();
  }
}

/// The arm's own verdict: its results' gates, as `homeboy bench` decides
/// without a baseline.
void
decide_arm(Session& s)
{
  BenchReport& report = s.report;
  if (!report.results || report.failure) return;
  pipeline::diagnose_samples(report);
  report.passed = report.results->passed();
  report.exit_code = bench_exit_code(0, report.passed, false);
  if (!report.passed) s.terminal_reason = "gate_failed";
}

/// Records the comparison itself: a bench run whose metadata links the
/// arms' runs and whose artifact is the envelope.
void
record_comparison(const ComparisonRequest& request, ComparisonReport& out, const Paths& paths)
{
  auto store = open_store(paths);
  if (!store) {
    out.notes.push_back("the comparison itself could not be recorded: " + store.error().message);
    out.run_id.clear();
    return;
  }
  // Kind `comparison`: the arms are the bench runs; this run links them
  // (a list of bench runs then holds only measurements).
  Run run = owned_run(out.run_id, "comparison", request.bench.command_line,
                      request.bench.cwd.string(), request.bench.homeboy_version);
  run.component_id = out.component_id;
  if (auto inserted = (*store)->insert_run(run); !inserted) {
    out.notes.push_back("the comparison itself could not be recorded: " +
                        inserted.error().message);
    out.run_id.clear();
    return;
  }
  RunOutcome outcome;
  outcome.status = out.exit_code == 0 ? RunStatus::succeeded : RunStatus::failed;
  if (out.exit_code != 0) {
    const bool arms_passed = std::all_of(out.arms.begin(), out.arms.end(),
                                         [](const ArmResult& a) { return a.passed(); });
    outcome.terminal_reason = !arms_passed                                   ? "arm_failed"
                              : out.regression && request.fail_on_regression ? "regression"
                                                                             : "inconclusive";
  }
  outcome.exit_code = out.exit_code;
  Json arms = Json::array();
  for (const auto& a : out.arms) {
    arms.push_back({{"id", a.arm.id},
                    {"rig_id", a.arm.pin.id},
                    {"run_id", a.report ? a.report->run_id : ""},
                    {"status", a.passed() ? "passed" : "failed"}});
  }
  outcome.metadata_json = dump_json(Json{
    {"comparison", {{"kind", out.comparison},
                    {"role", "comparison"},
                    {"mode", out.interleaved ? "interleaved" : "sequential"},
                    {"rounds", out.rounds},
                    {"arms", arms}}},
    {"iterations", out.iterations},
    {"exit_code", out.exit_code},
    {"passed", out.passed},
    {"status", out.passed ? "passed" : "failed"}});
  const stdfs::path dir = paths.run_dir(out.run_id);
  if (fs::create_directories(dir)) {
    const stdfs::path file = dir / "comparison.json";
    if (fs::write_file_atomic(file, dump_json(comparison_payload(out), 2) + "\n")) {
      Artifact a;
      a.id = new_uuid_v4();
      a.run_id = out.run_id;
      a.kind = "json";
      a.type = "file";
      a.path = file.string();
      a.mime = "application/json";
      a.label = "Comparison envelope";
      a.created_at = now_ms();
      if (auto digest = fs::digest_file(file)) {
        a.sha256 = digest->sha256;
        a.size_bytes = digest->size;
      }
      outcome.artifacts.push_back(std::move(a));
    }
  }
  outcome.finished_at = now_ms();
  if (auto settled = (*store)->settle_run(out.run_id, RunStatus::running, 0, outcome); !settled) {
    out.notes.push_back("the comparison record could not be settled: " + settled.error().message);
  }
}

} // namespace

Result<ComparisonReport>
run_comparison(const ComparisonRequest& request)
{
  install_interrupt_handlers();
  if (auto ok = validate(request); !ok) {
    return Unexpected(ok.error());
  }
  ComparisonReport out;
  out.comparison = request.comparison;
  out.iterations = request.bench.iterations;
  out.interleaved = request.interleave;
  out.notes = request.notes;
  out.rounds = request.interleave
                 ? (request.rounds ? request.rounds
                                   : std::min(request.bench.iterations, k_default_rounds))
                 : 0;
  out.order_seed = request.bench.seed.value_or(static_cast<std::uint64_t>(now_ms()));
  out.run_id = new_uuid_v4();

  std::vector<BenchRequest> requests;
  std::vector<std::unique_ptr<Session>> sessions;
  for (const auto& arm : request.arms) {
    requests.push_back(arm_request(request, arm));
    ArmResult entry;
    entry.arm = arm;
    auto opened = pipeline::open_session(requests.back(), false);
    if (opened) {
      sessions.push_back(std::move(*opened));
    } else {
      if (opened.error().code == "bench.interrupted") return Unexpected(opened.error());
      entry.error = opened.error();
      sessions.push_back(nullptr);
    }
    out.arms.push_back(std::move(entry));
  }
  std::optional<Paths> paths;
  for (const auto& s : sessions) {
    if (s) {
      paths = s->p.paths;
      out.component_id = s->p.component.id;
      break;
    }
  }
  if (!paths) {
    // Nothing could start: the first arm's reason is the comparison's.
    return Unexpected(*out.arms.front().error);
  }

  if (request.interleave) {
    Xoshiro256 rng(out.order_seed);
    measure_interleaved(sessions, requests, request.bench.iterations, out.rounds, rng, out);
  } else {
    measure_sequential(sessions, requests, request.concurrency);
  }
  for (auto& s : sessions) {
    if (!s) continue;
    pipeline::combine(*s);
    if (pipeline::interrupted() && !s->report.failure) {
      s->report.failure = Error{"bench.interrupted",
                                "interrupted; the comparison stopped and its runs are recorded "
                                "as cancelled",
                                "{}"};
      s->report.cancelled = true;
      s->report.exit_code = 130;
      s->terminal_reason = "cancelled_by_user";
    }
    decide_arm(*s);
  }

  // Every other arm against the first; alpha shared between them.
  Session* reference = sessions.front().get();
  const bool have_reference = reference && reference->report.results && !reference->report.failure;
  std::optional<Baseline> ref_baseline;
  if (have_reference) ref_baseline = make_baseline(*reference->report.results, now_ms());
  const double arms_compared = static_cast<double>(request.arms.size() - 1);
  for (std::size_t i = 1; i < sessions.size(); ++i) {
    Session* s = sessions[i].get();
    if (!ref_baseline || !s || !s->report.results || s->report.failure) {
      out.verdicts.emplace_back();
      continue;
    }
    CompareOptions options{request.bench.regression_threshold, request.bench.statistics,
                           request.bench.correction, request.bench.alpha / arms_compared};
    options.session_aware = request.bench.session_aware;
    options.paired_sessions = request.interleave;
    out.verdicts.push_back(compare_to_baseline(*ref_baseline, *s->report.results, options));
    out.regression = out.regression || out.verdicts.back()->regression;
    out.inconclusive = out.inconclusive || out.verdicts.back()->inconclusive;
  }

  // Exit code: the first arm's non-zero code wins (the original's rule),
  // then a regression when the caller gates on it.
  out.passed = true;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    Session* s = sessions[i].get();
    const int code = s ? (s->report.exit_code ? s->report.exit_code
                                              : (s->report.failure ? 1 : 0))
                       : 1;
    if (code != 0 && out.exit_code == 0) out.exit_code = code;
    if (code != 0 || (s && !s->report.passed)) out.passed = false;
  }
  if (out.exit_code == 0 && ((request.fail_on_regression && out.regression)
                             || (request.bench.fail_on_inconclusive && out.inconclusive))) {
    out.exit_code = bench_exit_code(0, true, true);
    out.passed = false;
  }

  // Settle every arm, each linked to the comparison.
  const std::string reference_run_id = reference ? reference->report.run_id : "";
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    Session* s = sessions[i].get();
    if (!s) continue;
    Json link = {{"run_id", out.run_id},
                 {"kind", out.comparison},
                 {"arm", out.arms[i].arm.id},
                 {"role", i == 0 ? "reference" : "candidate"},
                 {"mode", out.interleaved ? "interleaved" : "sequential"}};
    if (out.interleaved) link["rounds"] = out.rounds;
    if (i > 0 && !reference_run_id.empty()) link["reference_run_id"] = reference_run_id;
    if (out.arms[i].arm.pin.id.empty()) {
      auto state = parse_json(out.arms[i].arm.pin.state_json, "tree");
      if (state && !state->empty()) link["tree"] = *state;
    }
    s->report.comparison_json = dump_json(link);
    pipeline::settle(*s, requests[i], std::nullopt);
    out.arms[i].report = std::move(s->report);
  }
  record_comparison(request, out, *paths);
  if (!out.run_id.empty()) {
    out.hints.push_back(fmt::format("Comparison recorded as {}; each side's run: homeboy runs "
                                    "list --kind bench --component {}",
                                    run_ref(out.run_id), out.component_id));
  }
  if (!out.interleaved) {
    out.hints.push_back("The sides ran one after another: drift of the machine between them "
                        "reads as a difference. `--interleave` runs them in alternating "
                        "rounds and pairs the samples.");
  }
  return out;
}

} // namespace hb::app

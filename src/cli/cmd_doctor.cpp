// homeboy doctor resources: is this machine cold, warm or hot for a bench,
// with the figures behind the word (resources/resources.hpp); and the
// check `homeboy bench` makes before it runs (cli/commands.hpp).

#include "cli/commands.hpp"
#include "model/paths.hpp"
#include "resources/resources.hpp"
#include "util/json.hpp"

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdlib>
#include <memory>

namespace hb::cli {

namespace {

/// How long `doctor resources` samples /proc/stat for CPU busy and steal.
constexpr std::uint64_t k_doctor_sample_ms = 500;
/// The bench's own check does not sample (it would add its window to every
/// bench; the harness overhead target is 10 ms): it reads the sample-free
/// figures, PSI CPU pressure standing in for CPU busy.
constexpr std::uint64_t k_bench_sample_ms = 0;

std::string
human(const resources::Assessment& a)
{
  const auto& f = a.figures;
  auto opt = [](const std::optional<double>& v, const char* unit) {
    return v ? fmt::format("{:.1f}{}", *v, unit) : std::string("n/a");
  };
  std::string out = fmt::format("Machine: {}\n", resources::state_name(a.state));
  for (const auto& r : a.reasons) {
    out += fmt::format("  {}: {}\n", resources::state_name(r.state), r.text);
  }
  out += "\nFigures:\n";
  if (f.load) {
    out += fmt::format("  load average     {:.2f} {:.2f} {:.2f} on {} core{} ({:.2f} per core)\n",
                       f.load->one, f.load->five, f.load->fifteen, f.cores, f.cores == 1 ? "" : "s",
                       f.load->one / f.cores);
  } else {
    out += "  load average     n/a\n";
  }
  out += fmt::format("  runnable/core    {}\n", opt(f.runnable_per_core, ""));
  out += fmt::format("  CPU busy         {} over {} ms\n", opt(f.cpu_busy_percent, "%"), f.sample_ms);
  out += fmt::format("  CPU steal        {}\n", opt(f.cpu_steal_percent, "%"));
  out += fmt::format("  CPU pressure     {} (PSI some avg10{})\n", opt(f.cpu_pressure_avg10, "%"),
                     f.cpu_pressure_avg10 ? "" : ": not available on this kernel");
  out += fmt::format("  memory pressure  {} (PSI some avg10{})\n", opt(f.memory_pressure_avg10, "%"),
                     f.memory_pressure_avg10 ? "" : ": not available on this kernel");
  out += fmt::format("  memory available {}\n", opt(f.memory_available_percent, "%"));
  out += fmt::format("  other benches    {}\n", f.other_benches);
  if (a.state != resources::State::cold) {
    out += "\nBench results measured now may include the other load; `homeboy --force-hot bench "
           "...` runs anyway without the warning.\n";
  }
  return out;
}

} // namespace

std::string
bench_resources_check(bool force_hot)
{
  resources::Assessment a;
  // Test seam: a fixed state instead of the machine's (the test suite runs
  // two tests at a time, and a real reading would make warnings random).
  const char* fixed = std::getenv("HOMEBOY_TEST_RESOURCE_STATE");
  if (auto state = fixed ? resources::parse_state(fixed) : std::nullopt) {
    a.state = *state;
    if (*state != resources::State::cold) {
      a.reasons.push_back({"test", *state, "HOMEBOY_TEST_RESOURCE_STATE"});
    }
  } else {
    auto paths = resolve_paths(std::nullopt);
    a = resources::classify(
      resources::sample(k_bench_sample_ms, paths ? paths->config_root : std::filesystem::path()));
  }
  if (a.state != resources::State::cold && !force_hot) {
    std::string why;
    for (const auto& r : a.reasons) why += (why.empty() ? "" : "; ") + r.text;
    fmt::print(stderr,
               "warning: the machine is {} ({}); other load can skew this bench's results. "
               "`homeboy doctor resources` shows the figures; `homeboy --force-hot bench ...` "
               "runs without this warning.\n",
               resources::state_name(a.state), why);
    std::fflush(stderr);
  }
  Json j = parse_json_or_discard(resources::assessment_json(a));
  j["forced"] = force_hot;
  return dump_json(j);
}

void
add_doctor_commands(CLI::App& app, Invocation& inv)
{
  auto* doctor = app.add_subcommand("doctor", "Checks of this machine");
  doctor->require_subcommand(1);
  auto output = std::make_shared<OutputOptions>();
  auto* res = doctor->add_subcommand(
    "resources", "Is the machine cold, warm or hot for a bench (load, CPU busy and steal, memory "
                 "pressure, other benches running), and the figures behind the word");
  add_output_options(res, *output);
  res->callback([output, &inv] {
    auto paths = resolve_paths(std::nullopt);
    if (!paths) {
      inv.exit_code = emit_error(*output, paths.error());
      return;
    }
    auto a = resources::classify(resources::sample(k_doctor_sample_ms, paths->config_root));
    Json payload = parse_json_or_discard(resources::assessment_json(a));
    payload["command"] = "doctor.resources";
    inv.exit_code = emit(*output, "resources", payload, human(a));
  });
}

} // namespace hb::cli

#pragma once
// Command registration. Each command group lives in its own cmd_*.cpp and
// only parses, calls one service function and renders.

#include "cli/output.hpp"

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace hb::cli {

struct Invocation
{
  std::vector<std::string> passthrough; // everything after the first `--`
  std::string command_line;             // the whole command, for the run record
  int exit_code = 0;
  /// The global --force-hot: bench runs on a warm or hot machine without
  /// the warning.
  bool force_hot = false;
};

/// Adds --json and --output FILE to a command.
void add_output_options(CLI::App* command, OutputOptions& options);

void add_bench_commands(CLI::App& app, Invocation& invocation);
void add_daemon_commands(CLI::App& app, Invocation& invocation);
/// `homeboy daemon ARGS...`: execs homeboy-daemon (beside this program) with
/// ARGS; returns only when it cannot.
int exec_daemon(int argc, char** argv);
void add_doctor_commands(CLI::App& app, Invocation& invocation);
void add_component_commands(CLI::App& app, Invocation& invocation);
void add_report_commands(CLI::App& app, Invocation& invocation);
void add_rig_commands(CLI::App& app, Invocation& invocation);
void add_runner_commands(CLI::App& app, Invocation& invocation);
void add_runs_commands(CLI::App& app, Invocation& invocation);
void add_runtime_commands(CLI::App& app, Invocation& invocation);
void add_schedule_commands(CLI::App& app, Invocation& invocation);
void add_store_commands(CLI::App& app, Invocation& invocation);
void add_worker_commands(CLI::App& app, Invocation& invocation);

/// The resource policy before a bench: warns on stderr when the machine is
/// warm or hot (unless `force_hot`); returns the assessment as JSON text for
/// the run's metadata.resources (cmd_doctor.cpp).
std::string bench_resources_check(bool force_hot);

} // namespace hb::cli

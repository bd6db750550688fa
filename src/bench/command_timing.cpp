// The command-timing engine's rounds (bench/command_timing.hpp): checks the
// commands, makes each ready once, then runs warmup and measured rounds in
// shuffled round-robin order through the spawner
// (command_timing_spawn.cpp), and records each iteration's samples or its
// failure.

#include "bench/command_timing_internal.hpp"

#include "util/json.hpp"

#include <fmt/core.h>

#include <filesystem>
#include <optional>
#include <random>
#include <sys/time.h>
#include <utility>

namespace hb::bench {

namespace {

using namespace timing_detail;

double
timeval_ms(const timeval& value)
{
  return static_cast<double>(value.tv_sec) * 1e3 + static_cast<double>(value.tv_usec) / 1e3;
}

/// A uniform integer in [0, n), n > 0, without modulo bias.
std::uint64_t
bounded(std::mt19937_64& rng, std::uint64_t n)
{
  const std::uint64_t threshold = (std::uint64_t{0} - n) % n; // 2^64 mod n
  while (true) {
    std::uint64_t r = rng();
    if (r >= threshold) {
      return r % n;
    }
  }
}

void
shuffle(std::vector<std::size_t>& order, std::mt19937_64& rng)
{
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[bounded(rng, i)]);
  }
}

Result<void>
validate(const std::vector<TimedCommand>& commands, const TimingOptions& options)
{
  if (commands.empty()) {
    return make_error("validation.invalid_argument", "no commands to time");
  }
  if (options.iterations == 0) {
    return make_error("validation.invalid_argument", "iterations must be at least 1");
  }
  std::error_code ec;
  if (!options.cwd.empty() && !std::filesystem::is_directory(options.cwd, ec)) {
    return make_error("validation.invalid_argument",
                      fmt::format("working directory {} is not a directory",
                                  options.cwd.string()));
  }
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (commands[i].name.empty()) {
      return make_error("validation.invalid_argument",
                        fmt::format("command `{}` has an empty name; write NAME=COMMAND",
                                    commands[i].command));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (commands[j].name == commands[i].name) {
        return make_error("validation.invalid_argument",
                          fmt::format("two commands are named `{}`; names must be unique",
                                      commands[i].name));
      }
    }
  }
  return {};
}

/// One counted iteration of `program` (the resolved program, its arguments).
Result<measure::InstructionCount>
count_iteration(const Program& program, measure::Counter counter, const TimingOptions& options)
{
  measure::CountRequest request;
  request.argv = program.args;
  request.argv[0] = program.path;
  request.cwd = options.cwd;
  request.env = options.env;
  request.should_cancel = options.should_cancel;
  request.group = options.group;
  return measure::count_instructions(request, counter);
}

} // namespace

Result<TimingRun>
time_commands(const std::vector<TimedCommand>& commands, const TimingOptions& options)
{
  if (auto valid = validate(commands, options); !valid) {
    return Unexpected<Error>(valid.error());
  }
  // Everything that can be checked is checked before anything runs.
  std::vector<Program> programs;
  programs.reserve(commands.size());
  for (const auto& command : commands) {
    auto program = make_program(fmt::format("command `{}`", command.name), command.command,
                                options.force_shell || command.use_shell, options);
    if (!program) {
      return Unexpected<Error>(std::move(program).error());
    }
    programs.push_back(std::move(*program));
  }
  std::optional<Program> prepare;
  if (options.prepare) {
    auto program = make_program("the --prepare command", *options.prepare, options.force_shell,
                                options);
    if (!program) {
      return Unexpected<Error>(std::move(program).error());
    }
    prepare = std::move(*program);
  }
  Spawner spawner(options);
  if (auto opened = spawner.open(); !opened) {
    return Unexpected<Error>(opened.error());
  }

  TimingRun run;
  run.seed = options.seed;
  for (std::size_t i = 0; i < commands.size(); ++i) {
    CommandTiming timing;
    timing.name = commands[i].name;
    timing.command = commands[i].command;
    timing.argv = programs[i].args;
    timing.shell = programs[i].shell;
    for (auto* samples : {&timing.wall_ms, &timing.user_ms, &timing.sys_ms, &timing.max_rss_kb}) {
      samples->reserve(options.iterations);
    }
    run.commands.push_back(std::move(timing));
  }

  std::mt19937_64 rng(options.seed);
  std::vector<std::size_t> order(commands.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  auto cancel_requested = [&] { return options.should_cancel && options.should_cancel(); };
  const std::uint64_t rounds = options.warmup + options.iterations;
  for (std::uint64_t round = 0; round < rounds; ++round) {
    const bool warmup = round < options.warmup;
    const std::uint64_t iteration = warmup ? round + 1 : round - options.warmup + 1;
    shuffle(order, rng);
    if (round == 0) {
      for (std::size_t index : order) {
        run.order_sample.push_back(commands[index].name);
      }
    }
    for (std::size_t index : order) {
      CommandTiming& timing = run.commands[index];
      if (options.on_iteration) options.on_iteration(commands[index].name, iteration, warmup);
      if (prepare) {
        if (cancel_requested()) {
          run.cancelled = true;
          return run;
        }
        auto outcome = spawner.run(*prepare);
        if (!outcome) {
          return Unexpected<Error>(std::move(outcome).error());
        }
        if (outcome->cancelled) {
          spawner.take_stderr(false);
          run.cancelled = true;
          return run;
        }
        if (!succeeded(*outcome)) {
          auto failure = make_failure(iteration, warmup, *outcome, spawner.take_stderr(true));
          std::string tail =
            failure.stderr_tail.empty() ? "" : "; its stderr ends:\n" + failure.stderr_tail;
          return make_error(
            "bench.prepare_failed",
            fmt::format("the --prepare command (`{}`) {} before {}iteration {} of `{}`{}",
                        prepare->command, failure.describe(), warmup ? "warmup " : "", iteration,
                        timing.name, tail),
            dump_json(Json{{"command", prepare->command}, {"name", timing.name}}));
        }
        spawner.take_stderr(false);
      }
      if (cancel_requested()) {
        run.cancelled = true;
        return run;
      }
      if (options.counter) {
        auto counted = count_iteration(programs[index], *options.counter, options);
        if (!counted) {
          return Unexpected<Error>(std::move(counted).error());
        }
        if (counted->cancelled) {
          run.cancelled = true;
          return run;
        }
        if (!counted->succeeded()) {
          IterationFailure failure;
          failure.iteration = iteration;
          failure.warmup = warmup;
          failure.exit_code = counted->exit_code;
          failure.signal = counted->signal;
          failure.stderr_tail = counted->stderr_tail;
          if (*options.counter == measure::Counter::cachegrind) {
            failure.under = "under Valgrind (cachegrind)";
          }
          timing.failures.push_back(std::move(failure));
          continue;
        }
        if (!warmup) {
          timing.instructions.push_back(static_cast<double>(counted->instructions));
          if (counted->cache_misses) {
            timing.cache_misses.push_back(static_cast<double>(*counted->cache_misses));
          }
        }
        continue;
      }
      auto outcome = spawner.run(programs[index]);
      if (!outcome) {
        return Unexpected<Error>(std::move(outcome).error());
      }
      if (outcome->cancelled) {
        spawner.take_stderr(false);
        run.cancelled = true;
        return run;
      }
      if (!succeeded(*outcome)) {
        timing.failures.push_back(
          make_failure(iteration, warmup, *outcome, spawner.take_stderr(true)));
        continue;
      }
      spawner.take_stderr(false);
      if (warmup) {
        continue;
      }
      timing.wall_ms.push_back(outcome->wall_ms);
      timing.user_ms.push_back(timeval_ms(outcome->usage.ru_utime));
      timing.sys_ms.push_back(timeval_ms(outcome->usage.ru_stime));
      timing.max_rss_kb.push_back(static_cast<double>(outcome->usage.ru_maxrss));
    }
  }
  return run;
}

} // namespace hb::bench

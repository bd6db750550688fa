#pragma once
// Internals of the command-timing engine (bench/command_timing.hpp), shared
// by its files: command_timing_spawn.cpp starts and waits for the children,
// command_timing.cpp runs the shuffled rounds with them. Include only from
// those files.

#include "bench/command_timing.hpp"
#include "util/process.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

namespace hb::bench::timing_detail {

/// Owns a file descriptor: closes it when destroyed or replaced.
class Fd
{
public:
  explicit Fd(int fd = -1) : m_fd(fd) {}
  ~Fd()
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  void reset(int fd)
  {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
    m_fd = fd;
  }

private:
  int m_fd;
};

/// A command ready to start: the resolved program and argv, built once.
struct Program
{
  std::string label; // "command `name`" or "--prepare command"
  std::string command;
  bool shell = false;
  std::string path;              // what posix_spawn executes
  std::vector<std::string> args; // argv, argv[0] as written
  std::vector<char*> argv;       // pointers into args, null-terminated (moving a
                                 // Program keeps them valid: the strings stay put)
};

/// What one child did.
struct Outcome
{
  int status = 0;
  struct rusage usage{};
  double wall_ms = 0;
  bool cancelled = false;
};

/// `command` as a Program named `label` in messages: through /bin/sh -c when
/// `force_shell` or needs_shell says so, else split and its program looked up
/// in the PATH of `options.env`. Errors are validation.invalid_argument and
/// bench.command_spawn_failed.
Result<Program> make_program(std::string label, const std::string& command, bool force_shell,
                             const TimingOptions& options);

/// Spawns children with everything that does not change between them
/// prepared once: file actions, attributes, environment, /dev/null and the
/// stderr file.
class Spawner
{
public:
  explicit Spawner(const TimingOptions& options);
  ~Spawner();
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  /// Opens /dev/null and the stderr file and sets up the children's process
  /// group; call once before run.
  Result<void> open();

  /// Runs `program` to completion. Fails only when it cannot be started.
  Result<Outcome> run(const Program& program);

  /// The end of what the last child wrote to stderr, when `keep`; empties
  /// the file for the next one either way.
  std::string take_stderr(bool keep);

private:
  const TimingOptions& m_options;
  posix_spawn_file_actions_t m_actions;
  posix_spawnattr_t m_attr;
  std::vector<std::string> m_env_entries;
  std::vector<char*> m_envp;
  Fd m_null;
  Fd m_stderr;
  GroupGuard m_own_group;
  int m_pgid = 0;
};

/// The failure of iteration `iteration` that ended as `outcome`, with the
/// stderr tail `tail`.
IterationFailure make_failure(std::uint64_t iteration, bool warmup, const Outcome& outcome,
                              std::string tail);

/// Whether the child exited with code 0.
bool succeeded(const Outcome& outcome);

} // namespace hb::bench::timing_detail

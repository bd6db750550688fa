// The group guard: children started in its group die when their owner dies
// however it dies, and live on when the owner finishes normally.

#include "util/group_guard.hpp"
#include "util/process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace hb;

namespace {

// Forks an "owner" that creates a guard, starts `sleep 30` in its group,
// reports the sleeper's pid through a pipe, then either SIGKILLs itself or
// destroys the guard (disarm) and exits. Returns the sleeper's pid.
pid_t
owner_with_sleeper(bool die_by_sigkill)
{
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t owner = ::fork();
  if (owner == 0) {
    ::close(fds[0]);
    int sleeper = 0;
    {
      auto guard = GroupGuard::create();
      if (!guard) ::_exit(3);
      posix_spawnattr_t attr;
      posix_spawnattr_init(&attr);
      posix_spawnattr_setpgroup(&attr, guard->pgid());
      posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
      char* argv[] = {const_cast<char*>("sleep"), const_cast<char*>("30"), nullptr};
      if (::posix_spawnp(&sleeper, "sleep", nullptr, &attr, argv, environ) != 0) ::_exit(4);
      (void)!::write(fds[1], &sleeper, sizeof sleeper);
      if (die_by_sigkill) ::raise(SIGKILL);
    } // guard destroyed: disarmed
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t sleeper = 0;
  EXPECT_EQ(::read(fds[0], &sleeper, sizeof sleeper), static_cast<ssize_t>(sizeof sleeper));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(owner, &status, 0);
  return sleeper;
}

bool
gone_within(pid_t pid, std::chrono::milliseconds limit)
{
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (!process_alive(pid)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return !process_alive(pid);
}

TEST(GroupGuard, ChildrenDieWhenTheirOwnerIsKilled)
{
  pid_t sleeper = owner_with_sleeper(true);
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(gone_within(sleeper, std::chrono::seconds(5)));
}

TEST(GroupGuard, ADisarmedGuardLeavesChildrenAlone)
{
  pid_t sleeper = owner_with_sleeper(false);
  ASSERT_GT(sleeper, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(process_alive(sleeper));
  ::kill(sleeper, SIGKILL);
}

TEST(GroupGuard, EnsureStartsANewGuardAfterAGroupKill)
{
  auto guard = GroupGuard::create();
  ASSERT_TRUE(guard);
  int first = guard->pgid();
  ASSERT_GT(first, 0);
  EXPECT_TRUE(guard->start_time().has_value());
  ::kill(-first, SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto again = guard->ensure();
  ASSERT_TRUE(again);
  EXPECT_NE(*again, first);
  EXPECT_TRUE(process_alive(*again));
}

TEST(GroupGuard, KillProcessGroupFindsMembersOfALeaderlessGroup)
{
  pid_t sleeper = owner_with_sleeper(false); // disarmed: the guard is gone
  ASSERT_GT(sleeper, 0);
  pid_t pgid = ::getpgid(sleeper);
  ASSERT_GT(pgid, 0);
  EXPECT_TRUE(gone_within(pgid, std::chrono::seconds(5))); // the disarmed leader exits
  auto leader_start = process_start_time(sleeper);
  ASSERT_TRUE(leader_start);
  // Members that started before the recorded leader are not touched...
  EXPECT_EQ(kill_process_group(pgid, *leader_start + 1000, SIGKILL), 0);
  EXPECT_TRUE(process_alive(sleeper));
  // ...those that started after it are.
  EXPECT_EQ(kill_process_group(pgid, *leader_start, SIGKILL), 1);
  EXPECT_TRUE(gone_within(sleeper, std::chrono::seconds(5)));
}

TEST(ProcessAlive, AZombieIsNotAlive)
{
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100)); // exited, not reaped
  EXPECT_FALSE(process_alive(child));
  ::waitpid(child, nullptr, 0);
}

} // namespace

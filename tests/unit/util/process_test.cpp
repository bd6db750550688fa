// The supervisor: exit codes, signals, output capture, env and cwd,
// timeouts and cancellation of the whole process group.

#include "util/fs.hpp"
#include "util/process.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <thread>

using namespace hb;

namespace {

SpawnSpec
sh(const std::string& script)
{
  SpawnSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  return spec;
}

} // namespace

TEST(Process, ExitCodeAndOutput)
{
  std::string out, err;
  auto spec = sh("echo hello; echo oops >&2; exit 3");
  spec.on_output = [&](OutputStream s, std::string_view c) {
    (s == OutputStream::stdout_stream ? out : err) += c;
  };
  auto r = run_process(spec);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->shell_exit_code(), 3);
  EXPECT_EQ(out, "hello\n");
  EXPECT_EQ(err, "oops\n");
  EXPECT_EQ(r->describe(), "exited with code 3");
}

TEST(Process, SignalDeath)
{
  auto r = run_process(sh("kill -SEGV $$"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->signal, SIGSEGV);
  EXPECT_EQ(r->shell_exit_code(), 128 + SIGSEGV);
  EXPECT_EQ(r->describe(), "killed by SIGSEGV");
}

TEST(Process, EnvCwdAndLogFiles)
{
  auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-proc-");
  ASSERT_TRUE(dir);
  auto spec = sh("echo \"$HB_TEST_VAR $(pwd)\"; echo err >&2");
  spec.env.set("HB_TEST_VAR", "value");
  spec.cwd = dir->path();
  spec.stdout_path = dir->path() / "out.log";
  spec.stderr_path = dir->path() / "err.log";
  auto r = run_process(spec);
  ASSERT_TRUE(r);
  EXPECT_EQ(*fs::read_file(dir->path() / "out.log"), "value " + dir->path().string() + "\n");
  EXPECT_EQ(*fs::read_file(dir->path() / "err.log"), "err\n");
}

TEST(Process, TimeoutStopsTheWholeGroup)
{
  auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-proc-");
  ASSERT_TRUE(dir);
  auto pidfile = dir->path() / "child.pid";
  auto spec = sh("sleep 30 & echo $! > " + pidfile.string() + "; wait");
  spec.timeout_ms = 300;
  spec.kill_grace_ms = 200;
  auto r = run_process(spec);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->timed_out);
  int child = std::stoi(*fs::read_file(pidfile));
  // The grandchild was in the group: it must be gone (at most a zombie
  // waiting for init to reap it).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto stat = fs::read_file("/proc/" + std::to_string(child) + "/stat");
  if (stat) {
    EXPECT_NE(stat->find(") Z"), std::string::npos) << "still running: " << *stat;
  }
}

TEST(Process, CancelIsHonoured)
{
  bool cancel = false;
  auto spec = sh("sleep 30");
  spec.tick_ms = 20;
  spec.should_cancel = [&] { return cancel; };
  spec.on_tick = [&] { cancel = true; };
  auto r = run_process(spec);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->cancelled);
  EXPECT_EQ(r->signal, SIGTERM);
}

TEST(Process, SpawnFailureNamesTheProgram)
{
  SpawnSpec spec;
  spec.argv = {"/nonexistent/runner"};
  auto r = run_process(spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/runner"), std::string::npos);
}

TEST(Process, RusageIsRecorded)
{
  auto r = run_process(sh("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"));
  ASSERT_TRUE(r);
  EXPECT_GT(r->user_seconds + r->system_seconds, 0.0);
  EXPECT_GT(r->max_rss_bytes, 0);
}

TEST(Process, StartTimeIdentifiesAProcess)
{
  auto start = process_start_time(::getpid());
  ASSERT_TRUE(start);
  EXPECT_TRUE(process_alive(::getpid(), start));
  EXPECT_FALSE(process_alive(::getpid(), *start + 1));
}

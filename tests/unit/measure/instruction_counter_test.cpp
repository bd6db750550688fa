// Instruction counting: cachegrind's output format, the error when no counter
// is available (both test seams), and real counts under Valgrind where it is
// installed (skipped elsewhere).

#include "measure/instruction_counter.hpp"
#include "support/scoped_env.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

using hb::test::ScopedEnv;

using namespace hb::measure;

namespace {

const char* k_output = "desc: I1 cache:         32768 B, 64 B, 8-way associative\n"
                       "cmd: sha256sum /tmp/f10\n"
                       "events: Ir\n"
                       "fl=./csu/../csu/libc-start.c\n"
                       "fn=__libc_start_main@@GLIBC_2.34\n"
                       "128 2\n"
                       "134 3\n"
                       "summary: 343663\n";

bool
have_valgrind()
{
  return std::system("command -v valgrind >/dev/null 2>&1") == 0;
}

} // namespace

TEST(CachegrindOutput, SummaryIsTheInstructionCount)
{
  auto n = parse_cachegrind_output(k_output);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 343663u);
}

TEST(CachegrindOutput, IrIsFoundAmongSeveralEvents)
{
  auto n = parse_cachegrind_output("events: Dr Ir I1mr\r\nfl=x\n1 2 3 4\nsummary: 10 20 30\n");
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 20u);
}

TEST(CachegrindOutput, MalformedOutputIsAnErrorNeverZero)
{
  for (const char* text : {"", "events: Ir\n", "summary: 5\n", "events: Dr\nsummary: 5\n",
                           "events: Ir\nsummary: -5\n", "events: Ir\nsummary: 5x\n",
                           "events: Dr Ir\nsummary: 5\n", "events: Ir\nsummary:\n"}) {
    auto n = parse_cachegrind_output(text);
    ASSERT_FALSE(n) << "accepted: " << text;
    EXPECT_EQ(n.error().code, "measure.count_failed");
    EXPECT_NE(n.error().message.find("cachegrind"), std::string::npos);
  }
}

TEST(SelectCounter, NeitherCounterIsAClearErrorNamingBothRemedies)
{
  ScopedEnv no_perf("HOMEBOY_TEST_NO_PERF", "1");
  ScopedEnv no_valgrind("HOMEBOY_TEST_NO_VALGRIND", "1");
  auto counter = select_counter();
  ASSERT_FALSE(counter);
  EXPECT_EQ(counter.error().code, "measure.counter_unavailable");
  const std::string& m = counter.error().message;
  EXPECT_NE(m.find("perf_event_paranoid"), std::string::npos) << m;
  EXPECT_NE(m.find("apt-get install valgrind"), std::string::npos) << m;
}

TEST(SelectCounter, WithoutPerfValgrindIsUsed)
{
  if (!have_valgrind()) GTEST_SKIP() << "valgrind is not installed";
  ScopedEnv no_perf("HOMEBOY_TEST_NO_PERF", "1");
  auto counter = select_counter();
  ASSERT_TRUE(counter) << counter.error().message;
  EXPECT_EQ(*counter, Counter::cachegrind);
  EXPECT_STREQ(counter_name(*counter), "cachegrind (valgrind)");
}

TEST(CountInstructions, CachegrindCountsTheCommandAndItsChildrenTheSameEveryTime)
{
  if (!have_valgrind()) GTEST_SKIP() << "valgrind is not installed";
  CountRequest request;
  request.argv = {"/bin/sh", "-c", "/bin/echo hi >/dev/null; /bin/true"};
  auto first = count_instructions(request, Counter::cachegrind);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->succeeded());
  EXPECT_FALSE(first->cache_misses);
  EXPECT_GT(first->instructions, 10'000u);

  // The children count too: a lone `true` is fewer instructions.
  request.argv = {"/bin/true"};
  auto lone = count_instructions(request, Counter::cachegrind);
  ASSERT_TRUE(lone) << lone.error().message;
  EXPECT_LT(lone->instructions, first->instructions);

  request.argv = {"/bin/sh", "-c", "/bin/echo hi >/dev/null; /bin/true"};
  auto second = count_instructions(request, Counter::cachegrind);
  ASSERT_TRUE(second) << second.error().message;
  double change = (static_cast<double>(second->instructions) - first->instructions)
                  / first->instructions;
  EXPECT_LT(std::abs(change), 0.001) << first->instructions << " vs " << second->instructions;
}

TEST(CountInstructions, AFailureUnderValgrindNamesItTheExitCodeAndTheStderr)
{
  if (!have_valgrind()) GTEST_SKIP() << "valgrind is not installed";
  CountRequest request;
  request.argv = {"/bin/sh", "-c", "echo 'no such input' >&2; exit 3"};
  auto count = count_instructions(request, Counter::cachegrind);
  ASSERT_TRUE(count) << count.error().message;
  EXPECT_FALSE(count->succeeded());
  ASSERT_TRUE(count->exit_code);
  EXPECT_EQ(*count->exit_code, 3);
  EXPECT_NE(count->stderr_tail.find("no such input"), std::string::npos);
  auto error = command_failed_error(*count, "sh -c ...");
  EXPECT_EQ(error.code, "measure.command_failed");
  EXPECT_NE(error.message.find("exited with code 3 under Valgrind"), std::string::npos)
    << error.message;
  EXPECT_NE(error.message.find("no such input"), std::string::npos);
  EXPECT_NE(error.message.find("runs without Valgrind"), std::string::npos);
}

#include "model/run.hpp"

#include <gtest/gtest.h>

using namespace hb;

TEST(RunStatus, NamesRoundTrip)
{
  for (auto s : all_run_statuses()) {
    EXPECT_EQ(parse_run_status(to_string(s)), s);
  }
  EXPECT_EQ(all_run_statuses().size(), 8u);
  EXPECT_FALSE(parse_run_status("pass"));
}

TEST(RunStatus, TransitionTable)
{
  using S = RunStatus;
  EXPECT_TRUE(transition_allowed(S::queued, S::booting));
  EXPECT_TRUE(transition_allowed(S::queued, S::cancelled));
  EXPECT_TRUE(transition_allowed(S::queued, S::running)) << "synchronous producers";
  EXPECT_FALSE(transition_allowed(S::queued, S::succeeded));
  EXPECT_FALSE(transition_allowed(S::queued, S::collecting_artifacts));
  EXPECT_TRUE(transition_allowed(S::booting, S::running));
  EXPECT_FALSE(transition_allowed(S::booting, S::succeeded));
  EXPECT_TRUE(transition_allowed(S::running, S::collecting_artifacts));
  EXPECT_TRUE(transition_allowed(S::running, S::timed_out));
  EXPECT_FALSE(transition_allowed(S::running, S::queued));
  EXPECT_TRUE(transition_allowed(S::collecting_artifacts, S::succeeded));
  EXPECT_FALSE(transition_allowed(S::collecting_artifacts, S::running));
  for (auto t : {S::succeeded, S::failed, S::timed_out, S::cancelled}) {
    EXPECT_TRUE(is_terminal(t));
    for (auto to : all_run_statuses()) {
      EXPECT_FALSE(transition_allowed(t, to)) << to_string(t) << " -> " << to_string(to);
    }
  }
}

TEST(RunStatus, ObservationAliases)
{
  EXPECT_EQ(parse_status_filter("pass"), (std::vector{RunStatus::succeeded}));
  EXPECT_EQ(parse_status_filter("fail"), (std::vector{RunStatus::failed}));
  EXPECT_EQ(parse_status_filter("active")->size(), 4u);
  EXPECT_FALSE(parse_status_filter("bogus"));
}

TEST(RunRefs, Format)
{
  EXPECT_EQ(run_ref("r1"), "homeboy://run/r1");
  EXPECT_EQ(artifact_ref("r1", "a2"), "homeboy://run/r1/artifact/a2");
}

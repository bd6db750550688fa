// The resource policy: /proc parsers and the cold / warm / hot thresholds.

#include "resources/resources.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace hb::resources;
using ::testing::HasSubstr;

TEST(ProcParsers, ReadTheFiguresTheyNeed)
{
  auto cpu = parse_proc_stat("cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 1 2 3 4\n");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->busy, 160u);
  EXPECT_EQ(cpu->idle, 1020u);
  EXPECT_EQ(cpu->steal, 7u);
  EXPECT_FALSE(parse_proc_stat("intr 1 2 3\n"));

  auto load = parse_loadavg("3.08 2.62 2.32 6/116 4181\n");
  ASSERT_TRUE(load);
  EXPECT_DOUBLE_EQ(load->one, 3.08);
  EXPECT_EQ(load->running, 6u);
  EXPECT_FALSE(parse_loadavg("garbage"));

  EXPECT_DOUBLE_EQ(*parse_psi_some_avg10("some avg10=12.50 avg60=1.00 avg300=0.00 total=5\n"
                                         "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"),
                   12.5);
  EXPECT_FALSE(parse_psi_some_avg10(""));
  EXPECT_DOUBLE_EQ(*parse_mem_available_ratio("MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 250 kB\n"),
                   0.25);
}

TEST(Classify, AnIdleMachineIsCold)
{
  Figures f;
  f.cores = 2;
  f.load = LoadAvg{0.1, 0.1, 0.1, 1};
  f.runnable_per_core = 0;
  f.cpu_busy_percent = 3;
  f.cpu_steal_percent = 0;
  f.memory_pressure_avg10 = 0;
  f.memory_available_percent = 80;
  auto a = classify(f);
  EXPECT_EQ(a.state, State::cold);
  EXPECT_TRUE(a.reasons.empty());
}

TEST(Classify, TheWorstFigureDecidesAndEachReasonSaysWhy)
{
  Figures f;
  f.cores = 2;
  f.load = LoadAvg{1.6, 1.0, 1.0, 2}; // 0.8 per core: warm
  auto a = classify(f);
  EXPECT_EQ(a.state, State::warm);
  ASSERT_EQ(a.reasons.size(), 1u);
  EXPECT_THAT(a.reasons[0].text, HasSubstr("load 0.80 per core"));

  f.cpu_steal_percent = 12;
  a = classify(f);
  EXPECT_EQ(a.state, State::hot);
  EXPECT_THAT(a.reasons.back().text, HasSubstr("steal 12.0%"));

  Figures m;
  m.memory_available_percent = 15;
  EXPECT_EQ(classify(m).state, State::warm);
  m.memory_available_percent = 5;
  EXPECT_EQ(classify(m).state, State::hot);
  Figures psi;
  psi.memory_pressure_avg10 = 20;
  EXPECT_EQ(classify(psi).state, State::hot);
  Figures waiting;
  waiting.cpu_pressure_avg10 = 15;
  EXPECT_EQ(classify(waiting).state, State::warm);
  Figures busy;
  busy.cpu_busy_percent = 97;
  EXPECT_EQ(classify(busy).state, State::hot);
  Figures others;
  others.other_benches = 1;
  EXPECT_EQ(classify(others).state, State::warm);
  others.other_benches = 2;
  EXPECT_EQ(classify(others).state, State::hot);
  EXPECT_THAT(classify(others).reasons[0].text, HasSubstr("2 other homeboy benches running now"));
}

TEST(Classify, TheAssessmentJsonCarriesTheStateAndFigures)
{
  Figures f;
  f.cores = 4;
  f.cpu_busy_percent = 60;
  auto json = assessment_json(classify(f));
  EXPECT_THAT(json, HasSubstr("\"state\":\"warm\""));
  EXPECT_THAT(json, HasSubstr("\"cpu_busy_percent\":60.0"));
  EXPECT_EQ(parse_state("hot"), State::hot);
  EXPECT_FALSE(parse_state("tepid"));
}

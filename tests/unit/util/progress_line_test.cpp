// The live progress line (util/progress_line.hpp): its text from given
// figures and times, and how it is drawn around other output.

#include "util/progress_line.hpp"

#include <gmock/gmock.h>

#include <cstdio>
#include <cstdlib>

using namespace hb;
using ::testing::HasSubstr;

TEST(ProgressLine, RendersEveryKnownPart)
{
  ProgressFigures f;
  f.label = "bench text-tools";
  f.step = "invocation 2/3";
  f.scenario = "hot_path";
  f.iteration = 4;
  f.iterations = 10;
  f.elapsed_ms = 12'400;
  f.eta_ms = 30'000;
  EXPECT_EQ(render_progress(f, 200),
            "bench text-tools \u00b7 invocation 2/3 \u00b7 hot_path \u00b7 iteration 4/10 \u00b7 "
            "0:12 elapsed \u00b7 ETA 0:30");
}

TEST(ProgressLine, LeavesOutWhatIsNotKnown)
{
  ProgressFigures f;
  f.label = "bench";
  f.elapsed_ms = 65'000;
  EXPECT_EQ(render_progress(f, 200), "bench \u00b7 1:05 elapsed");
  f.iteration = 3;
  EXPECT_EQ(render_progress(f, 200), "bench \u00b7 iteration 3 \u00b7 1:05 elapsed");
}

TEST(ProgressLine, IsCutToTheTerminalWidthSoItNeverWraps)
{
  ProgressFigures f;
  f.label = "bench a-component-with-a-very-long-name";
  f.scenario = "a-scenario-with-an-even-longer-name-than-that";
  f.elapsed_ms = 1000;
  std::string line = render_progress(f, 40);
  EXPECT_EQ(line, "bench a-component-with-a-very-long-name\u2026");
  // 40 columns: 39 characters and the ellipsis.
  EXPECT_EQ(line.size(), 39u + std::string("\u2026").size());
}

TEST(ProgressLine, ClockAndEstimate)
{
  EXPECT_EQ(format_clock(0), "0:00");
  EXPECT_EQ(format_clock(-5), "0:00");
  EXPECT_EQ(format_clock(59'999), "0:59");
  EXPECT_EQ(format_clock(3'725'000), "1:02:05");
  EXPECT_FALSE(estimate_remaining_ms(10'000, 0).has_value());
  EXPECT_FALSE(estimate_remaining_ms(10'000, 1.5).has_value());
  EXPECT_EQ(*estimate_remaining_ms(10'000, 0.25), 30'000);
  EXPECT_EQ(*estimate_remaining_ms(10'000, 1.0), 0);
}

namespace {

/// What a ProgressLine wrote, through a memory stream.
struct Captured
{
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* file = open_memstream(&data, &size);
  ~Captured() { std::free(data); }
  std::string text()
  {
    std::fflush(file);
    return std::string(data, size);
  }
};

} // namespace

TEST(ProgressLine, IsErasedBeforeOtherOutputAndRedrawnAfterAWholeLine)
{
  Captured out;
  {
    ProgressLine line(out.file, true);
    line.draw("bench \u00b7 0:01 elapsed");
    line.write_through("runner: half a line");
    // The runner is mid-line: the progress line waits.
    line.draw("bench \u00b7 0:02 elapsed");
    line.write_through(" and its end\n");
    line.clear();
    line.draw("bench \u00b7 0:03 elapsed"); // after clear: nothing
  }
  std::fclose(out.file);
  out.file = nullptr;
  std::string text(out.data, out.size);
  EXPECT_EQ(text,
            "\rbench \u00b7 0:01 elapsed\x1b[K"
            "\r\x1b[K"
            "runner: half a line"
            " and its end\n"
            "\rbench \u00b7 0:02 elapsed\x1b[K"
            "\r\x1b[K");
}

TEST(ProgressLine, DisabledOnlyPassesOutputThrough)
{
  Captured out;
  {
    ProgressLine line(out.file, false);
    line.draw("bench \u00b7 0:01 elapsed");
    line.write_through("runner output\n");
    line.clear();
  }
  std::fclose(out.file);
  out.file = nullptr;
  EXPECT_EQ(std::string(out.data, out.size), "runner output\n");
}

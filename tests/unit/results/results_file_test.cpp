// parse_results_file: missing, empty, oversized and unreadable files, and
// file-based fixtures.

#include "unit/results/results_test_support.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace hb::bench::test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ResultsFile : public ::testing::Test
{
protected:
  void SetUp() override
  {
    m_dir = fs::temp_directory_path()
            / ("hb-results-test-" + std::to_string(::getpid()) + "-"
               + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(m_dir);
    fs::create_directories(m_dir);
  }

  void TearDown() override { fs::remove_all(m_dir); }

  fs::path write(const std::string& name, std::string_view content)
  {
    fs::path path = m_dir / name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  fs::path m_dir;
};

TEST_F(ResultsFile, ValidFileParses)
{
  fs::path path = write("bench-results.json", dump_json(minimal_document()));
  auto parsed = parse_results_file(path, ParseOptions{});
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->scenarios[0].id, "cold-boot");
}

TEST_F(ResultsFile, MissingFile)
{
  fs::path path = m_dir / "bench-results.json";
  auto parsed = parse_results_file(path, ParseOptions{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.missing");
  EXPECT_EQ(parsed.error().message,
            "results file " + path.string()
              + " does not exist: the runner exited without writing its results to "
                "$HOMEBOY_BENCH_RESULTS_FILE");
  EXPECT_EQ(details(parsed.error())["path"], path.string());
}

TEST_F(ResultsFile, EmptyFile)
{
  fs::path path = write("bench-results.json", "");
  auto parsed = parse_results_file(path, ParseOptions{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.empty");
  EXPECT_THAT(parsed.error().message, HasSubstr("results file " + path.string() + " is empty"));
}

TEST_F(ResultsFile, WhitespaceOnlyFileIsEmpty)
{
  auto parsed = parse_results_file(write("bench-results.json", " \n\t\r\n"), ParseOptions{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.empty");
}

TEST_F(ResultsFile, TooLargeFile)
{
  fs::path path = write("bench-results.json", dump_json(minimal_document()));
  const auto size = fs::file_size(path);
  ParseOptions options;
  options.max_bytes = 64;
  auto parsed = parse_results_file(path, options);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.too_large");
  EXPECT_EQ(parsed.error().message, "results file " + path.string() + " is "
                                      + std::to_string(size)
                                      + " bytes, more than the limit of 64 bytes; keep raw data in scenario artifacts and only "
              "summaries and samples in the results, or raise the limit with "
              "HOMEBOY_BENCH_MAX_RESULTS_BYTES");
  EXPECT_EQ(details(parsed.error())["size"], size);
  EXPECT_EQ(details(parsed.error())["limit"], 64);

  options.max_bytes = size;
  EXPECT_TRUE(parse_results_file(path, options));
}

TEST_F(ResultsFile, DirectoryIsNotAResultsFile)
{
  auto parsed = parse_results_file(m_dir, ParseOptions{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.invalid");
  EXPECT_THAT(parsed.error().message, HasSubstr("is not a regular file"));
}

TEST_F(ResultsFile, InvalidContentIsResultsInvalidWithThePath)
{
  fs::path path = write("bench-results.json", R"({"component_id": "c"})");
  auto parsed = parse_results_file(path, ParseOptions{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.invalid");
  EXPECT_EQ(parsed.error().message, "results file " + path.string()
                                      + ": missing required key \"iterations\" (an unsigned "
                                        "integer)");
  Json error_details = details(parsed.error());
  EXPECT_EQ(error_details["file"], "results file " + path.string());
  EXPECT_EQ(error_details["path"], path.string());
  EXPECT_EQ(error_details["key"], "iterations");
}

TEST_F(ResultsFile, CustomSourceNameIsKept)
{
  ParseOptions options;
  options.source_name = "results of instance 2";
  auto parsed = parse_results_file(write("r.json", "[]"), options);
  ASSERT_FALSE(parsed);
  EXPECT_THAT(parsed.error().message, ::testing::StartsWith("results of instance 2: "));
}

TEST(ResultsFixtures, NaNFixture)
{
  auto parsed = parse_results_file(HB_FIXTURES_DIR "/results/nan-metric.json", ParseOptions{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.invalid");
  EXPECT_THAT(parsed.error().message, HasSubstr("nan-metric.json is not valid JSON: found NaN at "
                                                "line 5, column 65; NaN and Infinity are not "
                                                "valid JSON numbers"));
}

TEST(ResultsFixtures, TruncatedFixture)
{
  auto parsed = parse_results_file(HB_FIXTURES_DIR "/results/truncated.json", ParseOptions{});
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, "results.invalid");
  EXPECT_THAT(parsed.error().message, HasSubstr("truncated.json is not valid JSON"));
  EXPECT_THAT(parsed.error().message, HasSubstr("the document ended early"));
}

} // namespace
} // namespace hb::bench::test

// Paths from untrusted bundles: lexical rules, symbolic links, file-name
// segments.

#include "util/fs.hpp"
#include "util/path_safety.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace hb;

TEST(PathSafety, AcceptsPlainRelativePaths)
{
  EXPECT_TRUE(fs::check_relative_path("a"));
  EXPECT_TRUE(fs::check_relative_path("artifact-bytes/abc-trace.json"));
  EXPECT_TRUE(fs::check_relative_path("a/b/c..d/.hidden"));
}

TEST(PathSafety, RefusesPathsThatLeaveTheDirectory)
{
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../../x", "a/..", "..", "./a", "a/./b",
                          "a//b", "a/", "a\\..\\b"}) {
    auto r = fs::check_relative_path(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "validation.unsafe_path") << bad;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
  std::string with_nul("a\0b", 3);
  EXPECT_FALSE(fs::check_relative_path(with_nul));
}

TEST(PathSafety, SaysWhy)
{
  EXPECT_NE(fs::check_relative_path("/x").error().message.find("absolute"), std::string::npos);
  EXPECT_NE(fs::check_relative_path("../x").error().message.find(".."), std::string::npos);
}

class PathSafetyFs : public ::testing::Test
{
protected:
  void SetUp() override
  {
    auto dir = fs::TempDir::create(std::filesystem::temp_directory_path(), "hb-pathsafety-");
    ASSERT_TRUE(dir);
    m_dir.emplace(std::move(*dir));
    root = m_dir->path() / "bundle";
    std::filesystem::create_directories(root / "sub");
    std::ofstream(root / "sub" / "file.txt") << "x";
    std::ofstream(m_dir->path() / "outside.txt") << "secret";
  }
  std::optional<fs::TempDir> m_dir;
  std::filesystem::path root;
};

TEST_F(PathSafetyFs, FindsRegularFilesInside)
{
  auto p = fs::regular_file_beneath(root, "sub/file.txt");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(*p, root / "sub" / "file.txt");
}

TEST_F(PathSafetyFs, RefusesSymlinksAnywhereOnThePath)
{
  std::filesystem::create_symlink(m_dir->path() / "outside.txt", root / "link.txt");
  std::filesystem::create_directory_symlink(m_dir->path(), root / "linkdir");
  for (const char* rel : {"link.txt", "linkdir/outside.txt"}) {
    auto p = fs::regular_file_beneath(root, rel);
    ASSERT_FALSE(p) << rel;
    EXPECT_EQ(p.error().code, "validation.unsafe_path");
    EXPECT_NE(p.error().message.find("symbolic link"), std::string::npos) << p.error().message;
  }
}

TEST_F(PathSafetyFs, MissingFilesAndDirectoriesAreNamed)
{
  auto missing = fs::regular_file_beneath(root, "sub/nope.txt");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "fs.not_found");
  EXPECT_NE(missing.error().message.find("nope.txt"), std::string::npos);
  auto dir = fs::regular_file_beneath(root, "sub");
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().code, "validation.unsafe_path");
}

TEST(PathSafety, SafeSegments)
{
  EXPECT_EQ(fs::safe_path_segment("752aff78-9152-trace.json"), "752aff78-9152-trace.json");
  EXPECT_EQ(fs::safe_path_segment("Bench results"), "Bench-results");
  EXPECT_EQ(fs::safe_path_segment("../../etc/passwd"), "..-..-etc-passwd");
  EXPECT_EQ(fs::safe_path_segment(".."), "_");
  EXPECT_EQ(fs::safe_path_segment("."), "_");
  EXPECT_EQ(fs::safe_path_segment("///"), "_");
  EXPECT_EQ(fs::safe_path_segment(""), "_");
  EXPECT_EQ(fs::safe_path_segment("/a/"), "a");
}

TEST(PathSafety, InjectiveSegmentsNeverShareADirectory)
{
  EXPECT_EQ(fs::injective_path_segment("0b3f6a2e-1c1d-4c53-9d47-6c2b7c5a9e10"),
            "0b3f6a2e-1c1d-4c53-9d47-6c2b7c5a9e10");
  EXPECT_NE(fs::injective_path_segment("x/y"), fs::injective_path_segment("x-y"));
  EXPECT_EQ(fs::injective_path_segment("x/y"), "x%2Fy");
  EXPECT_NE(fs::injective_path_segment("x%2Fy"), fs::injective_path_segment("x/y"));
  EXPECT_EQ(fs::injective_path_segment(".."), "%2E%2E");
  EXPECT_EQ(fs::injective_path_segment(""), "%");
  EXPECT_EQ(fs::injective_path_segment("a\xff"), "a%FF");
}

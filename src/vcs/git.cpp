// Git through the `git` program: every call is one run_process with the
// output captured, so errors can quote what git said.

#include "vcs/git.hpp"

#include "util/process.hpp"

#include <fmt/core.h>

namespace hb::vcs {

namespace stdfs = std::filesystem;

namespace {

std::string
trim(std::string text)
{
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  std::size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\n')) ++start;
  return text.substr(start);
}

std::vector<std::string>
lines_of(const std::string& text)
{
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

} // namespace

Result<GitOutput>
run_git(const std::vector<std::string>& args, const stdfs::path& cwd)
{
  SpawnSpec spec;
  spec.argv = {"git"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = cwd;
  for (const char* name : {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR",
                           "GIT_OBJECT_DIRECTORY", "GIT_PREFIX"}) {
    spec.env.unset(name);
  }
  spec.env.set("LC_ALL", "C");
  spec.env.set("GIT_TERMINAL_PROMPT", "0");
  spec.timeout_ms = 300'000;
  GitOutput output;
  spec.on_output = [&output](OutputStream stream, std::string_view chunk) {
    (stream == OutputStream::stdout_stream ? output.out : output.err).append(chunk);
  };
  auto ran = run_process(spec);
  if (!ran) {
    return make_error("vcs.git_missing",
                      fmt::format("cannot run git: {}; install git (Debian: apt-get install git)",
                                  ran.error().message));
  }
  output.exit_code = ran->shell_exit_code();
  return output;
}

Result<Repository>
find_repository(const stdfs::path& path)
{
  std::error_code ec;
  if (!stdfs::is_directory(path, ec)) {
    return make_error("vcs.not_a_repository",
                      fmt::format("{} is not a directory, so it is in no git repository",
                                  path.string()));
  }
  auto out = run_git({"rev-parse", "--show-toplevel", "--git-common-dir"}, path);
  if (!out) return Unexpected(out.error());
  auto lines = lines_of(out->out);
  if (out->exit_code != 0 || lines.size() < 2) {
    return make_error("vcs.not_a_repository",
                      fmt::format("{} is not inside a git repository (git says: {}); --against "
                                  "compares a git revision with the working tree, so run it in "
                                  "the component's repository or pass --path to a checkout",
                                  path.string(), trim(out->err)));
  }
  Repository repo;
  repo.top = lines[0];
  stdfs::path common = lines[1];
  if (common.is_relative()) common = path / common;
  repo.common_dir = stdfs::weakly_canonical(common, ec);
  if (ec) repo.common_dir = common;
  return repo;
}

Result<std::string>
resolve_commit(const Repository& repo, const std::string& ref)
{
  if (ref.empty() || ref.front() == '-') {
    return make_error("vcs.unknown_ref",
                      fmt::format("`{}` is not a git ref; pass a branch, tag or commit such as "
                                  "main or HEAD~1",
                                  ref));
  }
  auto out = run_git({"rev-parse", "--verify", "--quiet", "--end-of-options", ref + "^{commit}"},
                     repo.top);
  if (!out) return Unexpected(out.error());
  std::string sha = trim(out->out);
  if (out->exit_code != 0 || sha.empty()) {
    return make_error("vcs.unknown_ref",
                      fmt::format("git ref `{}` names no commit in the repository {}; check the "
                                  "spelling, or `git -C {} fetch` if it exists only on a remote",
                                  ref, repo.top.string(), repo.top.string()));
  }
  return sha;
}

Result<std::string>
head_commit(const stdfs::path& tree)
{
  auto out = run_git({"rev-parse", "--verify", "--quiet", "HEAD^{commit}"}, tree);
  if (!out) return Unexpected(out.error());
  std::string sha = trim(out->out);
  if (out->exit_code != 0 || sha.empty()) {
    return make_error("vcs.no_head",
                      fmt::format("{} has no commit checked out (git says: {})", tree.string(),
                                  trim(out->err)));
  }
  return sha;
}

std::string
current_branch(const stdfs::path& tree)
{
  auto out = run_git({"symbolic-ref", "--quiet", "--short", "HEAD"}, tree);
  if (!out || out->exit_code != 0) return "";
  return trim(out->out);
}

Result<std::vector<std::string>>
tracked_changes(const stdfs::path& tree)
{
  auto out = run_git({"status", "--porcelain", "--untracked-files=no"}, tree);
  if (!out) return Unexpected(out.error());
  if (out->exit_code != 0) {
    return make_error("vcs.status_failed",
                      fmt::format("`git -C {} status` failed: {}", tree.string(), trim(out->err)));
  }
  return lines_of(out->out);
}

std::string
short_sha(const std::string& sha, std::size_t n)
{
  return sha.substr(0, std::min(n, sha.size()));
}

} // namespace hb::vcs

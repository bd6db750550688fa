// Invocation isolation: root selection, the path budget, the root's owner
// and mode check, the port allocator, the lease index (stale holders
// pruned, corrupt files ignored, named leases refused) and an invocation's
// directories, variables and artifact preservation.

#include "invocation/invocation.hpp"
#include "invocation/leases.hpp"

#include "util/fs.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hb::invocation;
using ::testing::HasSubstr;
namespace stdfs = std::filesystem;

namespace {

struct TempRoot
{
  stdfs::path path;
  TempRoot()
  {
    char tmpl[] = "/tmp/hbinvXXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempRoot()
  {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
};

bool always_free(std::uint32_t) { return true; }
bool odd_busy(std::uint32_t port) { return port != 20003; }
bool none_free(std::uint32_t) { return false; }

Lease
lease_for(const std::string& id, long pid)
{
  Lease l;
  l.invocation_id = id;
  l.pid = pid;
  l.start_ticks = process_start_ticks(pid);
  return l;
}

} // namespace

TEST(RootSelection, FollowsTheDocumentedPriority)
{
  RootInputs in;
  in.uid = 1000;
  in.override_dir = "/srv/hb";
  EXPECT_EQ(select_root(in)->path, "/srv/hb");
  EXPECT_EQ(select_root(in)->source, "override");
  in.override_dir.reset();
  EXPECT_EQ(select_root(in)->path, "/tmp/hb-1000");
  in.tmp_usable = false;
  in.xdg_runtime_dir = "/run/user/1000";
  in.home = "/home/u";
  EXPECT_EQ(select_root(in)->path, "/run/user/1000/hb");
  in.xdg_runtime_dir.reset();
  EXPECT_EQ(select_root(in)->path, "/home/u/.cache/homeboy/inv");
  in.xdg_cache_home = "/c";
  EXPECT_EQ(select_root(in)->path, "/c/homeboy/inv");
  in.macos = true;
  in.tmpdir = "/var/folders/ab/T";
  EXPECT_EQ(select_root(in)->path, "/var/folders/ab/T/hb");
}

TEST(RootSelection, ARelativeOverrideOrNothingUsableIsAnError)
{
  RootInputs in;
  in.override_dir = "relative/dir";
  auto r = select_root(in);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("HOMEBOY_INVOCATION_RUNTIME_DIR=relative/dir is not an absolute path"));
  RootInputs none;
  none.tmp_usable = false;
  EXPECT_FALSE(select_root(none));
}

TEST(PathBudget, AShortRootPassesALongOneNamesTheLimitAndTheOverride)
{
  SocketBudget linux_budget{108, 32, "Linux"};
  EXPECT_TRUE(check_path_budget("/tmp/hb-0", linux_budget));
  // 108 - 32 = 76 bytes for "<root>/<10 hex>.a": a root of 63 bytes fits, 64 does not.
  EXPECT_TRUE(check_path_budget("/" + std::string(62, 'x'), linux_budget));
  auto r = check_path_budget("/" + std::string(63, 'x'), linux_budget);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "invocation.path_budget");
  EXPECT_THAT(r.error().message, HasSubstr("sockaddr_un"));
  EXPECT_THAT(r.error().message, HasSubstr("108-byte"));
  EXPECT_THAT(r.error().message, HasSubstr("on Linux"));
  EXPECT_THAT(r.error().message, HasSubstr("32 bytes of headroom"));
  EXPECT_THAT(r.error().message, HasSubstr("HOMEBOY_INVOCATION_RUNTIME_DIR"));
  SocketBudget mac{104, 48, "macOS"};
  EXPECT_FALSE(check_path_budget("/" + std::string(50, 'x'), mac));
}

TEST(RootCheck, CreatesAPrivateRootAndRefusesAnotherUsersOrAnOpenOne)
{
  TempRoot t;
  auto root = t.path / "sub" / "hb";
  ASSERT_TRUE(ensure_root(root));
  struct stat st{};
  ASSERT_EQ(::stat(root.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(ensure_root(root)) << "an existing private root is reused";

  ASSERT_EQ(::chmod(root.c_str(), 0755), 0);
  auto open = ensure_root(root);
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().code, "invocation.root_not_private");
  EXPECT_THAT(open.error().message, HasSubstr("chmod 700"));

  auto link = t.path / "link";
  stdfs::create_directory_symlink(root, link);
  EXPECT_FALSE(ensure_root(link)) << "a symbolic link is not a root";

  if (::geteuid() == 0) {
    ASSERT_EQ(::chmod(root.c_str(), 0700), 0);
    ASSERT_EQ(::chown(root.c_str(), 65534, 65534), 0);
    auto theirs = ensure_root(root);
    ASSERT_FALSE(theirs);
    EXPECT_EQ(theirs.error().code, "invocation.root_not_owned");
    EXPECT_THAT(theirs.error().message, HasSubstr("owned by uid 65534"));
  }
}

TEST(PortAllocator, SkipsLeasedRangesAndBusyPortsAndSaysWhenThePoolIsFull)
{
  auto r = find_port_range(8, {}, always_free);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, std::make_pair(20000u, 20007u));
  r = find_port_range(8, {{20000, 20007}, {20008, 20010}}, always_free);
  EXPECT_EQ(*r, std::make_pair(20011u, 20018u));
  r = find_port_range(4, {}, odd_busy);
  EXPECT_EQ(*r, std::make_pair(20004u, 20007u)) << "a port in use moves the range past it";
  r = find_port_range(k_port_pool_size, {}, always_free);
  EXPECT_EQ(*r, std::make_pair(20000u, 60999u));
  auto full = find_port_range(2, {{20000, 60998}}, always_free);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code, "invocation.no_ports");
  EXPECT_THAT(full.error().message, HasSubstr("no free range of 2 ports in the pool 20000-60999"));
  EXPECT_FALSE(find_port_range(3, {}, none_free));
}

TEST(PortAllocator, RefusesZeroAndMoreThanThePool)
{
  EXPECT_FALSE(find_port_range(0, {}, always_free));
  LeaseRequest big;
  big.port_range_size = k_port_pool_size + 1;
  auto r = check_request(big);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("larger than the port pool (20000-60999, 41000 ports)"));
}

TEST(LeaseIndex, RangesDoNotOverlapAndANamedLeaseNamesItsHolder)
{
  TempRoot t;
  LeaseIndex index(t.path / "invocation-leases");
  IndexNotes notes;
  LeaseRequest req;
  req.port_range_size = 8;
  req.named_leases = {"browser-profile"};
  Lease first = lease_for("aaaaaaaaaa", ::getpid());
  first.run_id = "run-1";
  auto a = index.acquire(first, req, notes, always_free);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a->port_base, 20000u);
  EXPECT_EQ(*a->port_max, 20007u);

  auto held = index.acquire(lease_for("bbbbbbbbbb", ::getpid()), req, notes, always_free);
  ASSERT_FALSE(held);
  EXPECT_EQ(held.error().code, "invocation.lease_held");
  EXPECT_THAT(held.error().message, HasSubstr("named lease `browser-profile` is held by invocation "
                                              "aaaaaaaaaa (pid " + std::to_string(::getpid()) + ", run run-1"));

  req.named_leases.clear();
  auto b = index.acquire(lease_for("cccccccccc", ::getpid()), req, notes, always_free);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b->port_base, 20008u) << "not overlapping the first range";
  EXPECT_EQ(index.live().size(), 2u);
  index.release("aaaaaaaaaa");
  EXPECT_EQ(index.live().size(), 1u);
  req.named_leases = {"browser-profile"};
  EXPECT_TRUE(index.acquire(lease_for("dddddddddd", ::getpid()), req, notes, always_free))
    << "released: the named lease is free again";
}

TEST(LeaseIndex, AStaleHolderIsPrunedOnTheNextAllocation)
{
  TempRoot t;
  LeaseIndex index(t.path / "invocation-leases");
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  Lease dead = lease_for("eeeeeeeeee", child);
  int status = 0;
  ::waitpid(child, &status, 0); // now gone
  dead.named_leases = {"db"};
  dead.port_base = 20000;
  dead.port_max = 20009;
  ASSERT_TRUE(hb::fs::create_directories(index.dir()));
  ASSERT_TRUE(hb::fs::write_file_atomic(index.dir() / "eeeeeeeeee.json", lease_json(dead)));

  // A live pid with another start time is a reused pid: also stale.
  Lease reused = lease_for("ffffffffff", ::getpid());
  reused.start_ticks = reused.start_ticks.value_or(0) + 12345;
  ASSERT_TRUE(hb::fs::write_file_atomic(index.dir() / "ffffffffff.json", lease_json(reused)));

  IndexNotes notes;
  LeaseRequest req;
  req.port_range_size = 4;
  req.named_leases = {"db"};
  auto a = index.acquire(lease_for("gggggggggg", ::getpid()), req, notes, always_free);
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(*a->port_base, 20000u) << "the dead holder's range is free again";
  EXPECT_EQ(notes.pruned.size(), 2u);
  EXPECT_FALSE(stdfs::exists(index.dir() / "eeeeeeeeee.json"));
  EXPECT_FALSE(stdfs::exists(index.dir() / "ffffffffff.json"));
}

TEST(LeaseIndex, ACorruptLeaseFileIsIgnoredWithAWarningAndRemoved)
{
  TempRoot t;
  LeaseIndex index(t.path / "invocation-leases");
  ASSERT_TRUE(hb::fs::create_directories(index.dir()));
  ASSERT_TRUE(hb::fs::write_file_atomic(index.dir() / "broken.json", "{\"pid\": 12, \"inv"));
  ASSERT_TRUE(hb::fs::write_file_atomic(index.dir() / "wrong.json", "[1,2]"));
  IndexNotes notes;
  LeaseRequest req;
  req.port_range_size = 2;
  auto a = index.acquire(lease_for("hhhhhhhhhh", ::getpid()), req, notes, always_free);
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(notes.warnings.size(), 2u);
  EXPECT_THAT(notes.warnings[0] + notes.warnings[1], HasSubstr("broken.json"));
  EXPECT_THAT(notes.warnings[0], HasSubstr("ignored the corrupt invocation lease file"));
  EXPECT_FALSE(stdfs::exists(index.dir() / "broken.json"));
  // The index was rewritten: the next allocation has nothing to warn of.
  IndexNotes again;
  ASSERT_TRUE(index.acquire(lease_for("iiiiiiiiii", ::getpid()), req, again, always_free));
  EXPECT_TRUE(again.warnings.empty());
}

TEST(Invocation, CreatesThreePrivateDirsExportsThemAndPreservesArtifacts)
{
  TempRoot t;
  Options options;
  options.config_root = t.path / "config";
  options.root_inputs = RootInputs{};
  options.root_inputs.override_dir = (t.path / "inv").string();
  options.request.port_range_size = 3;
  options.run_id = "run-9";
  IndexNotes notes;
  auto inv = Invocation::acquire(options, notes);
  ASSERT_TRUE(inv) << inv.error().message;
  EXPECT_EQ(inv->id().size(), k_short_id_length);
  EXPECT_EQ(inv->state_dir(), t.path / "inv" / inv->id());
  EXPECT_EQ(inv->artifact_dir(), t.path / "inv" / (inv->id() + ".a"));
  EXPECT_EQ(inv->tmp_dir(), t.path / "inv" / (inv->id() + ".t"));
  for (const auto& d : {inv->state_dir(), inv->artifact_dir(), inv->tmp_dir()}) {
    struct stat st{};
    ASSERT_EQ(::stat(d.c_str(), &st), 0) << d;
    EXPECT_EQ(st.st_mode & 0777, 0700u);
  }
  auto pairs = inv->env();
  std::map<std::string, std::string> env(pairs.begin(), pairs.end());
  EXPECT_EQ(env["HOMEBOY_INVOCATION_ID"], inv->id());
  EXPECT_EQ(env["TMPDIR"], inv->tmp_dir().string());
  EXPECT_EQ(env["HOMEBOY_INVOCATION_TMP_DIR"], inv->tmp_dir().string());
  std::uint32_t base = std::stoul(env["HOMEBOY_INVOCATION_PORT_BASE"]);
  EXPECT_EQ(std::stoul(env["HOMEBOY_INVOCATION_PORT_MAX"]), base + 2);
  auto context = nlohmann::json::parse(env["HOMEBOY_INVOCATION_CONTEXT_JSON"]);
  EXPECT_EQ(context["state_dir"], inv->state_dir().string());
  EXPECT_EQ(context["port_range"]["base"], base);
  EXPECT_TRUE(stdfs::exists(options.config_root / "invocation-leases" / (inv->id() + ".json")));

  ASSERT_TRUE(hb::fs::create_directories(inv->artifact_dir() / "traces"));
  ASSERT_TRUE(hb::fs::write_file_atomic(inv->artifact_dir() / "traces" / "t.json", "{}"));
  stdfs::create_symlink("/etc/passwd", inv->artifact_dir() / "escape");
  auto kept = inv->preserve(t.path / "run" / "invocations");
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->files, std::vector<std::string>{"traces/t.json"});
  EXPECT_EQ(kept->skipped, std::vector<std::string>{"escape"});
  auto manifest = nlohmann::json::parse(*hb::fs::read_file(kept->dir / "manifest.json"));
  EXPECT_EQ(manifest["files"][0]["path"], "traces/t.json");
  EXPECT_EQ(manifest["files"][0]["size"], 2);
  EXPECT_TRUE(stdfs::exists(kept->dir / "traces" / "t.json"));

  auto state = inv->state_dir();
  inv->release();
  EXPECT_FALSE(stdfs::exists(state));
  EXPECT_FALSE(stdfs::exists(state.string() + ".a"));
  EXPECT_FALSE(stdfs::exists(options.config_root / "invocation-leases" / (state.filename().string() + ".json")));
}

TEST(Invocation, NothingIsCreatedWhenTheRootIsTooLong)
{
  TempRoot t;
  Options options;
  options.config_root = t.path / "config";
  options.root_inputs = RootInputs{};
  options.root_inputs.override_dir = (t.path / std::string(90, 'r')).string();
  IndexNotes notes;
  auto inv = Invocation::acquire(options, notes);
  ASSERT_FALSE(inv);
  EXPECT_EQ(inv.error().code, "invocation.path_budget");
  EXPECT_FALSE(stdfs::exists(t.path / std::string(90, 'r')));
  EXPECT_FALSE(stdfs::exists(options.config_root));
}

TEST(LeaseHolder, AKilledHolderNotYetReapedIsGone)
{
  // A bench SIGKILLed a moment ago is a zombie until its parent reaps it;
  // its lease must not count as a bench running now.
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  hb::invocation::Lease lease;
  lease.pid = child;
  for (int i = 0; i < 200; ++i) {
    lease.start_ticks = hb::invocation::process_start_ticks(child);
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    if (text.find(") Z ") != std::string::npos) break;
    ::usleep(5000);
  }
  ASSERT_TRUE(lease.start_ticks.has_value()) << "the zombie's start time is still readable";
  EXPECT_FALSE(hb::invocation::holder_alive(lease));
  int status = 0;
  ::waitpid(child, &status, 0);
  lease.pid = ::getpid();
  lease.start_ticks = hb::invocation::process_start_ticks(::getpid());
  EXPECT_TRUE(hb::invocation::holder_alive(lease));
}

// The fleet (docs/fleet.md) as its users drive it: several hosts, each with
// its own data root and host id, sharing one PostgreSQL store (a fresh schema
// of the throw-away test server per test) and one artifact root. Runs only
// under ctest (`pg.` tests), which starts the server.

#include "integration/harness.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <cstring>
#include <functional>
#include <map>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace hbit {
namespace {

using namespace std::chrono_literals;

std::string
trimmed(std::string s)
{
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class Fleet : public HomeboyTest
{
protected:
  void SetUp() override
  {
    HomeboyTest::SetUp();
    const char* file = std::getenv("HOMEBOY_TEST_PG_URL_FILE");
    ASSERT_TRUE(file && *file) << "run through ctest (pg.*): it starts the test server";
    std::ifstream in(file);
    std::getline(in, base_);
    ASSERT_FALSE(base_.empty()) << "the PostgreSQL test server did not start";
    static int counter = 0;
    schema_ = "fleet_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    psql("CREATE SCHEMA " + schema_);
    url_ = base_ + "&options=-csearch_path%3D" + schema_;
    shared_ = root_ / "shared-artifacts";
  }

  void TearDown() override
  {
    // Supervisors and their commands detach: none may outlive the test.
    std::istringstream rows(psql("SELECT coalesce(owner_pid, 0) || ' ' || "
                                 "coalesce((metadata::jsonb #>> '{runtime,pgid}')::int, 0) FROM "
                                 "runs WHERE status IN ('booting', 'running', "
                                 "'collecting_artifacts')",
                                 false));
    int owner = 0, pgid = 0;
    while (rows >> owner >> pgid) {
      if (pgid > 1) ::kill(-pgid, SIGKILL);
      if (owner > 1) ::kill(owner, SIGKILL);
    }
    HomeboyTest::TearDown();
  }

  /// One statement through psql on this test's schema; its unaligned output.
  std::string psql(const std::string& sql, bool expect_ok = true)
  {
    std::string url = url_.empty() ? base_ : url_;
    auto r = exec({"psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql});
    if (expect_ok) {
      EXPECT_EQ(r.exit_code, 0) << r.describe();
    }
    return trimmed(r.out);
  }

  /// The environment of host `name`: the shared store and artifact root, a
  /// data root of its own.
  EnvOverrides host(const std::string& name, const std::string& store = {})
  {
    return {{"HOMEBOY_STORE", store.empty() ? url_ : store},
            {"HOMEBOY_HOST_ID", name},
            {"HOMEBOY_DATA_DIR", (root_ / ("host-" + name)).string()},
            {"HOMEBOY_ARTIFACT_ROOT", shared_.string()}};
  }

  RunResult on(const std::string& name, const std::vector<std::string>& args)
  {
    return run(args, host(name));
  }

  Json status_on(const std::string& name, const std::string& id)
  {
    auto r = on(name, {"runs", "status", id, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.payload();
  }

  static bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout)
  {
    auto start = std::chrono::steady_clock::now();
    while (!pred()) {
      if (std::chrono::steady_clock::now() - start > timeout) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }

  std::string base_, schema_, url_;
  fs::path shared_;
};

TEST_F(Fleet, StoreStatusAndMigrateNameTheServer)
{
  auto status = on("a", {"store", "status"});
  ASSERT_EQ(status.exit_code, 0) << status.describe();
  EXPECT_NE(status.out.find("PostgreSQL postgres://homeboy@"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("none yet"), std::string::npos) << status.out;
  auto migrate = on("a", {"store", "migrate", "--json"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.describe();
  EXPECT_EQ(migrate.payload()["from_schema_version"], 0);
  EXPECT_GT(migrate.payload()["schema_version"].get<int>(), 0);
  EXPECT_EQ(migrate.payload()["schema_version"], migrate.payload()["build_schema_version"]);
  auto again = on("b", {"store", "migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_NE(again.out.find("nothing to do"), std::string::npos) << again.out;

  auto unreachable = run({"store", "status"}, {{"HOMEBOY_STORE", "postgres://homeboy@127.0.0.1:1/x"}});
  EXPECT_EQ(unreachable.exit_code, 1) << unreachable.describe();
  EXPECT_NE(unreachable.err.find("postgres://homeboy@127.0.0.1:1/x"), std::string::npos)
    << unreachable.err;
  auto bad = run({"runs", "list"}, {{"HOMEBOY_STORE", "mysql://db/x"}});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("neither postgres://"), std::string::npos) << bad.err;
}

TEST_F(Fleet, ThreeWorkersRacingOver500RunsRunEachExactlyOnceAcrossHosts)
{
  std::string batch;
  for (int i = 0; i < 500; ++i) {
    batch += R"({"argv": ["sh", "-c", "echo $HOMEBOY_RUN_ID >> )" + (work_ / "ran.txt").string() +
             R"("]})" "\n";
  }
  write_file(work_ / "batch.jsonl", batch);
  auto submitted = on("a", {"runs", "submit", "--batch", "batch.jsonl", "--json"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.describe();
  EXPECT_EQ(submitted.payload()["count"], 500);

  std::vector<std::unique_ptr<Process>> workers;
  for (const char* name : {"a", "b", "c"}) {
    workers.push_back(start({"worker", "--once", "--concurrency", "3"},
                            {.env = host(name), .timeout = 280s}));
  }
  for (auto& w : workers) {
    auto r = w->wait();
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  // Every run succeeded once, on one of the three hosts, and each host ran some.
  ASSERT_TRUE(eventually([&] {
    auto r = on("b", {"runs", "list", "--kind", "task", "--status", "succeeded", "--limit", "1000", "--json"});
    return r.exit_code == 0 && r.payload()["runs"].size() == 500;
  }, 60s)) << on("b", {"runs", "list", "--kind", "task", "--limit", "5"}).out;
  std::istringstream lines(read_file(work_ / "ran.txt"));
  std::vector<std::string> ran;
  for (std::string line; std::getline(lines, line);) ran.push_back(line);
  EXPECT_EQ(ran.size(), 500u);
  EXPECT_EQ(std::set<std::string>(ran.begin(), ran.end()).size(), 500u);
  auto listed = on("c", {"runs", "list", "--kind", "task", "--limit", "1000", "--json"});
  const Json rows = listed.payload()["runs"];
  std::map<std::string, int> per_host;
  for (const auto& row : rows) per_host[row["host"].get<std::string>()]++;
  EXPECT_EQ(per_host.size(), 3u) << listed.out.substr(0, 2000);
  for (const auto& [name, count] : per_host) {
    EXPECT_TRUE(name == "a" || name == "b" || name == "c") << name;
  }
  // The human list shows the host column once runs come from several hosts.
  auto table = on("a", {"runs", "list", "--kind", "task", "--limit", "30"});
  EXPECT_NE(table.out.find("host"), std::string::npos) << table.out;
  // Logs are readable from any host (the shared artifact root).
  std::string some = rows[0]["id"];
  auto logs = on("b", {"runs", "logs", some});
  EXPECT_EQ(logs.exit_code, 0) << logs.describe();
}

TEST_F(Fleet, AHostThatDiedMidRunIsSettledByAnotherHostsReaperWhichKillsNothingThere)
{
  auto submitted = on("a", {"runs", "submit", "--heartbeat-timeout", "2s", "--", "sleep", "60"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.describe();
  std::string id = trimmed(submitted.out);
  auto worker_a = start({"worker"}, {.env = host("a"), .timeout = 60s});
  Json running;
  ASSERT_TRUE(eventually([&] { return (running = status_on("b", id))["status"] == "running"; }, 20s))
    << running.dump();
  // Host b's reaper sees a live, beating run of host a and leaves it alone.
  auto worker_b = start({"worker"}, {.env = host("b"), .timeout = 60s});
  std::this_thread::sleep_for(3s);
  EXPECT_EQ(status_on("c", id)["status"], "running");
  // Host a dies: its worker, supervisor and command, all at once.
  const int supervisor = running["owner_pid"];
  ::kill(worker_a->pid(), SIGKILL);
  ::kill(-supervisor, SIGKILL);
  ::kill(supervisor, SIGKILL);
  worker_a->wait();
  Json settled;
  ASSERT_TRUE(eventually([&] {
    settled = status_on("c", id);
    return settled["status"] != "running";
  }, 20s)) << settled.dump();
  EXPECT_EQ(settled["status"], "failed");
  EXPECT_EQ(settled["terminal_reason"], "heartbeat_lost");
  ::kill(worker_b->pid(), SIGTERM);
  worker_b->wait();
}

TEST_F(Fleet, AHostCutOffFromTheStoreLosesItsLeaseAndItsSupervisorWritesNothingAfter)
{
  // Host a connects as a role of its own, so the server can shut it out.
  psql("CREATE ROLE host_a_" + schema_ + " SUPERUSER LOGIN");
  std::string url_a = url_;
  url_a.replace(url_a.find("homeboy@"), 8, "host_a_" + schema_ + "@");
  auto env_a = host("a", url_a);
  env_a["HOMEBOY_STORE_BUSY_TIMEOUT_MS"] = "1000";
  auto submitted = run({"runs", "submit", "--heartbeat-timeout", "2s", "--", "sh", "-c",
                        "while true; do date +%s%N >> " + (work_ / "ticks").string() +
                          "; sleep 0.1; done"},
                       env_a);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.describe();
  std::string id = trimmed(submitted.out);
  auto worker_a = start({"worker"}, {.env = env_a, .timeout = 60s});
  Json running;
  ASSERT_TRUE(eventually([&] { return (running = status_on("b", id))["status"] == "running"; }, 20s))
    << running.dump();
  // Cut host a off: no new sessions, and the ones it has are ended.
  psql("ALTER ROLE host_a_" + schema_ + " NOLOGIN");
  psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'host_a_" + schema_ + "'");
  auto worker_b = start({"worker"}, {.env = host("b"), .timeout = 60s});
  Json settled;
  ASSERT_TRUE(eventually([&] { return (settled = status_on("b", id))["status"] != "running"; }, 20s))
    << settled.dump();
  EXPECT_EQ(settled["terminal_reason"], "heartbeat_lost");
  const std::string events_after_settle = psql("SELECT count(*) FROM events WHERE run_id = '" + id + "'");
  // Host a's supervisor notices the lost lease and stops its command.
  ASSERT_TRUE(eventually([&] {
    auto before = read_file(work_ / "ticks").size();
    std::this_thread::sleep_for(500ms);
    return read_file(work_ / "ticks").size() == before;
  }, 30s)) << "the command still runs on the host that lost its lease";
  // Back on the network, it writes nothing more about the run.
  psql("ALTER ROLE host_a_" + schema_ + " LOGIN");
  std::this_thread::sleep_for(3s);
  auto after = status_on("b", id);
  EXPECT_EQ(after["status"], "failed");
  EXPECT_EQ(after["terminal_reason"], "heartbeat_lost");
  EXPECT_EQ(psql("SELECT count(*) FROM events WHERE run_id = '" + id + "'"), events_after_settle);
  ::kill(worker_a->pid(), SIGTERM);
  ::kill(worker_b->pid(), SIGTERM);
  worker_a->wait();
  worker_b->wait();
}

TEST_F(Fleet, StoreCopyOf10000RunsTwiceAddsNothingTheSecondTimeAndSurvivesAnInterruption)
{
  // A local store: two real runs with log files, and 10,000 seeded ones
  // with a metric each and an event.
  for (int i = 0; i < 2; ++i) {
    auto r = run({"runs", "start", "--", "sh", "-c", "echo copied-log-line"});
    ASSERT_EQ(r.exit_code, 0) << r.describe();
    // `runs start` returns at once; its detached supervisor records the log
    // when the command ends, and the copy must find it recorded.
    auto done = run({"runs", "status", trimmed(r.out), "--wait", "--timeout", "60s"});
    ASSERT_EQ(done.exit_code, 0) << done.describe();
  }
  sqlite("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
         "INSERT INTO runs (id, kind, status, component_id, created_at, metadata) "
         "SELECT printf('seed-%05d', i), 'bench', 'succeeded', 'copied', 1700000000000 + i, "
         "'{\"n\":' || i || '}' FROM n");
  sqlite("INSERT INTO metrics (run_id, scenario_id, name, value) "
         "SELECT id, 's', 'p95_ms', 1.5 FROM runs WHERE id LIKE 'seed-%'");
  sqlite("INSERT INTO events (run_id, seq, at, type, data) "
         "SELECT id, 1, created_at, 'submitted', '{}' FROM runs WHERE id LIKE 'seed-%'");
  const std::string from = "sqlite:" + (data_ / "homeboy.sqlite").string();

  // Interrupted after its first batches, then run again.
  auto interrupted = start({"store", "copy", "--from", from, "--to", url_, "--batch", "500"},
                           {.env = host("a"), .timeout = 120s});
  ASSERT_TRUE(eventually([&] {
    return psql("SELECT to_regclass('runs') IS NOT NULL", false) == "t" &&
           std::stoi("0" + psql("SELECT count(*) FROM runs", false)) >= 1000;
  }, 60s));
  ::kill(interrupted->pid(), SIGKILL);
  interrupted->wait();
  auto first = run({"store", "copy", "--from", from, "--to", url_, "--json"}, host("a"));
  ASSERT_EQ(first.exit_code, 0) << first.describe();
  EXPECT_EQ(first.payload()["runs_total"], 10002);
  EXPECT_EQ(first.payload()["runs_copied"].get<int>() + first.payload()["runs_present"].get<int>(), 10002);
  EXPECT_GT(first.payload()["runs_present"].get<int>(), 0) << "the interrupted copy's batches stay";
  EXPECT_NE(first.err.find("copied 10002 of 10002 runs"), std::string::npos) << first.err;
  auto second = run({"store", "copy", "--from", from, "--to", url_, "--json"}, host("a"));
  ASSERT_EQ(second.exit_code, 0) << second.describe();
  EXPECT_EQ(second.payload()["runs_copied"], 0);
  EXPECT_EQ(second.payload()["runs_present"], 10002);
  EXPECT_EQ(psql("SELECT count(*) FROM runs"), "10002");
  EXPECT_EQ(psql("SELECT count(*) FROM metrics"), "10000");

  // Runs still queued or running in the source are left for a later copy
  // (their record is still changing; a queued one could run twice), and
  // the copy says so and fails until they have settled.
  sqlite("INSERT INTO runs (id, kind, status, created_at, metadata) VALUES "
         "('active-queued', 'bench', 'queued', 1800000000000, '{}'), "
         "('active-running', 'bench', 'running', 1800000000001, '{}')");
  auto partial = run({"store", "copy", "--from", from, "--to", url_}, host("a"));
  EXPECT_EQ(partial.exit_code, 1) << partial.describe();
  EXPECT_NE(partial.out.find("2 runs still queued or running in the source were left out"),
            std::string::npos) << partial.describe();
  EXPECT_EQ(psql("SELECT count(*) FROM runs WHERE id LIKE 'active-%'"), "0");
  sqlite("UPDATE runs SET status = 'succeeded', finished_at = 1800000000100 WHERE id LIKE 'active-%'");
  auto settled = run({"store", "copy", "--from", from, "--to", url_, "--json"}, host("a"));
  ASSERT_EQ(settled.exit_code, 0) << settled.describe();
  EXPECT_EQ(settled.payload()["runs_copied"], 2);
  EXPECT_EQ(settled.payload()["runs_active"], 0);
  EXPECT_EQ(psql("SELECT count(*) FROM events WHERE run_id LIKE 'seed-%'"), "10000");

  // The readers on the shared store, from another host.
  auto status = on("b", {"store", "status", "--json"});
  EXPECT_EQ(status.payload()["runs"], 10004);
  auto shown = on("b", {"runs", "show", "seed-00042", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.describe();
  EXPECT_EQ(shown.payload()["run"]["metadata"]["n"], 42);
  auto listed = on("b", {"runs", "list", "--component", "copied", "--limit", "3", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  EXPECT_EQ(listed.payload()["runs"][0]["id"], "seed-10000");
  // A real run's log, copied with its bytes into the shared artifact root.
  auto real = on("b", {"runs", "list", "--kind", "task", "--json"});
  ASSERT_EQ(real.payload()["runs"].size(), 2u) << real.out;
  std::string task = real.payload()["runs"][0]["id"];
  auto logs = on("c", {"runs", "logs", task});
  EXPECT_EQ(logs.exit_code, 0) << logs.describe();
  EXPECT_NE(logs.out.find("copied-log-line"), std::string::npos) << logs.out;
  EXPECT_NE(psql("SELECT path FROM artifacts WHERE run_id = '" + task + "' LIMIT 1")
              .find(shared_.string()),
            std::string::npos);
}

TEST_F(Fleet, EveryReaderWorksOnTheSharedStoreFromAnyHost)
{
  // Benches on two hosts (a baseline, then a comparison), a task with a file
  // artifact on a third; then every reader, from a fourth.
  make_component("demo", "sampled.sh");
  auto baseline = run({"bench", "demo", "--iterations", "5", "--baseline", "--json"}, host("a"));
  ASSERT_EQ(baseline.exit_code, 0) << baseline.describe();
  auto compared = run({"bench", "demo", "--iterations", "5", "--json"}, host("b"));
  ASSERT_EQ(compared.exit_code, 0) << compared.describe();
  auto task = run({"runs", "start", "--artifact", "out.json", "--", "sh", "-c",
                   "echo '{\"ok\": true}' > out.json; echo task-output"},
                  host("c"));
  ASSERT_EQ(task.exit_code, 0) << task.describe();
  const std::string task_id = trimmed(task.out);
  ASSERT_EQ(on("d", {"runs", "status", task_id, "--wait", "--timeout", "30s"}).exit_code, 0);

  auto benches = on("d", {"runs", "list", "--kind", "bench", "--json"});
  ASSERT_EQ(benches.exit_code, 0) << benches.describe();
  const Json rows = benches.payload()["runs"];
  ASSERT_EQ(rows.size(), 2u) << benches.out;
  const std::string after = rows[0]["id"].get<std::string>();
  const std::string before = rows[1]["id"].get<std::string>();
  EXPECT_EQ(rows[0]["host"], "b");
  EXPECT_EQ(rows[1]["host"], "a");

  auto artifacts = on("d", {"runs", "artifacts", task_id, "--json"});
  ASSERT_EQ(artifacts.exit_code, 0) << artifacts.describe();
  std::string artifact;
  const Json listed_artifacts = artifacts.payload()["artifacts"];
  for (const auto& a : listed_artifacts) {
    if (a["kind"] == "file") artifact = a["id"].get<std::string>();
  }
  ASSERT_FALSE(artifact.empty()) << artifacts.out;

  const std::vector<std::vector<std::string>> readers = {
    {"runs", "show", after},
    {"runs", "show", after.substr(0, 8)},
    {"runs", "status", task_id},
    {"runs", "events", task_id},
    {"runs", "logs", task_id},
    {"runs", "artifact", "get", task_id, artifact},
    {"runs", "findings", after},
    {"runs", "evidence", after},
    {"runs", "latest-run", "--component", "demo"},
    {"runs", "bench-compare", "--from-run", before, "--to-run", after},
    {"runs", "compare", "--kind", "bench", "--component", "demo"},
    {"runs", "query", "--kind", "bench", "--select", "$.iterations"},
    {"runs", "distribution", "--kind", "bench", "--field", "iterations"},
    {"runs", "refs", "--component", "demo"},
    {"bench", "history", "demo", "--metric", "t", "--scenario", "steady"},
    {"runs", "export", "--since", "1h", "--output", (root_ / "bundle").string()},
    {"runs", "cleanup"},
    {"store", "status"},
  };
  for (const auto& args : readers) {
    auto r = on("d", args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
  }
  auto logs = on("d", {"runs", "logs", task_id});
  EXPECT_NE(logs.out.find("task-output"), std::string::npos) << logs.out;
  auto got = on("a", {"runs", "artifact", "get", task_id, artifact});
  EXPECT_NE(got.out.find("\"ok\""), std::string::npos) << got.describe();
  auto history = on("c", {"bench", "history", "demo", "--metric", "t", "--scenario", "steady", "--json"});
  EXPECT_NE(history.out.find(before), std::string::npos) << history.out.substr(0, 2000);
  // A bundle exported from the shared store imports into a local one.
  auto imported = run({"runs", "import", (root_ / "bundle").string(), "--json"});
  ASSERT_EQ(imported.exit_code, 0) << imported.describe();
  EXPECT_EQ(imported.payload()["runs"]["imported"], 3);

  // Retention from any host deletes a run's bytes in the shared root.
  ASSERT_TRUE(fs::exists(shared_ / task_id)) << "the task's files are in the shared root";
  auto cleaned = on("a", {"runs", "cleanup", "--kind", "task", "--older-than", "0s", "--apply", "--json"});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.describe();
  EXPECT_FALSE(fs::exists(shared_ / task_id)) << cleaned.out;
  EXPECT_EQ(on("d", {"runs", "show", task_id}).exit_code, 1);
}

/// A TCP relay from `listen_ip` (a port of its own) to 127.0.0.1:`target`,
/// one thread a connection: how a worker inside a network namespace
/// reaches the test server, which listens on loopback only.
class Relay
{
public:
  Relay(const std::string& listen_ip, int target) : m_target(target)
  {
    m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    ::inet_pton(AF_INET, listen_ip.c_str(), &address.sin_addr);
    if (::bind(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(m_fd, 16) != 0) {
      ADD_FAILURE() << "relay cannot listen on " << listen_ip << ": " << std::strerror(errno);
      return;
    }
    socklen_t size = sizeof address;
    ::getsockname(m_fd, reinterpret_cast<sockaddr*>(&address), &size);
    m_port = ntohs(address.sin_port);
    m_accepter = std::thread([this] { accept_loop(); });
  }
  ~Relay()
  {
    m_stop = true;
    if (m_accepter.joinable()) m_accepter.join();
    for (auto& t : m_pipes) t.join();
    ::close(m_fd);
  }
  int port() const { return m_port; }
  int connections() const { return m_connections; }

private:
  void accept_loop()
  {
    while (!m_stop) {
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, 100) != 1) continue;
      const int client = ::accept4(m_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(static_cast<std::uint16_t>(m_target));
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(server, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      ++m_connections;
      m_pipes.emplace_back([this, client, server] { pipe(client, server); });
    }
  }
  void pipe(int a, int b)
  {
    char buffer[65536];
    while (!m_stop) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, 100) <= 0) continue;
      bool closed = false;
      for (int i = 0; i < 2 && !closed; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = ::recv(p[i].fd, buffer, sizeof buffer, 0);
        closed = n <= 0 || ::send(p[1 - i].fd, buffer, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n;
      }
      if (closed) break;
    }
    ::close(a);
    ::close(b);
  }

  int m_target;
  int m_fd = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_connections{0};
  std::thread m_accepter;
  std::vector<std::thread> m_pipes; // the accepter's only
};

TEST_F(Fleet, WorkersInSeparateNetworkNamespacesShareTheStoreOverVethPairs)
{
  // Two hosts, each a network namespace joined to this one by a veth pair:
  // their workers reach the server only over TCP to the pair's far end,
  // through the built-in client with SCRAM authentication.
  auto ip = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "ip");
    auto r = exec(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r.exit_code == 0;
  };
  const std::string tag = std::to_string(::getpid() % 100000);
  struct Host
  {
    std::string name, ns, outer, inner, address, peer;
  };
  std::vector<Host> hosts;
  for (int i = 0; i < 2; ++i) {
    const std::string name = i == 0 ? "ns-a" : "ns-b";
    const std::string subnet = "10.213." + std::to_string((::getpid() % 100) * 2 + i) + ".";
    hosts.push_back({name, "hb" + tag + name, "hb" + tag + "o" + std::to_string(i),
                     "hb" + tag + "i" + std::to_string(i), subnet + "1", subnet + "2"});
  }
  struct Cleanup
  {
    std::vector<Host>* hosts;
    ~Cleanup()
    {
      for (const auto& h : *hosts) {
        std::system(("ip netns del " + h.ns + " 2>/dev/null; ip link del " + h.outer + " 2>/dev/null").c_str());
      }
    }
  } cleanup{&hosts};
  for (const auto& h : hosts) {
    ASSERT_TRUE(ip({"netns", "add", h.ns})) << "network namespaces need root (CAP_SYS_ADMIN) and iproute2";
    ASSERT_TRUE(ip({"link", "add", h.outer, "type", "veth", "peer", "name", h.inner}));
    ASSERT_TRUE(ip({"link", "set", h.inner, "netns", h.ns}));
    ASSERT_TRUE(ip({"addr", "add", h.address + "/24", "dev", h.outer}));
    ASSERT_TRUE(ip({"link", "set", h.outer, "up"}));
    ASSERT_TRUE(ip({"netns", "exec", h.ns, "ip", "addr", "add", h.peer + "/24", "dev", h.inner}));
    ASSERT_TRUE(ip({"netns", "exec", h.ns, "ip", "link", "set", h.inner, "up"}));
    ASSERT_TRUE(ip({"netns", "exec", h.ns, "ip", "link", "set", "lo", "up"}));
  }
  // The server's loopback port (scripts/pg-test-server's tcp_url), a role
  // with a password, and the password file the namespaced hosts read.
  std::ifstream tcp_file(fs::path(std::getenv("HOMEBOY_TEST_PG_URL_FILE")).parent_path() / "tcp_url");
  std::string tcp_url;
  std::getline(tcp_file, tcp_url);
  ASSERT_FALSE(tcp_url.empty()) << "no tcp_url beside the test server's url file";
  const int pg_port = std::stoi(tcp_url.substr(tcp_url.rfind(':') + 1));
  psql("DO $$BEGIN CREATE ROLE hb_fleet_ns LOGIN SUPERUSER; EXCEPTION WHEN duplicate_object OR "
       "unique_violation THEN NULL; END$$");
  psql("SET password_encryption = 'scram-sha-256'; ALTER ROLE hb_fleet_ns PASSWORD 'over the veth'");
  write_file(work_ / "pgpass", "*:*:*:hb_fleet_ns:over the veth\n");
  fs::permissions(work_ / "pgpass", fs::perms::owner_read | fs::perms::owner_write);

  std::string batch;
  for (int i = 0; i < 40; ++i) {
    batch += R"({"argv": ["sh", "-c", "sleep 0.2; echo $HOMEBOY_RUN_ID >> )" + (work_ / "ran.txt").string() +
             R"("]})" "\n";
  }
  write_file(work_ / "batch.jsonl", batch);
  auto submitted = on("a", {"runs", "submit", "--batch", "batch.jsonl", "--json"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.describe();

  std::vector<std::unique_ptr<Relay>> relays;
  std::vector<std::thread> workers;
  std::vector<RunResult> results(hosts.size());
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    relays.push_back(std::make_unique<Relay>(hosts[i].address, pg_port));
    const std::string store = "postgres://hb_fleet_ns@" + hosts[i].address + ":" +
                              std::to_string(relays[i]->port()) + "/homeboy?options=-csearch_path%3D" + schema_;
    EnvOverrides env = host(hosts[i].name, store);
    env["PGPASSFILE"] = (work_ / "pgpass").string();
    workers.emplace_back([&, i, env] {
      results[i] = exec({"ip", "netns", "exec", hosts[i].ns, HB_BINARY, "worker", "--once", "--concurrency", "2"},
                        {.env = env, .timeout = 120s});
    });
  }
  for (auto& w : workers) w.join();
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    EXPECT_EQ(results[i].exit_code, 0) << hosts[i].name << ": " << results[i].describe();
    EXPECT_GT(relays[i]->connections(), 0) << hosts[i].name << " never used its veth";
  }
  // Every run ran once, and both namespaces took some.
  std::istringstream lines(read_file(work_ / "ran.txt"));
  std::vector<std::string> ran;
  for (std::string line; std::getline(lines, line);) ran.push_back(line);
  EXPECT_EQ(ran.size(), 40u);
  EXPECT_EQ(std::set<std::string>(ran.begin(), ran.end()).size(), 40u);
  auto listed = on("a", {"runs", "list", "--kind", "task", "--status", "succeeded", "--limit", "100", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.describe();
  const Json rows = listed.payload()["runs"];
  std::map<std::string, int> per_host;
  for (const auto& row : rows) per_host[row["host"].get<std::string>()]++;
  EXPECT_EQ(per_host["ns-a"] + per_host["ns-b"], 40) << listed.out.substr(0, 2000);
  EXPECT_GT(per_host["ns-a"], 0);
  EXPECT_GT(per_host["ns-b"], 0);
}

} // namespace
} // namespace hbit

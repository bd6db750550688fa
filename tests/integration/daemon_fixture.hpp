#pragma once
// The Daemon fixture the daemon's integration tests share (daemon_test.cpp,
// schedule_test.cpp): `homeboy daemon start` on an ephemeral port in the
// test's temporary HOME, HTTP through curl, and a TearDown that stops it.

#include "integration/harness.hpp"

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hbit {

using namespace std::chrono_literals;

struct Http
{
  int status = 0;
  std::string body;
  std::string headers;
  Json json() const { return Json::parse(body, nullptr, false); }
  std::string describe() const { return "HTTP " + std::to_string(status) + "\n" + headers + body; }
};

class Daemon : public HomeboyTest
{
protected:
  void TearDown() override
  {
    run({"daemon", "stop"});
    HomeboyTest::TearDown();
  }

  /// `homeboy daemon start` on an ephemeral port; returns the address.
  std::string start_daemon(const std::vector<std::string>& extra = {})
  {
    std::vector<std::string> args = {"daemon", "start", "--listen", "127.0.0.1:0", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    if (r.exit_code != 0) return "";
    address_ = r.payload()["listen"].get<std::string>();
    return address_;
  }

  Http http(const std::string& method, const std::string& path, const std::string& body = "",
            const std::vector<std::string>& headers = {})
  {
    fs::path out = root_ / "http-body";
    fs::path head = root_ / "http-headers";
    std::vector<std::string> argv = {"curl", "-sS", "-X", method, "-o", out.string(), "-D",
                                     head.string(), "-w", "%{http_code}", "--max-time", "20"};
    for (const auto& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    // Changes need the daemon's token (made on its first start); a test that
    // sends its own Authorization header checks that.
    bool own_auth = false;
    for (const auto& h : headers) own_auth = own_auth || h.rfind("Authorization:", 0) == 0;
    if (method != "GET" && !own_auth && fs::exists(config_ / "daemon.token")) {
      std::string token = read_file(config_ / "daemon.token");
      while (!token.empty() && token.back() == '\n') token.pop_back();
      argv.push_back("-H");
      argv.push_back("Authorization: Bearer " + token);
    }
    if (!body.empty()) {
      // Through a file: a large body would not fit on a command line.
      fs::path request = root_ / "http-request";
      write_file(request, body);
      argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary",
                               "@" + request.string()});
    }
    argv.push_back("http://" + address_ + path);
    auto r = exec(argv);
    Http h;
    h.status = std::atoi(r.out.c_str());
    h.body = fs::exists(out) ? read_file(out) : "";
    h.headers = fs::exists(head) ? read_file(head) : "";
    fs::remove(out);
    fs::remove(head);
    return h;
  }

  /// Submits `argv` through the API; returns the run id.
  std::string submit(const std::vector<std::string>& argv)
  {
    Json body = {{"argv", argv}, {"cwd", work_.string()}, {"name", "api-run"}};
    auto h = http("POST", "/api/v1/runs", body.dump());
    EXPECT_EQ(h.status, 201) << h.describe();
    return h.json().value("run_id", "");
  }

  /// Polls the run until its status is one of `statuses` (the test's own
  /// timeout bounds it).
  Json wait_status(const std::string& id, const std::set<std::string>& statuses)
  {
    for (int i = 0; i < 600; ++i) {
      auto h = http("GET", "/api/v1/runs/" + id);
      Json run = h.json()["run"];
      if (run.is_object() && statuses.count(run.value("status", ""))) return run;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "run " << id << " never reached the status";
    return Json();
  }

  std::string address_;
};

} // namespace hbit

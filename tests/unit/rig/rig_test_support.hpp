#pragma once
// Shared by the rig unit tests: a temporary config root with rig files, and
// a one-shot local HTTP server.

#include "model/paths.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace rigtest {

namespace fs = std::filesystem;

struct TempRoot
{
  fs::path dir;
  TempRoot()
  {
    std::string templ = (fs::temp_directory_path() / "hb-rig-XXXXXX").string();
    dir = ::mkdtemp(templ.data());
  }
  ~TempRoot()
  {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  hb::Paths paths() const
  {
    hb::Paths p;
    p.config_root = dir / "config";
    p.data_root = dir / "data";
    p.store_path = p.data_root / "homeboy.sqlite";
    p.artifact_root = p.data_root / "artifacts";
    return p;
  }
  fs::path write(const fs::path& relative, const std::string& text) const
  {
    fs::path file = dir / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
  }
  fs::path rig(const std::string& id, const std::string& text) const
  {
    return write(fs::path("config/rigs") / (id + ".json"), text);
  }
};

/// Listens on 127.0.0.1 and answers one request with `status_line`.
struct OneShotServer
{
  int fd = -1;
  int port = 0;
  std::thread thread;
  explicit OneShotServer(std::string status_line)
  {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    ::listen(fd, 4);
    thread = std::thread([this, status_line] {
      int client = ::accept(fd, nullptr, nullptr);
      if (client < 0) return;
      char buf[2048];
      (void)::recv(client, buf, sizeof buf, 0);
      std::string response = status_line + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::send(client, response.data(), response.size(), 0);
      ::close(client);
    });
  }
  ~OneShotServer()
  {
    ::shutdown(fd, SHUT_RDWR);
    if (thread.joinable()) thread.join();
    ::close(fd);
  }
  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

/// A local port nothing listens on (bound, then released).
inline int
closed_port()
{
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace rigtest

// The built-in PostgreSQL client (store/postgres/wire.cpp) against a hostile
// server: the input is everything a fake server on a Unix socket answers,
// whatever the client says. The client must connect or fail with a
// message, and then run its statements without crashing or hanging (the
// fake server closes its side after the input).

#include "fuzz_check.hpp"
#include "store/postgres/wire.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace hb::postgres;

namespace {

/// A listening socket at DIR/.s.PGSQL.5432 in a fresh directory.
struct FakeServer
{
  FakeServer()
  {
    char pattern[] = "/tmp/hb-pg-wire-fuzz.XXXXXX";
    dir = ::mkdtemp(pattern);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = dir + "/.s.PGSQL.5432";
    path.copy(address.sun_path, sizeof address.sun_path - 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    hb::fuzz::require(fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                      ::listen(fd, 4) == 0);
  }
  std::string dir;
  int fd = -1;
};

/// Accepts one connection, sends `reply`, closes its sending side, and
/// reads what the client sends until it hangs up.
void
serve(int listener, std::string reply)
{
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) return;
  std::size_t sent = 0;
  while (sent < reply.size()) {
    const ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char sink[4096];
  while (::recv(fd, sink, sizeof sink, 0) > 0) {
  }
  ::close(fd);
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  static FakeServer server;
  std::thread peer(serve, server.fd, std::string(reinterpret_cast<const char*>(data), size));
  ConnOptions options = {{"host", server.dir},      {"port", "5432"},       {"user", "fuzz"},
                         {"dbname", "fuzz"},        {"password", "pencil"}, {"sslmode", "disable"},
                         {"gssencmode", "disable"}, {"connect_timeout", "2"}};
  WireAttempt attempt = open_wire(options);
  if (!attempt.session) {
    hb::fuzz::require(!attempt.error.empty() || !attempt.unsupported.empty());
  } else {
    Session& s = *attempt.session;
    Params params;
    params.values = {std::string("x"), std::nullopt};
    params.types = {0, 0};
    params.formats = {0, 1};
    for (const Outcome& o : {s.exec("SELECT 1"), s.prepare("s", "SELECT $1, $2", {0, 0}),
                             s.execute("", "SELECT $1, $2", params), s.execute_after("BEGIN", "s", params).second}) {
      hb::fuzz::require(o.ok || !o.message.empty());
      // Every value the outcome claims is readable.
      std::size_t total = 0;
      for (int row = 0; o.ok && row < o.rows; ++row) {
        for (int column = 0; column < o.columns; ++column) total += o.value(row, column).size();
      }
      hb::fuzz::require(total <= o.data.size());
    }
    (void)s.take_notifications();
  }
  attempt.session.reset(); // hangs up, so the peer's read ends
  peer.join();
  return 0;
}

// The built-in client (wire.hpp): the frontend/backend protocol 3.0 as the
// store uses it. Start-up with the SSL request on TCP (a server that
// offers TLS is left to libpq), authentication, simple queries, and the
// extended protocol (Parse, Bind, Describe, Execute, one Sync per round
// trip). Everything is text format except binary parameters. Errors are
// worded as libpq words them, so messages read the same whichever client
// served the command.

#include "store/postgres/wire.hpp"

#include "store/postgres/auth.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <optional>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace hb::postgres {

namespace {

using Clock = std::chrono::steady_clock;

/// The largest message accepted (the server's own limit is 1 GB a value).
constexpr std::size_t k_max_message = std::size_t(1) << 31;

constexpr const char* k_lost =
  "server closed the connection unexpectedly\n\tThis probably means the server terminated "
  "abnormally\n\tbefore or while processing the request.";

/// A frontend message being written: type byte, length, body. The length
/// is filled in by the destructor, so send only after it ran.
class Message
{
public:
  explicit Message(std::string& out, char type = 0) : m_out(out)
  {
    if (type) m_out += type;
    m_start = m_out.size();
    m_out.append(4, '\0');
  }
  ~Message()
  {
    put32(m_start, static_cast<std::uint32_t>(m_out.size() - m_start));
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  Message& i32(std::int32_t v)
  {
    m_out.append(4, '\0');
    put32(m_out.size() - 4, static_cast<std::uint32_t>(v));
    return *this;
  }
  Message& i16(int v)
  {
    m_out += static_cast<char>((v >> 8) & 0xff);
    m_out += static_cast<char>(v & 0xff);
    return *this;
  }
  Message& str(std::string_view s)
  {
    m_out.append(s);
    m_out += '\0';
    return *this;
  }
  Message& bytes(std::string_view s)
  {
    m_out.append(s);
    return *this;
  }

private:
  void put32(std::size_t at, std::uint32_t v)
  {
    for (int i = 0; i < 4; ++i) m_out[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  }
  std::string& m_out;
  std::size_t m_start;
};

/// Reads a backend message's body.
class Reader
{
public:
  explicit Reader(std::string_view body) : m_body(body) {}
  std::int32_t i32()
  {
    if (m_body.size() < 4) return fail();
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(m_body[static_cast<std::size_t>(i)]);
    m_body.remove_prefix(4);
    return static_cast<std::int32_t>(v);
  }
  int i16()
  {
    if (m_body.size() < 2) return fail();
    const int v = (static_cast<std::uint8_t>(m_body[0]) << 8) | static_cast<std::uint8_t>(m_body[1]);
    m_body.remove_prefix(2);
    return v;
  }
  std::string_view str()
  {
    const auto end = m_body.find('\0');
    if (end == std::string_view::npos) {
      fail();
      return {};
    }
    std::string_view s = m_body.substr(0, end);
    m_body.remove_prefix(end + 1);
    return s;
  }
  std::string_view bytes(std::size_t n)
  {
    if (m_body.size() < n) {
      fail();
      return {};
    }
    std::string_view s = m_body.substr(0, n);
    m_body.remove_prefix(n);
    return s;
  }
  std::string_view rest() const { return m_body; }
  bool bad() const { return m_bad; }

private:
  int fail()
  {
    m_bad = true;
    m_body = {};
    return 0;
  }
  std::string_view m_body;
  bool m_bad = false;
};

/// An ErrorResponse: SQLSTATE, whether it ends the session, and the text
/// libpq would print (severity, message, detail, hint, context).
struct ServerError
{
  std::string sqlstate;
  std::string text;
  bool fatal = false;
};

ServerError
parse_error(std::string_view body)
{
  ServerError e;
  std::string severity, message, detail, hint, context;
  Reader r(body);
  while (!r.bad() && !r.rest().empty() && r.rest().front() != '\0') {
    const char field = r.bytes(1).front();
    const std::string value(r.str());
    switch (field) {
      case 'S': severity = value; break;
      case 'V': e.fatal = value == "FATAL" || value == "PANIC"; break;
      case 'C': e.sqlstate = value; break;
      case 'M': message = value; break;
      case 'D': detail = value; break;
      case 'H': hint = value; break;
      case 'W': context = value; break;
      default: break;
    }
  }
  if (severity == "FATAL" || severity == "PANIC") e.fatal = true;
  e.text = fmt::format("{}:  {}", severity.empty() ? "ERROR" : severity, message);
  if (!detail.empty()) e.text += "\nDETAIL:  " + detail;
  if (!hint.empty()) e.text += "\nHINT:  " + hint;
  if (!context.empty()) e.text += "\nCONTEXT:  " + context;
  while (!e.text.empty() && (e.text.back() == '\n' || e.text.back() == ' ')) e.text.pop_back();
  return e;
}

/// The row count of a completion tag ("INSERT 0 5" is 5); 0 for tags
/// without one.
int
changes_of(std::string_view tag)
{
  const std::string_view verb = tag.substr(0, tag.find(' '));
  for (std::string_view counted : {"INSERT", "UPDATE", "DELETE", "SELECT", "MOVE", "FETCH", "COPY", "MERGE"}) {
    if (verb == counted) {
      const auto space = tag.rfind(' ');
      return space == std::string_view::npos ? 0 : std::atoi(std::string(tag.substr(space + 1)).c_str());
    }
  }
  return 0;
}

/// A parameter-free BEGIN or a prepared statement, written for one
/// round trip.
void
write_bind_execute(std::string& out, const std::string& statement, const Params& params)
{
  {
    Message bind(out, 'B');
    bind.str("").str(statement).i16(static_cast<int>(params.formats.size()));
    for (int f : params.formats) bind.i16(f);
    bind.i16(static_cast<int>(params.values.size()));
    for (const auto& v : params.values) {
      if (!v) {
        bind.i32(-1);
      } else {
        bind.i32(static_cast<std::int32_t>(v->size())).bytes(*v);
      }
    }
    bind.i16(0); // every result column in text
  }
  Message(out, 'D').bytes("P").str("");
  Message(out, 'E').str("").i32(0);
}

void
write_parse(std::string& out, const std::string& name, const std::string& sql, const std::vector<Oid>& types)
{
  Message parse(out, 'P');
  parse.str(name).str(sql).i16(static_cast<int>(types.size()));
  for (Oid t : types) parse.i32(static_cast<std::int32_t>(t));
}

class WireSession final : public Session
{
public:
  explicit WireSession(ConnOptions options) : m_options(std::move(options)) {}
  ~WireSession() override { close_socket(true); }
  WireSession(const WireSession&) = delete;
  WireSession& operator=(const WireSession&) = delete;

  /// Connects; "" on success, else the failure (and `unsupported` set when
  /// libpq should try instead).
  std::string connect(bool& unsupported);

  bool ok() const override { return m_fd >= 0; }
  std::string error_message() const override { return m_error; }
  void reset() override
  {
    close_socket(false);
    bool unsupported = false;
    m_error = connect(unsupported);
  }
  const char* client() const override { return "built-in"; }

  Outcome exec(const std::string& sql) override
  {
    std::string out;
    Message(out, 'Q').str(sql);
    if (!send(out)) return lost();
    std::optional<Outcome> error;
    Outcome last;
    const bool complete = read_simple(last, error);
    return finish(error ? *error : complete ? last : lost());
  }

  Outcome prepare(const std::string& name, const std::string& sql, const std::vector<Oid>& types) override
  {
    std::string out;
    write_parse(out, name, sql, types);
    Message(out, 'S');
    return std::move(round_trip(out, {'1'}).front());
  }

  Outcome execute(const std::string& name, const std::string& sql, const Params& params) override
  {
    std::string out;
    std::vector<char> steps;
    if (name.empty()) {
      write_parse(out, "", sql, params.types);
      steps.push_back('1');
    }
    write_bind_execute(out, name, params);
    Message(out, 'S');
    steps.push_back('E');
    return std::move(round_trip(out, steps).back());
  }

  std::pair<Outcome, Outcome> execute_after(const std::string& before, const std::string& name,
                                            const Params& params) override
  {
    std::string out;
    write_parse(out, "", before, {});
    write_bind_execute(out, "", Params{});
    write_bind_execute(out, name, params);
    Message(out, 'S');
    auto outcomes = round_trip(out, {'1', 'E', 'E'});
    return {std::move(outcomes[1]), std::move(outcomes[2])};
  }

  int socket() const override { return m_fd; }

  bool take_notifications() override
  {
    if (m_fd < 0) return false;
    char chunk[8192];
    for (;;) {
      const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        m_in.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      close_socket(false); // EOF or a socket error
      m_error = k_lost;
      break;
    }
    bool woken = false;
    char type = 0;
    std::string_view body;
    while (buffered(type, body)) {
      woken = woken || type == 'A';
      if (type == 'E') {
        // The server ending the session (FATAL): lost now, not at the EOF.
        ServerError e = parse_error(body);
        if (e.fatal) {
          close_socket(false);
          m_error = std::move(e.text);
          break;
        }
      }
    }
    drop_read(); // a listener only ever reads here
    return woken;
  }

private:
  /// Sends `out` whole; false (and the session lost) on failure.
  bool send(const std::string& out)
  {
    if (m_fd < 0) return false;
    std::size_t sent = 0;
    while (sent < out.size()) {
      const ssize_t n = ::send(m_fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close_socket(false);
        m_error = k_lost;
        return false;
      }
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Forgets the messages already taken, keeping only an unfinished one
  /// (a body taken earlier is no longer valid).
  void drop_read()
  {
    m_in.erase(0, m_pos);
    m_pos = 0;
  }

  /// The next complete message already read, if any.
  bool buffered(char& type, std::string_view& body)
  {
    if (m_in.size() - m_pos < 5) return false;
    Reader header(std::string_view(m_in).substr(m_pos + 1, 4));
    const auto length = static_cast<std::size_t>(static_cast<std::uint32_t>(header.i32()));
    if (length < 4 || length > k_max_message) {
      // Not PostgreSQL speaking: end the session rather than wait for it.
      close_socket(false);
      m_error = fmt::format("invalid message length {} from the server", length);
      return false;
    }
    if (m_in.size() - m_pos < 1 + length) return false;
    type = m_in[m_pos];
    body = std::string_view(m_in).substr(m_pos + 5, length - 4);
    m_pos += 1 + length;
    return true;
  }

  /// The next message, waiting until `deadline` (none: without a limit).
  /// False when the connection was lost or the time ran out (m_error says
  /// which). `body` is valid until the next call.
  bool next(char& type, std::string_view& body, std::optional<Clock::time_point> deadline = std::nullopt)
  {
    while (!buffered(type, body)) {
      if (m_fd < 0) return false;
      if (deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
        pollfd p{m_fd, POLLIN, 0};
        const int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
          m_error = "timeout expired";
          close_socket(false);
          return false;
        }
      }
      drop_read();
      char chunk[65536];
      const ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close_socket(false);
        m_error = k_lost;
        return false;
      }
      m_in.append(chunk, static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Reads a simple query's messages up to ReadyForQuery: `last` gets the
  /// last statement's rows, `error` the first error. False when the
  /// connection was lost first.
  bool read_simple(Outcome& last, std::optional<Outcome>& error)
  {
    char type = 0;
    std::string_view body;
    while (next(type, body)) {
      switch (type) {
        case 'T': last = Outcome{}; last.columns = Reader(body).i16(); break;
        case 'D': add_row(last, body); break;
        case 'C': last.changes = changes_of(Reader(body).str()); break;
        case 'I': last = Outcome{}; break;
        case 'E': if (!error) error = server_error(body); break;
        case 'Z': return true;
        default: break; // notices, parameter status, notifications
      }
    }
    return false;
  }

  /// Sends `out` (ending with one Sync) and reads one outcome per step:
  /// '1' a Parse, 'E' a Bind/Describe/Execute. After an error the server
  /// skips the rest up to the Sync; those steps fail with the error too.
  std::vector<Outcome> round_trip(const std::string& out, const std::vector<char>& steps)
  {
    std::vector<Outcome> outcomes(steps.size());
    if (!send(out)) {
      for (auto& o : outcomes) o = lost();
      return outcomes;
    }
    std::size_t step = 0;
    std::optional<Outcome> error;
    char type = 0;
    std::string_view body;
    while (next(type, body)) {
      switch (type) {
        case '1':
          if (step < steps.size() && steps[step] == '1') ++step;
          break;
        case 'T': // a statement's shape, before its rows (never changed after)
          if (step < steps.size() && outcomes[step].rows == 0) outcomes[step].columns = Reader(body).i16();
          break;
        case 'D':
          if (step < steps.size()) add_row(outcomes[step], body);
          break;
        case 'C':
        case 'I':
        case 's':
          if (step < steps.size()) {
            if (type == 'C') outcomes[step].changes = changes_of(Reader(body).str());
            ++step;
          }
          break;
        case 'E':
          if (!error) error = server_error(body);
          break;
        case 'Z':
          if (error) {
            for (std::size_t i = step; i < steps.size(); ++i) outcomes[i] = *error;
          }
          for (auto& o : outcomes) finish(o);
          return outcomes;
        default: break; // '2' BindComplete, 'n' NoData, notices, parameter status
      }
    }
    // Lost before the Sync's answer: with the server's last word if it
    // sent one (a FATAL error before it closed).
    for (std::size_t i = step; i < steps.size(); ++i) outcomes[i] = error ? *error : lost();
    return outcomes;
  }

  /// Adds a DataRow, as wide as the RowDescription said (a short row is
  /// padded with NULLs, extra values are dropped).
  static void add_row(Outcome& outcome, std::string_view body)
  {
    Reader r(body);
    const int n = r.i16();
    if (outcome.columns == 0) outcome.columns = n;
    for (int i = 0; i < outcome.columns; ++i) {
      if (i >= n || r.bad()) {
        outcome.add(nullptr, 0);
        continue;
      }
      const std::int32_t length = r.i32();
      if (length < 0) {
        outcome.add(nullptr, 0);
      } else {
        std::string_view value = r.bytes(static_cast<std::size_t>(length));
        outcome.add(value.data(), value.size());
      }
    }
    ++outcome.rows;
  }

  Outcome server_error(std::string_view body)
  {
    ServerError e = parse_error(body);
    if (e.fatal) m_fatal = e.text;
    return Outcome::failure(e.sqlstate, e.text);
  }

  /// A FATAL error ends the session: the server closes its side.
  Outcome finish(Outcome outcome)
  {
    if (!m_fatal.empty()) {
      std::string fatal = std::move(m_fatal);
      close_socket(false);
      m_error = std::move(fatal);
    }
    return outcome;
  }

  Outcome lost() const { return Outcome::failure("", m_error.empty() ? k_lost : m_error); }

  void close_socket(bool polite)
  {
    if (m_fd < 0) return;
    if (polite) {
      std::string out;
      Message(out, 'X');
      (void)::send(m_fd, out.data(), out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    ::close(m_fd);
    m_fd = -1;
    m_in.clear();
    m_pos = 0;
    m_fatal.clear();
  }

  std::string connect_one(const sockaddr* address, socklen_t size, Clock::time_point deadline,
                          bool tcp, bool& unsupported);
  std::string authenticate(Clock::time_point deadline, bool& unsupported);

  ConnOptions m_options;
  int m_fd = -1;
  std::string m_in;
  std::size_t m_pos = 0;
  std::string m_error;
  std::string m_fatal;
  std::string m_password;
  bool m_password_read = false;
};

std::string
WireSession::connect(bool& unsupported)
{
  int seconds = std::atoi(m_options.count("connect_timeout") ? m_options.at("connect_timeout").c_str() : "0");
  if (seconds > 0 && seconds < 2) seconds = 2; // libpq's minimum
  const auto deadline = Clock::now() + (seconds > 0 ? std::chrono::seconds(seconds) : std::chrono::hours(24 * 365));
  const std::string& host = m_options.at("host");
  const std::string& port = m_options.at("port");
  if (is_socket_dir(host)) {
    const std::string path = fmt::format("{}/.s.PGSQL.{}", host, port);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) {
      return fmt::format("Unix-domain socket path \"{}\" is too long (maximum {} bytes)", path,
                         sizeof address.sun_path - 1);
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    std::string failure = connect_one(reinterpret_cast<const sockaddr*>(&address), sizeof address, deadline,
                                      false, unsupported);
    if (failure.empty() || unsupported) return failure;
    return fmt::format("connection to server on socket \"{}\" failed: {}", path, failure);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return fmt::format("could not translate host name \"{}\" to address: {}", host, ::gai_strerror(rc));
  }
  std::string failures;
  for (addrinfo* a = found; a; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = "";
    ::getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST);
    std::string failure = connect_one(a->ai_addr, a->ai_addrlen, deadline, true, unsupported);
    if (failure.empty() || unsupported) {
      ::freeaddrinfo(found);
      return failure;
    }
    const std::string where = host == text ? fmt::format("\"{}\"", host) : fmt::format("\"{}\" ({})", host, text);
    if (!failures.empty()) failures += "\n";
    failures += fmt::format("connection to server at {}, port {} failed: {}", where, port, failure);
  }
  ::freeaddrinfo(found);
  return failures;
}

std::string
WireSession::connect_one(const sockaddr* address, socklen_t size, Clock::time_point deadline, bool tcp,
                         bool& unsupported)
{
  m_fd = ::socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (m_fd < 0) return std::strerror(errno);
  const char* hint = tcp ? "\n\tIs the server running on that host and accepting TCP/IP connections?"
                         : "\n\tIs the server running locally and accepting connections on that socket?";
  if (::connect(m_fd, address, size) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      std::string failure = std::string(std::strerror(errno)) + hint;
      close_socket(false);
      return failure;
    }
    pollfd p{m_fd, POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    int ready = 0;
    do {
      ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
    } while (ready < 0 && errno == EINTR);
    int error = 0;
    socklen_t length = sizeof error;
    if (ready == 0) {
      close_socket(false);
      return "timeout expired";
    }
    ::getsockopt(m_fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      close_socket(false);
      return std::string(std::strerror(error)) + hint;
    }
  }
  // Blocking from here on; the start-up waits are bounded by poll().
  ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) & ~O_NONBLOCK);
  if (tcp) {
    const int on = 1;
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    ::setsockopt(m_fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  }
  if (tcp && m_options.at("sslmode") == "prefer") {
    // libpq's sslmode=prefer: TLS when the server offers it. A server that
    // does is left to libpq.
    std::string out;
    Message(out).i32(80877103);
    char answer = 0;
    pollfd p{m_fd, POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (!send(out) || ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count()))) != 1 ||
        ::recv(m_fd, &answer, 1, 0) != 1) {
      close_socket(false);
      return m_error.empty() ? "timeout expired" : m_error;
    }
    if (answer != 'N') {
      close_socket(false);
      unsupported = true;
      return "the server offers TLS";
    }
  }
  return authenticate(deadline, unsupported);
}

std::string
WireSession::authenticate(Clock::time_point deadline, bool& unsupported)
{
  const std::string& user = m_options.at("user");
  std::string out;
  {
    Message startup(out); // its length is written when it goes out of scope
    startup.i32(196608).str("user").str(user).str("database").str(m_options.at("dbname"));
    for (const char* key : {"application_name", "options"}) {
      if (auto it = m_options.find(key); it != m_options.end() && !it->second.empty()) {
        startup.str(key).str(it->second);
      }
    }
    if (!m_options.count("application_name") && m_options.count("fallback_application_name")) {
      startup.str("application_name").str(m_options.at("fallback_application_name"));
    }
    startup.bytes(std::string_view("\0", 1));
  }
  if (!send(out)) return m_error;
  auto password = [&]() -> const std::string& {
    if (!m_password_read) {
      m_password = find_password(m_options);
      m_password_read = true;
    }
    return m_password;
  };
  auto fail = [&](std::string why) {
    close_socket(false);
    return why;
  };
  std::optional<ScramClient> scram;
  char type = 0;
  std::string_view body;
  while (next(type, body, deadline)) {
    if (type == 'E') return fail(parse_error(body).text);
    if (type == 'Z') return "";
    if (type != 'R') continue; // parameter status, backend key, notices
    Reader r(body);
    const std::int32_t code = r.i32();
    out.clear();
    switch (code) {
      case 0: break; // AuthenticationOk
      case 3:        // cleartext
      case 5: {      // MD5
        if (password().empty()) return fail("fe_sendauth: no password supplied");
        const std::string answer =
          code == 3 ? password() : md5_password(user, password(), r.bytes(4));
        Message(out, 'p').str(answer);
        if (!send(out)) return m_error;
        break;
      }
      case 10: { // SASL: the mechanisms the server offers
        bool offered = false;
        for (std::string_view m = r.str(); !m.empty() && !r.bad(); m = r.str()) {
          offered = offered || m == "SCRAM-SHA-256";
        }
        if (!offered) {
          unsupported = true;
          return fail("the server asks for a SASL mechanism other than SCRAM-SHA-256");
        }
        if (password().empty()) return fail("fe_sendauth: no password supplied");
        if (std::any_of(password().begin(), password().end(), [](char c) { return c & 0x80; })) {
          // SCRAM normalizes a non-ASCII password (SASLprep); libpq does that.
          unsupported = true;
          return fail("a non-ASCII password for SCRAM");
        }
        scram.emplace(password());
        const std::string first = scram->first();
        Message(out, 'p').str("SCRAM-SHA-256").i32(static_cast<std::int32_t>(first.size())).bytes(first);
        if (!send(out)) return m_error;
        break;
      }
      case 11: { // SASL continue: the server's first message
        std::string why;
        auto final = scram ? scram->final(r.rest(), why) : std::nullopt;
        if (!final) return fail(why.empty() ? "unexpected SCRAM message" : why);
        Message(out, 'p').bytes(*final);
        if (!send(out)) return m_error;
        break;
      }
      case 12: { // SASL final: the server's proof
        std::string why;
        if (!scram || !scram->verify(r.rest(), why)) return fail(why);
        break;
      }
      default: // Kerberos, GSSAPI, SSPI: libpq's
        unsupported = true;
        return fail(fmt::format("the server asks for authentication method {}", code));
    }
  }
  return m_error.empty() ? k_lost : m_error;
}

} // namespace

WireAttempt
open_wire(const ConnOptions& options)
{
  auto session = std::make_unique<WireSession>(options);
  bool unsupported = false;
  std::string failure = session->connect(unsupported);
  WireAttempt attempt;
  if (failure.empty()) {
    attempt.session = std::move(session);
  } else if (unsupported) {
    attempt.unsupported = std::move(failure);
  } else {
    attempt.error = std::move(failure);
  }
  return attempt;
}

} // namespace hb::postgres

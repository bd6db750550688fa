#pragma once
// One session with a PostgreSQL server, as the store's connection and the
// run listener use it: simple queries, prepared statements, a statement
// sent together with the BEGIN before it, notifications.
//
// Two implementations. The built-in client (wire.cpp) speaks the protocol
// itself over a Unix socket or plain TCP, with trust, password, MD5 and
// SCRAM-SHA-256 authentication: a command reaching the store pays no
// library loading. Everything else (TLS, Kerberos, service files, URL
// options it does not know) goes to libpq (libpq_session.cpp), loaded on
// first use. open_session() chooses.
//
// Threads: a Session belongs to one thread at a time.

#include "util/error.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hb::postgres {

using Oid = unsigned int;

/// One statement's outcome: its rows in text form, or the server's error.
struct Outcome
{
  bool ok = true;
  std::string sqlstate;  // the error's SQLSTATE; empty when none came
  std::string message;   // the error as libpq prints it (ERROR:  ...)
  int columns = 0;
  int rows = 0;
  int changes = 0;       // rows the command touched (its completion tag)
  std::string data;      // every value, back to back
  std::vector<std::int64_t> cells; // per value: offset into data, -1 for NULL
  std::vector<std::int32_t> lengths;

  /// Out of range reads as NULL.
  bool is_null(int row, int column) const
  {
    const std::size_t i = index(row, column);
    return i >= cells.size() || cells[i] < 0;
  }
  std::string_view value(int row, int column) const
  {
    const std::size_t i = index(row, column);
    if (i >= cells.size() || cells[i] < 0) return {};
    return std::string_view(data).substr(static_cast<std::size_t>(cells[i]),
                                         static_cast<std::size_t>(lengths[i]));
  }
  /// Appends one value of the current row (nullptr: NULL).
  void add(const char* bytes, std::size_t size)
  {
    if (!bytes) {
      cells.push_back(-1);
      lengths.push_back(0);
      return;
    }
    cells.push_back(static_cast<std::int64_t>(data.size()));
    lengths.push_back(static_cast<std::int32_t>(size));
    data.append(bytes, size);
  }
  static Outcome failure(std::string sqlstate, std::string message)
  {
    Outcome out;
    out.ok = false;
    out.sqlstate = std::move(sqlstate);
    out.message = std::move(message);
    return out;
  }

private:
  std::size_t index(int row, int column) const
  {
    if (row < 0 || column < 0 || column >= columns) return cells.size();
    return static_cast<std::size_t>(row) * static_cast<std::size_t>(columns) +
           static_cast<std::size_t>(column);
  }
};

/// A statement's parameters: values in text form (or bytes when binary),
/// nullopt for NULL, with their types (0: the server infers it).
struct Params
{
  std::vector<std::optional<std::string>> values;
  std::vector<Oid> types;
  std::vector<int> formats; // 0 text, 1 binary
};

class Session
{
public:
  virtual ~Session() = default;

  /// Whether the session is usable (false once the connection was lost).
  virtual bool ok() const = 0;
  /// The last connection-level failure, as libpq words it (no trailing
  /// newline, as every message a Session gives).
  virtual std::string error_message() const = 0;
  /// Connects again with the same options; ok() says whether it worked.
  virtual void reset() = 0;
  /// "libpq" or "built-in", for `store status` and the tests.
  virtual const char* client() const = 0;

  /// Runs `sql` (one or more statements, no parameters); the last
  /// statement's outcome, or the first error.
  virtual Outcome exec(const std::string& sql) = 0;
  /// Prepares `sql` as the statement `name`.
  virtual Outcome prepare(const std::string& name, const std::string& sql,
                          const std::vector<Oid>& types) = 0;
  /// Runs the prepared statement `name`, or `sql` unnamed when `name` is
  /// empty.
  virtual Outcome execute(const std::string& name, const std::string& sql, const Params& params) = 0;
  /// Sends `before` (a statement without parameters, such as BEGIN) and
  /// the prepared statement `name` in one round trip; the second outcome
  /// is the statement's, the first `before`'s.
  virtual std::pair<Outcome, Outcome> execute_after(const std::string& before, const std::string& name,
                                                    const Params& params) = 0;

  /// The socket to poll for notifications; -1 when not connected.
  virtual int socket() const = 0;
  /// Reads what arrived without blocking; true when a notification came.
  /// A lost connection makes ok() false.
  virtual bool take_notifications() = 0;
};

/// Connects to `url` as every homeboy connection does: giving up after 5 s
/// unless the URL sets its own connect_timeout, named `application_name`
/// unless the URL names itself. The built-in client when it can serve the
/// URL and the server, else libpq. A connection that failed is
/// `store.connect`, worded as libpq words it; a libpq that cannot be
/// loaded is `store.unavailable`.
Result<std::unique_ptr<Session>> open_session(const std::string& url, const char* application_name);

/// Decodes bytea's text form (hex `\x...` or the old escape form).
std::string unescape_bytea(std::string_view text);

} // namespace hb::postgres

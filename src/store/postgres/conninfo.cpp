// libpq's reading of a connection URL (conninfo.hpp), only as far as the
// built-in client needs it; anything else is left to libpq.

#include "store/postgres/conninfo.hpp"

#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <pwd.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace hb::postgres {

namespace {

/// libpq's socket directory on Debian (DEFAULT_PGSOCKET_DIR).
constexpr const char* k_socket_dir = "/var/run/postgresql";

int
hex_digit(char c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string>
percent_decode(std::string_view text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

std::string
env(const char* name)
{
  const char* value = std::getenv(name);
  return value ? value : "";
}

} // namespace

std::optional<ConnOptions>
parse_uri(const std::string& url, std::string& error)
{
  std::string_view rest(url);
  if (rest.rfind("postgresql://", 0) == 0) {
    rest.remove_prefix(13);
  } else if (rest.rfind("postgres://", 0) == 0) {
    rest.remove_prefix(11);
  } else {
    error = "not a postgres:// URI";
    return std::nullopt;
  }
  ConnOptions out;
  auto put = [&](const std::string& key, std::string_view raw) {
    auto value = percent_decode(raw);
    if (!value) {
      error = fmt::format("invalid percent-encoded value in \"{}\"", raw);
      return false;
    }
    if (!value->empty()) out[key] = *value;
    return true;
  };
  std::string_view query;
  if (auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    if (!put("dbname", rest.substr(slash + 1))) return std::nullopt;
  }
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
      if (!put("password", userinfo.substr(colon + 1))) return std::nullopt;
      userinfo = userinfo.substr(0, colon);
    }
    if (!put("user", userinfo)) return std::nullopt;
  }
  if (authority.find(',') != std::string_view::npos) {
    error = "several hosts";
    return std::nullopt;
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "unterminated [IPv6 address]";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        error = "unexpected text after the IPv6 address";
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (!put("host", host) || !put("port", port)) return std::nullopt;
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      error = fmt::format("missing \"=\" in the URI parameter \"{}\"", pair);
      return std::nullopt;
    }
    auto key = percent_decode(pair.substr(0, eq));
    if (!key) {
      error = "invalid percent-encoding";
      return std::nullopt;
    }
    // libpq's one alias: ssl=true is sslmode=require.
    if (*key == "ssl" && pair.substr(eq + 1) == "true") {
      out["sslmode"] = "require";
      continue;
    }
    out.erase(*key); // a keyword given twice: the last one counts
    if (!put(*key, pair.substr(eq + 1))) return std::nullopt;
  }
  return out;
}

ConnOptions
complete(ConnOptions options, const ConnOptions& defaults)
{
  for (const auto& [key, value] : defaults) options.emplace(key, value);
  static const std::pair<const char*, const char*> k_env[] = {
    {"host", "PGHOST"},         {"port", "PGPORT"},
    {"user", "PGUSER"},         {"dbname", "PGDATABASE"},
    {"options", "PGOPTIONS"},   {"application_name", "PGAPPNAME"},
    {"connect_timeout", "PGCONNECT_TIMEOUT"}, {"sslmode", "PGSSLMODE"},
    {"gssencmode", "PGGSSENCMODE"}, {"passfile", "PGPASSFILE"},
  };
  for (const auto& [key, name] : k_env) {
    if (std::string value = env(name); !value.empty()) options.emplace(key, value);
  }
  options.emplace("host", k_socket_dir);
  options.emplace("port", "5432");
  if (!options.count("user")) {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) options["user"] = pw->pw_name;
  }
  if (options.count("user")) options.emplace("dbname", options["user"]);
  options.emplace("sslmode", "prefer");
  options.emplace("gssencmode", "prefer");
  return options;
}

std::optional<std::string>
needs_libpq(const ConnOptions& options)
{
  static const std::set<std::string> k_handled = {
    "host", "port", "user", "dbname", "password", "passfile", "connect_timeout",
    "application_name", "fallback_application_name", "options", "sslmode", "gssencmode"};
  for (const auto& [key, value] : options) {
    if (!k_handled.count(key)) return fmt::format("the URL sets {}", key);
  }
  // Environment that libpq turns into session settings or other servers.
  for (const char* name : {"PGSERVICE", "PGHOSTADDR", "PGREQUIRESSL", "PGDATESTYLE", "PGTZ", "PGGEQO",
                           "PGCLIENTENCODING", "PGTARGETSESSIONATTRS", "PGLOADBALANCEHOSTS",
                           "PGREQUIREAUTH", "PGSSLNEGOTIATION"}) {
    if (!env(name).empty()) return fmt::format("{} is set", name);
  }
  const std::string& host = options.at("host");
  // libpq uses no TLS on a Unix socket, whatever sslmode says.
  const std::string& sslmode = options.at("sslmode");
  if (!is_socket_dir(host) && sslmode != "disable" && sslmode != "prefer") {
    return fmt::format("sslmode={} (TLS)", sslmode);
  }
  if (host.find(',') != std::string::npos || options.at("port").find(',') != std::string::npos) {
    return std::string("several hosts");
  }
  const std::string& gss = options.at("gssencmode");
  if (gss == "require") return std::string("gssencmode=require");
  if (!is_socket_dir(host) && gss != "disable") {
    // libpq tries GSSAPI encryption on TCP when Kerberos credentials exist.
    struct stat st{};
    if (!env("KRB5CCNAME").empty() ||
        ::stat(fmt::format("/tmp/krb5cc_{}", ::geteuid()).c_str(), &st) == 0) {
      return std::string("Kerberos credentials are present");
    }
  }
  return std::nullopt;
}

namespace {

/// The fields of one password file line (host, port, database, user,
/// password), with `\` escapes undone; fewer when the line is short.
std::vector<std::string>
pgpass_fields(const std::string& line)
{
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      fields.back() += line[++i];
    } else if (c == ':' && fields.size() < 5) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

} // namespace

std::string
find_password(const ConnOptions& options)
{
  if (auto it = options.find("password"); it != options.end()) return it->second;
  if (std::string value = env("PGPASSWORD"); !value.empty()) return value;
  std::string file;
  if (auto it = options.find("passfile"); it != options.end()) {
    file = it->second;
  } else if (std::string home = env("HOME"); !home.empty()) {
    file = home + "/.pgpass";
  } else if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_dir) {
    file = std::string(pw->pw_dir) + "/.pgpass";
  }
  struct stat st{};
  if (file.empty() || ::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    std::fprintf(stderr,
                 "WARNING: password file \"%s\" has group or world access; permissions should be "
                 "u=rw (0600) or less\n",
                 file.c_str());
    return {};
  }
  std::string host = options.at("host");
  // The default socket directory matches "localhost", as libpq has it.
  if (host.empty() || host == k_socket_dir) host = "localhost";
  const std::string want[4] = {host, options.at("port"), options.at("dbname"), options.at("user")};
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    auto fields = pgpass_fields(line);
    if (fields.size() < 5) continue;
    bool match = true;
    for (std::size_t i = 0; i < 4 && match; ++i) {
      match = fields[i] == "*" || fields[i] == want[i];
    }
    if (match) return fields[4];
  }
  return {};
}

} // namespace hb::postgres

#include "store/postgres/libpq.hpp"

#include <fmt/core.h>

#include <dlfcn.h>
#include <mutex>
#include <optional>
#include <type_traits>

namespace hb::postgres {

namespace {

Libpq g_libpq;
std::optional<Error> g_error;
std::once_flag g_once;

void
load()
{
  void* handle = ::dlopen("libpq.so.5", RTLD_LAZY | RTLD_LOCAL);
  if (!handle) {
    g_error = Error{"store.unavailable",
                    fmt::format("the PostgreSQL client library is not installed ({}); install "
                                "it (Debian: apt-get install libpq5) or unset HOMEBOY_STORE to "
                                "use the local SQLite store",
                                ::dlerror()),
                    "{}"};
    return;
  }
  auto resolve = [&](auto& slot, const char* name) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(::dlsym(handle, name));
    if (!slot && !g_error) {
      g_error = Error{"store.unavailable",
                      fmt::format("the PostgreSQL client library libpq.so.5 lacks {}; install "
                                  "libpq5 from PostgreSQL 14 or later",
                                  name),
                      "{}"};
    }
  };
  resolve(g_libpq.PQclear, "PQclear");
  resolve(g_libpq.PQcmdTuples, "PQcmdTuples");
  resolve(g_libpq.PQconnectdbParams, "PQconnectdbParams");
  resolve(g_libpq.PQconninfoFree, "PQconninfoFree");
  resolve(g_libpq.PQconninfoParse, "PQconninfoParse");
  resolve(g_libpq.PQconsumeInput, "PQconsumeInput");
  resolve(g_libpq.PQerrorMessage, "PQerrorMessage");
  resolve(g_libpq.PQexec, "PQexec");
  resolve(g_libpq.PQexecParams, "PQexecParams");
  resolve(g_libpq.PQenterPipelineMode, "PQenterPipelineMode");
  resolve(g_libpq.PQexitPipelineMode, "PQexitPipelineMode");
  resolve(g_libpq.PQpipelineSync, "PQpipelineSync");
  resolve(g_libpq.PQsendQueryParams, "PQsendQueryParams");
  resolve(g_libpq.PQsendQueryPrepared, "PQsendQueryPrepared");
  resolve(g_libpq.PQgetResult, "PQgetResult");
  resolve(g_libpq.PQexecPrepared, "PQexecPrepared");
  resolve(g_libpq.PQfinish, "PQfinish");
  resolve(g_libpq.PQfreemem, "PQfreemem");
  resolve(g_libpq.PQgetisnull, "PQgetisnull");
  resolve(g_libpq.PQgetlength, "PQgetlength");
  resolve(g_libpq.PQgetvalue, "PQgetvalue");
  resolve(g_libpq.PQnfields, "PQnfields");
  resolve(g_libpq.PQnotifies, "PQnotifies");
  resolve(g_libpq.PQntuples, "PQntuples");
  resolve(g_libpq.PQprepare, "PQprepare");
  resolve(g_libpq.PQreset, "PQreset");
  resolve(g_libpq.PQresultErrorField, "PQresultErrorField");
  resolve(g_libpq.PQresultErrorMessage, "PQresultErrorMessage");
  resolve(g_libpq.PQresultStatus, "PQresultStatus");
  resolve(g_libpq.PQsetNoticeProcessor, "PQsetNoticeProcessor");
  resolve(g_libpq.PQsocket, "PQsocket");
  resolve(g_libpq.PQstatus, "PQstatus");
}

} // namespace

Result<const Libpq*>
load_libpq()
{
  std::call_once(g_once, load);
  if (g_error) return Unexpected(*g_error);
  return &g_libpq;
}

const Libpq&
pq()
{
  return g_libpq;
}

std::string
message_of(const char* text)
{
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

PGconn*
connect(const std::string& url, const char* application_name)
{
  // The defaults first, the URL after: what the URL sets wins.
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"5", application_name, url.c_str(), nullptr};
  return g_libpq.PQconnectdbParams(keywords, values, 1);
}

} // namespace hb::postgres

#pragma once
// libpq, loaded when a command first needs it (dlopen of libpq.so.5): for
// what the built-in client leaves to it (session.hpp). Not linked: libpq pulls in some twenty libraries (TLS,
// Kerberos, LDAP) whose loading cost every homeboy process about 8 ms, the
// ones on the local SQLite store included.
//
// Threads: load() may be called from any thread (it runs once).

#include "util/error.hpp"

#include <libpq-fe.h>

#include <string>

namespace hb::postgres {

/// The libpq functions the store calls.
struct Libpq
{
  decltype(&::PQclear) PQclear;
  decltype(&::PQcmdTuples) PQcmdTuples;
  decltype(&::PQconnectdbParams) PQconnectdbParams;
  decltype(&::PQconninfoFree) PQconninfoFree;
  decltype(&::PQconninfoParse) PQconninfoParse;
  decltype(&::PQconsumeInput) PQconsumeInput;
  decltype(&::PQerrorMessage) PQerrorMessage;
  decltype(&::PQexec) PQexec;
  decltype(&::PQexecParams) PQexecParams;
  decltype(&::PQenterPipelineMode) PQenterPipelineMode;
  decltype(&::PQexitPipelineMode) PQexitPipelineMode;
  decltype(&::PQpipelineSync) PQpipelineSync;
  decltype(&::PQsendQueryParams) PQsendQueryParams;
  decltype(&::PQsendQueryPrepared) PQsendQueryPrepared;
  decltype(&::PQgetResult) PQgetResult;
  decltype(&::PQexecPrepared) PQexecPrepared;
  decltype(&::PQfinish) PQfinish;
  decltype(&::PQfreemem) PQfreemem;
  decltype(&::PQgetisnull) PQgetisnull;
  decltype(&::PQgetlength) PQgetlength;
  decltype(&::PQgetvalue) PQgetvalue;
  decltype(&::PQnfields) PQnfields;
  decltype(&::PQnotifies) PQnotifies;
  decltype(&::PQntuples) PQntuples;
  decltype(&::PQprepare) PQprepare;
  decltype(&::PQreset) PQreset;
  decltype(&::PQresultErrorField) PQresultErrorField;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage;
  decltype(&::PQresultStatus) PQresultStatus;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor;
  decltype(&::PQsocket) PQsocket;
  decltype(&::PQstatus) PQstatus;
};

/// libpq, loaded on the first call; `store.unavailable` saying what to
/// install when it is missing.
Result<const Libpq*> load_libpq();

/// The loaded library; only after load_libpq() succeeded.
const Libpq& pq();

/// libpq's message `text` (nullptr: none) without the newline and spaces it
/// ends with, as homeboy's messages quote it.
std::string message_of(const char* text);

/// Connects to `url` as every homeboy connection does: giving up after 5 s
/// unless the URL sets its own connect_timeout, named `application_name`
/// unless the URL names itself. Only after load_libpq() succeeded; check
/// the result's PQstatus.
PGconn* connect(const std::string& url, const char* application_name);

} // namespace hb::postgres

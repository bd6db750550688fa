#pragma once
// The Session over libpq (session.hpp), loaded on first use.

#include "store/postgres/session.hpp"

namespace hb::postgres {

/// Connects through libpq as open_session() describes; `store.connect`
/// with libpq's message when the connection fails, `store.unavailable`
/// when libpq cannot be loaded.
Result<std::unique_ptr<Session>> open_libpq(const std::string& url, const char* application_name);

} // namespace hb::postgres

// The backend-neutral half of Db and Stmt: running a statement to its end
// and the retry loop both backends' write transactions share.

#include "store/sql/db.hpp"

#include "util/text.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

namespace hb::sql {

Result<void>
Stmt::run()
{
  while (true) {
    auto row = step();
    if (!row) {
      return Unexpected(row.error());
    }
    if (!*row) {
      return {};
    }
  }
}

Result<Stmt>
Db::prepare(std::string_view sql)
{
  auto cursor = m_connection->prepare(sql);
  if (!cursor) {
    return Unexpected(cursor.error());
  }
  return Stmt(std::move(*cursor));
}

Result<void>
retry_while_busy(int timeout_ms, const std::function<Result<void>()>& attempt)
{
  using namespace std::chrono;
  auto deadline = steady_clock::now() + milliseconds(timeout_ms);
  std::mt19937 rng{std::random_device{}()};
  int backoff_ms = 2;
  while (true) {
    auto result = attempt();
    if (result || result.error().code != "store.busy" || steady_clock::now() >= deadline) {
      return result;
    }
    std::this_thread::sleep_for(milliseconds(backoff_ms + static_cast<int>(rng() % 5)));
    backoff_ms = std::min(backoff_ms * 2, 200);
  }
}

Result<int>
busy_timeout_ms()
{
  auto timeout = env_uint("HOMEBOY_STORE_BUSY_TIMEOUT_MS", 0, 3'600'000);
  if (!timeout) {
    return Unexpected(timeout.error());
  }
  return *timeout ? static_cast<int>(**timeout) : 30'000;
}

} // namespace hb::sql

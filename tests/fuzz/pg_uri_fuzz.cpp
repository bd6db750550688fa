// Reading a PostgreSQL connection URL as libpq does (store/postgres/
// conninfo.cpp): any text is a set of options or an explained refusal, and
// completing and judging the options never crashes.

#include "fuzz_check.hpp"
#include "store/postgres/conninfo.hpp"

#include <cstdint>
#include <string>

using namespace hb::postgres;

extern "C" int
LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string url(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto options = parse_uri(url, error);
  if (!options) {
    hb::fuzz::require(!error.empty());
    return 0;
  }
  ConnOptions done = complete(*options, {{"connect_timeout", "5"}});
  hb::fuzz::require(done.count("host") && done.count("port") && done.count("sslmode"));
  (void)needs_libpq(done);
  return 0;
}

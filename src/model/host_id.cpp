#include "model/host_id.hpp"

#include "util/host.hpp"

#include <cstdlib>

namespace hb {

std::string
host_id()
{
  const char* id = std::getenv("HOMEBOY_HOST_ID");
  return id && *id ? std::string(id) : hostname();
}

std::string
owner_host(std::string_view lease_owner)
{
  auto colon = lease_owner.rfind(':');
  return colon == std::string_view::npos ? std::string() : std::string(lease_owner.substr(0, colon));
}

} // namespace hb

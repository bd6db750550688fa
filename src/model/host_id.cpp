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

} // namespace hb

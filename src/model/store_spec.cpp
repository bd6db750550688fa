#include "model/store_spec.hpp"

namespace hb {

bool
name_store(Paths& paths, std::string_view spec)
{
  if (spec.starts_with("sqlite:") && spec.size() > 7) {
    std::error_code ec;
    paths.store_path = std::filesystem::absolute(spec.substr(7), ec).lexically_normal();
    paths.store_url.clear();
    return true;
  }
  if (spec.starts_with("postgres://") || spec.starts_with("postgresql://")) {
    paths.store_url = std::string(spec);
    return true;
  }
  return false;
}

} // namespace hb

#pragma once

#include <string>

namespace hb {

/// A random (version 4) UUID in canonical lower-case form.
std::string new_uuid_v4();

} // namespace hb

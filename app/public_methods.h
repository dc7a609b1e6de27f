// The one place that says which RPCs need no access token.
#pragma once

#include <string>

#include "absl/container/flat_hash_set.h"

namespace rentwave::app {

// Full method names ("/package.Service/Method") anyone may call anonymously.
// Every other method requires `authorization: Bearer <token>`.
absl::flat_hash_set<std::string> PublicMethods();

}  // namespace rentwave::app

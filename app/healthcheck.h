// The `healthcheck` subcommand (used by the Dockerfile's HEALTHCHECK).
#pragma once

#include <string>

namespace rentwave::app {

// Calls grpc.health.v1.Health/Check on `target` with a short deadline.
// Returns 0 if it answers SERVING, 1 otherwise (printing why to stderr).
int RunHealthcheck(const std::string& target);

}  // namespace rentwave::app

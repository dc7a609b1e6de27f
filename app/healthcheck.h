// The `healthcheck` subcommand (used by the Dockerfile's HEALTHCHECK).
#pragma once

#include <string>

namespace rentwave::app {

// Calls grpc.health.v1.Health/Check on `target` with a short deadline, over
// TLS if `tls_cert` (a PEM file, trusted as the root) is set, expecting the
// server's certificate to name `tls_server_name`. Returns 0 if it answers
// SERVING, 1 otherwise (printing why to stderr).
int RunHealthcheck(const std::string& target, const std::string& tls_cert,
                   const std::string& tls_server_name);

}  // namespace rentwave::app

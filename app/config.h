// The process configuration: command-line flags with RENTWAVE_* environment
// variables as fallbacks (CLI11).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rentwave::app {

enum class Command { kServe, kMigrate, kHealthcheck, kVerify, kBackup };

struct Config {
  Command command = Command::kServe;
  std::string db_path = "data/rentwave.db";
  std::string backup_path;  // `backup`: where the copy goes
  std::string grpc_listen = "127.0.0.1:50051";
  std::string http_listen = "127.0.0.1:8080";
  std::string log_level = "info";
  int64_t token_ttl_seconds = 3600;
  std::string token_secret;  // empty: generated once and stored in the db
  std::string password_cost = "interactive";
  std::string db_synchronous = "full";
  int64_t db_max_bytes = 0;  // 0: as large as the disk allows
  int64_t max_message_bytes = 4 << 20;
  int64_t max_body_bytes = 4 << 20;
  std::vector<std::string> cors_origins;
  int64_t http_threads = 128;
  int64_t rpc_threads = 64;              // for RPCs that may block (writes)
  double default_deadline_seconds = 30;  // the longest a call waits to run
  int64_t shutdown_grace_seconds = 10;
  std::string currency = "USD";           // the wallet's one currency
  int64_t max_amount_minor = 10'000'000;  // per wallet operation
  int64_t late_grace_seconds = 0;         // lateness tolerated before late fees
  int64_t late_max_periods = 30;    // late fees charged per rental at most
  int64_t fee_basis_points = 0;     // platform commission on rental prices
  std::vector<std::string> admins;  // usernames that may read the event log
  // Rate limits: calls per second and burst, per authenticated user and per
  // client address (0: unlimited).
  double user_rate = 100;
  double user_burst = 200;
  double address_rate = 1000;
  double address_burst = 2000;
  // TLS on both listeners when both are set (PEM files).
  std::string tls_cert;
  std::string tls_key;
  // The name `healthcheck` expects the server's certificate to have.
  std::string tls_server_name = "localhost";
  // A clock that stands still unless rentwave.v1.DevClock moves it; for
  // tests and demos only.
  bool dev_clock = false;
};

// Parses argv. Returns the process exit code to use now (--help, --version,
// a bad flag) or -1 to go on with `*config` filled in. Prints what it has to
// say (help text, one-line errors) itself.
int ParseConfig(int argc, char** argv, Config* config);

}  // namespace rentwave::app

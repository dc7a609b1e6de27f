#include "app/config.h"

#include <CLI/CLI.hpp>
#include <limits>

#include "modules/platform/money.h"

namespace rentwave::app {

int ParseConfig(int argc, char** argv, Config* c) {
  CLI::App app{"RentWave: a peer-to-peer rental backend (gRPC + REST/JSON)",
               "rentwave"};
  app.set_version_flag("--version", RENTWAVE_VERSION);
  app.fallthrough();  // global flags may also follow the subcommand
  app.option_defaults()->always_capture_default();

  app.add_option("--db", c->db_path,
                 "SQLite database file (created if missing)")
      ->envname("RENTWAVE_DB");
  app.add_option("--grpc-listen", c->grpc_listen,
                 "gRPC address HOST:PORT (port 0 picks a free one)")
      ->envname("RENTWAVE_GRPC_LISTEN");
  app.add_option("--http-listen", c->http_listen,
                 "REST/JSON address HOST:PORT (port 0 picks a free one)")
      ->envname("RENTWAVE_HTTP_LISTEN");
  app.add_option("--log-level", c->log_level,
                 "trace, debug, info, warn, error, critical or off")
      ->envname("RENTWAVE_LOG_LEVEL");
  app.add_option("--token-ttl", c->token_ttl_seconds,
                 "access token lifetime in seconds")
      ->envname("RENTWAVE_TOKEN_TTL")
      ->check(CLI::Range(int64_t{60}, int64_t{30} * 24 * 3600));
  app.add_option("--token-secret", c->token_secret,
                 "token signing secret, at least 32 bytes; prefer the "
                 "environment variable (flags show in ps). Default: random, "
                 "generated once and kept in the database")
      ->envname("RENTWAVE_TOKEN_SECRET")
      ->check([](const std::string& s) {
        return s.empty() || s.size() >= 32
                   ? std::string()
                   : std::string("must be at least 32 bytes");
      });
  app.add_option("--password-cost", c->password_cost,
                 "Argon2id cost: interactive, moderate, or minimum (tests "
                 "only: weak)")
      ->envname("RENTWAVE_PASSWORD_COST")
      ->check(CLI::IsMember({"minimum", "interactive", "moderate"}));
  app.add_option("--db-max-bytes", c->db_max_bytes,
                 "the largest the database may grow; writes beyond it fail "
                 "with UNAVAILABLE (reads go on). 0: no limit")
      ->envname("RENTWAVE_DB_MAX_BYTES")
      ->check(CLI::Range(int64_t{0}, std::numeric_limits<int64_t>::max()));
  app.add_option("--db-synchronous", c->db_synchronous,
                 "SQLite synchronous mode: full (every commit durable) or "
                 "normal")
      ->envname("RENTWAVE_DB_SYNCHRONOUS")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--max-message-bytes", c->max_message_bytes,
                 "largest request message accepted")
      ->envname("RENTWAVE_MAX_MESSAGE_BYTES")
      ->check(CLI::Range(int64_t{1024}, int64_t{64} << 20));
  app.add_option("--max-body-bytes", c->max_body_bytes,
                 "largest REST request body accepted (larger: 413)")
      ->envname("RENTWAVE_MAX_BODY_BYTES")
      ->check(CLI::Range(int64_t{1024}, int64_t{64} << 20));
  app.add_option("--cors-origins", c->cors_origins,
                 "origins allowed to call the REST API from a browser "
                 "(comma-separated; * for any). Default: none")
      ->envname("RENTWAVE_CORS_ORIGINS")
      ->delimiter(',');
  app.add_option("--http-threads", c->http_threads,
                 "REST worker threads; each open keep-alive connection holds "
                 "one")
      ->envname("RENTWAVE_HTTP_THREADS")
      ->check(CLI::Range(int64_t{4}, int64_t{4096}));
  app.add_option("--rpc-threads", c->rpc_threads,
                 "threads for RPCs that may wait (writes, logins); as many "
                 "writes can share one commit")
      ->envname("RENTWAVE_RPC_THREADS")
      ->check(CLI::Range(int64_t{1}, int64_t{1024}));
  app.add_option("--default-deadline", c->default_deadline_seconds,
                 "seconds a call may wait for a worker before it runs; past "
                 "that it is DEADLINE_EXCEEDED without running")
      ->envname("RENTWAVE_DEFAULT_DEADLINE")
      ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--shutdown-grace", c->shutdown_grace_seconds,
                 "seconds in-flight calls get to finish on SIGINT/SIGTERM")
      ->envname("RENTWAVE_SHUTDOWN_GRACE")
      ->check(CLI::Range(int64_t{0}, int64_t{300}));
  app.add_option("--currency", c->currency,
                 "the wallet's currency, an ISO 4217 code; fixed once the "
                 "database has a ledger")
      ->envname("RENTWAVE_CURRENCY")
      ->check([](const std::string& code) {
        return platform::ValidateCurrency(code, "currency").ok()
                   ? std::string()
                   : std::string("must be three upper-case letters, e.g. USD");
      });
  app.add_option("--max-amount-minor", c->max_amount_minor,
                 "the most one deposit, withdrawal, transfer, hold or charge "
                 "may move, in minor units")
      ->envname("RENTWAVE_MAX_AMOUNT_MINOR")
      ->check(CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()));

  app.add_option("--late-grace", c->late_grace_seconds,
                 "seconds past a rental's end before late fees are charged "
                 "(then counted from the end)")
      ->envname("RENTWAVE_LATE_GRACE")
      ->check(CLI::Range(int64_t{0}, int64_t{30} * 24 * 3600));
  app.add_option("--late-max-periods", c->late_max_periods,
                 "the most late periods charged per rental")
      ->envname("RENTWAVE_LATE_MAX_PERIODS")
      ->check(CLI::Range(int64_t{0}, int64_t{100000}));
  app.add_option("--fee-basis-points", c->fee_basis_points,
                 "platform commission on rental prices, in basis points "
                 "(0-10000), paid to the fees account")
      ->envname("RENTWAVE_FEE_BASIS_POINTS")
      ->check(CLI::Range(int64_t{0}, int64_t{10000}));

  app.add_option("--admins", c->admins,
                 "usernames that may read the event log (rentwave.v1.Events; "
                 "comma-separated). Default: none")
      ->envname("RENTWAVE_ADMINS")
      ->delimiter(',');

  app.add_option("--user-rate", c->user_rate,
                 "calls per second each signed-in user may make on average "
                 "(0: unlimited); more get RESOURCE_EXHAUSTED / 429")
      ->envname("RENTWAVE_USER_RATE")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--user-burst", c->user_burst,
                 "calls a signed-in user may make at once")
      ->envname("RENTWAVE_USER_BURST")
      ->check(CLI::Range(1.0, 1e9));
  app.add_option("--address-rate", c->address_rate,
                 "calls per second each client address (IP) may make on "
                 "average, signed in or not (0: unlimited)")
      ->envname("RENTWAVE_ADDRESS_RATE")
      ->check(CLI::Range(0.0, 1e9));
  app.add_option("--address-burst", c->address_burst,
                 "calls a client address may make at once")
      ->envname("RENTWAVE_ADDRESS_BURST")
      ->check(CLI::Range(1.0, 1e9));
  auto* cert = app.add_option("--tls-cert", c->tls_cert,
                              "PEM certificate chain: serve gRPC and HTTP over "
                              "TLS (with --tls-key). Default: plaintext")
                   ->envname("RENTWAVE_TLS_CERT")
                   ->check(CLI::ExistingFile);
  auto* key =
      app.add_option("--tls-key", c->tls_key, "PEM private key of --tls-cert")
          ->envname("RENTWAVE_TLS_KEY")
          ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  app.add_option("--tls-server-name", c->tls_server_name,
                 "healthcheck over TLS: the name the server's certificate "
                 "must carry (it is trusted as given in --tls-cert)")
      ->envname("RENTWAVE_TLS_SERVER_NAME");

  app.add_flag("--dev-clock", c->dev_clock,
               "development clock (tests and demos only): time starts at the "
               "real time (at every start) and stands still unless the "
               "rentwave.v1.DevClock service, which any signed-in user may "
               "call, moves it forward")
      ->envname("RENTWAVE_DEV_CLOCK");

  app.require_subcommand(0, 1);
  auto* serve = app.add_subcommand("serve", "run the server (the default)");
  auto* migrate =
      app.add_subcommand("migrate", "apply database migrations and exit");
  auto* health = app.add_subcommand(
      "healthcheck",
      "exit 0 if the server at --grpc-listen answers the gRPC health check");
  auto* verify = app.add_subcommand(
      "verify",
      "check the invariants of the database at --db (the wallet ledger); "
      "exit 0 if they hold, 1 with a report if not");
  auto* backup = app.add_subcommand(
      "backup",
      "copy the database at --db to FILE while the server runs (one "
      "consistent snapshot); FILE must not exist");
  backup->add_option("file", c->backup_path, "where the copy goes")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (migrate->parsed()) c->command = Command::kMigrate;
  if (health->parsed()) c->command = Command::kHealthcheck;
  if (serve->parsed()) c->command = Command::kServe;
  if (verify->parsed()) c->command = Command::kVerify;
  if (backup->parsed()) c->command = Command::kBackup;
  return -1;
}

}  // namespace rentwave::app

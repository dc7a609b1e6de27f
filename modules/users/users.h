// The users module's public API: accounts, login, tokens and profiles. The
// only header of this module other modules include.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/rpc.h"
#include "modules/users/login_limiter.h"
#include "modules/users/password.h"
#include "modules/users/tokens.h"

namespace rentwave::users {

struct Address {
  std::string line1, line2, city, region, postal_code, country_code;
  bool operator==(const Address&) const = default;
};

struct Profile {
  std::string id;
  std::string username;  // lower-case
  std::string display_name;
  std::string email;  // private
  Address address;    // private
  absl::Time created;
  absl::Time updated;
};

struct Registration {
  std::string username;
  std::string password;
  std::string display_name;  // empty: the username
  std::string email;
  Address address;
};

// What UpdateProfile changes; unset fields stay as they are.
struct ProfileChanges {
  std::optional<std::string> display_name;
  std::optional<std::string> email;  // "" clears
  std::optional<Address> address;
};

struct AccessToken {
  std::string token;
  absl::Time expires;
  std::string user_id;
};

struct UsersOptions {
  // HMAC key for tokens; empty: a random one generated once and stored in the
  // database, so tokens survive restarts.
  std::string token_secret;
  absl::Duration token_ttl = absl::Hours(1);
  PasswordCost password_cost = PasswordCost::kInteractive;
  LoginLimits login_limits;
  // Who may read the event log (any case; normalized by Create).
  std::vector<std::string> admin_usernames;
};

class Users final : public platform::Authenticator {
 public:
  // Loads (or creates) the signing secret and the revoked-token list.
  // Errors: those of the database.
  static absl::StatusOr<std::unique_ptr<Users>> Create(
      platform::Database& db, platform::EventLog& events,
      const platform::Clock& clock, UsersOptions options);

  // Creates an account and records user.registered. Errors: INVALID_ARGUMENT
  // naming the field; ALREADY_EXISTS if the username is taken in any case.
  absl::StatusOr<Profile> Register(const Registration& registration);

  // Checks the password and issues a token. Errors: UNAUTHENTICATED with one
  // message for an unknown user and a wrong password alike;
  // RESOURCE_EXHAUSTED after too many failures for the username.
  absl::StatusOr<AccessToken> Login(absl::string_view username,
                                    absl::string_view password);

  // Revokes the caller's token; later use is UNAUTHENTICATED. Idempotent.
  absl::Status Logout(const platform::Caller& caller);

  // platform::Authenticator: verifies a token and that it is not revoked.
  absl::StatusOr<platform::Caller> Authenticate(
      absl::string_view token) const override;

  // The full profile, private fields included; callers decide what to show.
  // Errors: NOT_FOUND.
  absl::StatusOr<Profile> GetProfile(absl::string_view user_id) const;

  // Whether the user is an administrator (UsersOptions::admin_usernames).
  // Errors: those of the database.
  absl::StatusOr<bool> IsAdmin(absl::string_view user_id) const;

  // Applies `changes` to the user's profile and records user.updated.
  // Errors: INVALID_ARGUMENT naming the field; NOT_FOUND.
  absl::StatusOr<Profile> UpdateProfile(absl::string_view user_id,
                                        const ProfileChanges& changes);

  // All methods are thread-safe.

 private:
  Users(platform::Database& db, platform::EventLog& events,
        const platform::Clock& clock, UsersOptions options, std::string secret);
  bool IsRevoked(const std::string& token_id) const;

  platform::Database& db_;
  platform::EventLog& events_;
  const platform::Clock& clock_;
  const UsersOptions options_;
  const TokenCodec tokens_;
  LoginLimiter limiter_;
  // A hash of a random password: verified against on unknown usernames so
  // that they take as long as wrong passwords (no user enumeration by timing).
  std::string decoy_hash_;
  mutable std::mutex revoked_mu_;
  // token id -> expiry of every revoked, unexpired token (a cache of the
  // stored revocations).
  mutable absl::flat_hash_map<std::string, absl::Time> revoked_
      ABSL_GUARDED_BY(revoked_mu_);
};

}  // namespace rentwave::users

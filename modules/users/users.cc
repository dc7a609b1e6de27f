#include "modules/users/users.h"

#include <nlohmann/json.hpp>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "modules/platform/random.h"
#include "modules/platform/status.h"
#include "modules/users/users_store.h"
#include "modules/users/validate.h"

namespace rentwave::users {
namespace {

using platform::Caller;
using platform::Tx;

constexpr char kBadCredentials[] = "invalid username or password";

std::string RandomString(size_t bytes) {
  std::string s(bytes, '\0');
  platform::RandomBytes(s.data(), s.size());
  return s;
}

absl::Status ValidateChanges(const ProfileChanges& c) {
  if (c.display_name) RW_RETURN_IF_ERROR(ValidateDisplayName(*c.display_name));
  if (c.email) RW_RETURN_IF_ERROR(ValidateEmail(*c.email));
  if (c.address) RW_RETURN_IF_ERROR(ValidateAddress(*c.address));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Users>> Users::Create(
    platform::Database& db, platform::EventLog& events,
    const platform::Clock& clock, UsersOptions options) {
  for (std::string& admin : options.admin_usernames) {
    absl::StatusOr<std::string> normalized = NormalizeUsername(admin);
    if (!normalized.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "admin username '", admin, "': ", normalized.status().message()));
    }
    admin = *std::move(normalized);
  }
  std::string secret;
  std::vector<std::pair<std::string, absl::Time>> revoked;
  RW_RETURN_IF_ERROR(db.Write([&](Tx& tx) {
    secret = options.token_secret;  // Write may run this twice
    if (secret.empty()) {
      secret = store::LoadOrStoreSecret(tx, RandomString(32), clock.Now());
    }
    revoked = store::LoadRevokedTokens(tx, clock.Now());
    return absl::OkStatus();
  }));
  std::unique_ptr<Users> users(
      new Users(db, events, clock, std::move(options), std::move(secret)));
  RW_ASSIGN_OR_RETURN(
      users->decoy_hash_,
      HashPassword(RandomString(16), users->options_.password_cost));
  std::lock_guard<std::mutex> lock(users->revoked_mu_);
  users->revoked_.insert(revoked.begin(), revoked.end());
  return users;
}

Users::Users(platform::Database& db, platform::EventLog& events,
             const platform::Clock& clock, UsersOptions options,
             std::string secret)
    : db_(db),
      events_(events),
      clock_(clock),
      options_(std::move(options)),
      tokens_(std::move(secret)),
      limiter_(options_.login_limits) {}

absl::StatusOr<Profile> Users::Register(const Registration& r) {
  RW_ASSIGN_OR_RETURN(std::string username, NormalizeUsername(r.username));
  RW_RETURN_IF_ERROR(ValidatePassword(r.password));
  std::string display_name = r.display_name.empty() ? username : r.display_name;
  RW_RETURN_IF_ERROR(ValidateDisplayName(display_name));
  RW_RETURN_IF_ERROR(ValidateEmail(r.email));
  RW_RETURN_IF_ERROR(ValidateAddress(r.address));
  // Hashing is slow on purpose; it happens before the write lock is taken.
  RW_ASSIGN_OR_RETURN(std::string hash,
                      HashPassword(r.password, options_.password_cost));
  absl::Time now = clock_.Now();
  store::Account account{{platform::NewId(now), username, display_name, r.email,
                          r.address, now, now},
                         std::move(hash)};
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) {
    RW_RETURN_IF_ERROR(store::InsertAccount(tx, account));
    nlohmann::json payload = {{"username", username}};
    return events_.Append(tx, "user.registered", account.profile.id,
                          account.profile.id, payload.dump());
  }));
  return account.profile;
}

absl::StatusOr<AccessToken> Users::Login(absl::string_view username_in,
                                         absl::string_view password) {
  auto username = NormalizeUsername(username_in);
  if (!username.ok()) return absl::UnauthenticatedError(kBadCredentials);
  absl::Time now = clock_.Now();
  if (!limiter_.TryAttempt(*username, now)) {
    return absl::ResourceExhaustedError(
        "too many failed logins for this username; try again later");
  }
  std::optional<store::Account> account;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    account = store::FindByUsername(tx, *username);
    return absl::OkStatus();
  }));
  bool ok = VerifyPassword(account ? account->password_hash : decoy_hash_,
                           password) &&
            account.has_value();
  if (!ok) return absl::UnauthenticatedError(kBadCredentials);
  limiter_.RecordSuccess(*username);
  absl::Time issued = absl::FromUnixSeconds(absl::ToUnixSeconds(now));
  TokenClaims claims{account->profile.id, platform::NewId(now), issued,
                     issued + options_.token_ttl};
  return AccessToken{tokens_.Sign(claims), claims.expires, claims.user_id};
}

absl::Status Users::Logout(const Caller& caller) {
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) {
    if (!store::InsertRevokedToken(tx, caller.token_id, caller.user_id,
                                   caller.token_expiry)) {
      return absl::OkStatus();  // already: nothing changes
    }
    RW_RETURN_IF_ERROR(events_.Append(tx, "user.logged_out", caller.user_id,
                                      caller.user_id, "{}"));
    tx.OnCommit([this, caller] {
      absl::Time now = clock_.Now();
      std::lock_guard<std::mutex> lock(revoked_mu_);
      absl::erase_if(revoked_, [&](const auto& e) { return e.second <= now; });
      revoked_.emplace(caller.token_id, caller.token_expiry);
    });
    return absl::OkStatus();
  }));
  return absl::OkStatus();
}

bool Users::IsRevoked(const std::string& token_id) const {
  std::lock_guard<std::mutex> lock(revoked_mu_);
  return revoked_.contains(token_id);
}

absl::StatusOr<Caller> Users::Authenticate(absl::string_view token) const {
  RW_ASSIGN_OR_RETURN(TokenClaims claims, tokens_.Verify(token, clock_.Now()));
  if (IsRevoked(claims.token_id)) {
    return absl::UnauthenticatedError("invalid token: revoked");
  }
  return Caller{claims.user_id, claims.token_id, claims.expires};
}

absl::StatusOr<Profile> Users::GetProfile(absl::string_view user_id) const {
  std::optional<Profile> profile;
  RW_RETURN_IF_ERROR(db_.Read([&](Tx& tx) {
    profile = store::FindById(tx, std::string(user_id));
    return absl::OkStatus();
  }));
  if (!profile) return absl::NotFoundError("user: not found");
  return *profile;
}

absl::StatusOr<bool> Users::IsAdmin(absl::string_view user_id) const {
  if (options_.admin_usernames.empty()) return false;
  RW_ASSIGN_OR_RETURN(Profile profile, GetProfile(user_id));
  return absl::c_linear_search(options_.admin_usernames, profile.username);
}

absl::StatusOr<Profile> Users::UpdateProfile(absl::string_view user_id,
                                             const ProfileChanges& changes) {
  RW_RETURN_IF_ERROR(ValidateChanges(changes));
  Profile updated;
  RW_RETURN_IF_ERROR(db_.Write([&](Tx& tx) {
    std::optional<Profile> current = store::FindById(tx, std::string(user_id));
    if (!current) return absl::NotFoundError("user: not found");
    updated = *std::move(current);
    nlohmann::json fields = nlohmann::json::array();
    if (changes.display_name) {
      updated.display_name = *changes.display_name;
      fields.push_back("display_name");
    }
    if (changes.email) {
      updated.email = *changes.email;
      fields.push_back("email");
    }
    if (changes.address) {
      updated.address = *changes.address;
      fields.push_back("address");
    }
    updated.updated = clock_.Now();
    store::UpdateProfile(tx, updated);
    nlohmann::json payload = {{"fields", fields}};
    return events_.Append(tx, "user.updated", updated.id, updated.id,
                          payload.dump());
  }));
  return updated;
}

}  // namespace rentwave::users

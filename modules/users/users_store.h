// All SQL of the users module; the only code naming users_* tables.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "modules/platform/db.h"
#include "modules/users/users.h"

namespace rentwave::users::store {

struct Account {
  Profile profile;
  std::string password_hash;
};

// Inserts a new account. Errors: ALREADY_EXISTS if the username is taken.
absl::Status InsertAccount(platform::Tx& tx, const Account& account);

std::optional<Account> FindByUsername(platform::Tx& tx,
                                      const std::string& username);
std::optional<Profile> FindById(platform::Tx& tx, const std::string& id);

// Overwrites the mutable profile fields and updated time of `profile.id`.
void UpdateProfile(platform::Tx& tx, const Profile& profile);

// Records a revoked token; returns false if it was already revoked.
bool InsertRevokedToken(platform::Tx& tx, const std::string& token_id,
                        const std::string& user_id, absl::Time expires);
// Revoked tokens that expire after `now` (the rest are deleted).
std::vector<std::pair<std::string, absl::Time>> LoadRevokedTokens(
    platform::Tx& tx, absl::Time now);

// The stored signing secret, storing `fresh` first if there is none.
std::string LoadOrStoreSecret(platform::Tx& tx, const std::string& fresh,
                              absl::Time now);

}  // namespace rentwave::users::store

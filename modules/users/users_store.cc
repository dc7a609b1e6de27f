#include "modules/users/users_store.h"

#include <SQLiteCpp/Statement.h>

#include "absl/strings/str_cat.h"
#include "modules/platform/statement_cache.h"

namespace rentwave::users::store {
namespace {

using platform::CachedStatement;
using platform::FromMicros;
using platform::ToMicros;

constexpr char kProfileColumns[] =
    "id, username, display_name, email, address_line1, address_line2, "
    "address_city, address_region, address_postal_code, "
    "address_country_code, created_at_us, updated_at_us";

// The statements run per request are cached per connection (preparing one
// costs several times more than running it), so their text is built once.
const std::string& FindByIdSql() {
  static const std::string* const sql = new std::string(absl::StrCat(
      "SELECT ", kProfileColumns, " FROM users_accounts WHERE id = ?"));
  return *sql;
}

const std::string& FindByUsernameSql() {
  static const std::string* const sql = new std::string(
      absl::StrCat("SELECT ", kProfileColumns,
                   ", password_hash FROM users_accounts WHERE username = ?"));
  return *sql;
}

Profile ReadProfile(SQLite::Statement& q) {
  Profile p;
  p.id = q.getColumn(0).getString();
  p.username = q.getColumn(1).getString();
  p.display_name = q.getColumn(2).getString();
  p.email = q.getColumn(3).getString();
  p.address = {q.getColumn(4).getString(), q.getColumn(5).getString(),
               q.getColumn(6).getString(), q.getColumn(7).getString(),
               q.getColumn(8).getString(), q.getColumn(9).getString()};
  p.created = FromMicros(q.getColumn(10).getInt64());
  p.updated = FromMicros(q.getColumn(11).getInt64());
  return p;
}

// Binds the mutable profile fields to parameters first..first+7.
void BindMutable(SQLite::Statement& q, int first, const Profile& p) {
  q.bind(first, p.display_name);
  q.bind(first + 1, p.email);
  q.bind(first + 2, p.address.line1);
  q.bind(first + 3, p.address.line2);
  q.bind(first + 4, p.address.city);
  q.bind(first + 5, p.address.region);
  q.bind(first + 6, p.address.postal_code);
  q.bind(first + 7, p.address.country_code);
}

}  // namespace

absl::Status InsertAccount(platform::Tx& tx, const Account& account) {
  {
    CachedStatement taken(tx,
                          "SELECT 1 FROM users_accounts WHERE username = ?");
    taken->bind(1, account.profile.username);
    if (taken->executeStep()) {
      return absl::AlreadyExistsError("username: already taken");
    }
  }
  CachedStatement insert(
      tx,
      "INSERT INTO users_accounts(id, username, password_hash, display_name, "
      "email, address_line1, address_line2, address_city, address_region, "
      "address_postal_code, address_country_code, created_at_us, "
      "updated_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  const Profile& p = account.profile;
  insert->bind(1, p.id);
  insert->bind(2, p.username);
  insert->bind(3, account.password_hash);
  BindMutable(*insert, 4, p);
  insert->bind(12, static_cast<int64_t>(ToMicros(p.created)));
  insert->bind(13, static_cast<int64_t>(ToMicros(p.updated)));
  insert->exec();
  return absl::OkStatus();
}

std::optional<Account> FindByUsername(platform::Tx& tx,
                                      const std::string& username) {
  CachedStatement q(tx, FindByUsernameSql());
  q->bind(1, username);
  if (!q->executeStep()) return std::nullopt;
  return Account{ReadProfile(*q), q->getColumn(12).getString()};
}

std::optional<Profile> FindById(platform::Tx& tx, const std::string& id) {
  CachedStatement q(tx, FindByIdSql());
  q->bind(1, id);
  if (!q->executeStep()) return std::nullopt;
  return ReadProfile(*q);
}

void UpdateProfile(platform::Tx& tx, const Profile& p) {
  CachedStatement q(
      tx,
      "UPDATE users_accounts SET display_name = ?, email = ?, "
      "address_line1 = ?, address_line2 = ?, address_city = ?, "
      "address_region = ?, address_postal_code = ?, address_country_code = ?, "
      "updated_at_us = ? WHERE id = ?");
  BindMutable(*q, 1, p);
  q->bind(9, static_cast<int64_t>(ToMicros(p.updated)));
  q->bind(10, p.id);
  q->exec();
}

bool InsertRevokedToken(platform::Tx& tx, const std::string& token_id,
                        const std::string& user_id, absl::Time expires) {
  CachedStatement q(tx,
                    "INSERT OR IGNORE INTO users_revoked_tokens(token_id, "
                    "user_id, expires_at_us) VALUES (?, ?, ?)");
  q->bind(1, token_id);
  q->bind(2, user_id);
  q->bind(3, static_cast<int64_t>(ToMicros(expires)));
  return q->exec() > 0;
}

std::vector<std::pair<std::string, absl::Time>> LoadRevokedTokens(
    platform::Tx& tx, absl::Time now) {
  SQLite::Statement prune(
      tx.db(), "DELETE FROM users_revoked_tokens WHERE expires_at_us <= ?");
  prune.bind(1, static_cast<int64_t>(ToMicros(now)));
  prune.exec();
  SQLite::Statement q(
      tx.db(), "SELECT token_id, expires_at_us FROM users_revoked_tokens");
  std::vector<std::pair<std::string, absl::Time>> out;
  while (q.executeStep()) {
    out.emplace_back(q.getColumn(0).getString(),
                     FromMicros(q.getColumn(1).getInt64()));
  }
  return out;
}

std::string LoadOrStoreSecret(platform::Tx& tx, const std::string& fresh,
                              absl::Time now) {
  SQLite::Statement insert(tx.db(),
                           "INSERT OR IGNORE INTO users_signing_keys(id, "
                           "secret, created_at_us) VALUES (1, ?, ?)");
  insert.bind(1, fresh.data(), static_cast<int>(fresh.size()));
  insert.bind(2, static_cast<int64_t>(ToMicros(now)));
  insert.exec();
  SQLite::Statement q(tx.db(),
                      "SELECT secret FROM users_signing_keys WHERE id = 1");
  q.executeStep();
  const SQLite::Column secret = q.getColumn(0);
  return std::string(static_cast<const char*>(secret.getBlob()),
                     secret.getBytes());
}

}  // namespace rentwave::users::store

// Tests for Users: registration, login, tokens, logout and profiles, on
// SQLite with the real migrations applied.
#include "modules/users/users.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <latch>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"
#include "modules/platform/event_log.h"
#include "modules/platform/migrations.h"
#include "modules/platform/scoped_temp_dir.h"
#include "modules/platform/test_database.h"

namespace rentwave::users {
namespace {

using platform::ScopedTempDir;

using platform::Caller;
using platform::Database;
using platform::EventLog;
using platform::ManualClock;
using platform::Tx;

constexpr char kPassword[] = "correct horse battery";
const LoginLimits kLimits{/*max_failures=*/3, /*window=*/absl::Minutes(5)};

UsersOptions TestOptions() {
  UsersOptions options;
  options.password_cost = PasswordCost::kMinimum;
  options.token_ttl = absl::Hours(1);
  options.login_limits = kLimits;
  return options;
}

// Every row of a query, its columns joined with '|'.
std::vector<std::string> Rows(Database& db, const std::string& sql) {
  std::vector<std::string> rows;
  absl::Status status = db.Read([&](Tx& tx) {
    SQLite::Statement q(tx.db(), sql);
    while (q.executeStep()) {
      std::vector<std::string> cells;
      for (int i = 0; i < q.getColumnCount(); ++i) {
        cells.push_back(q.getColumn(i).getString());
      }
      rows.push_back(absl::StrJoin(cells, "|"));
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return rows;
}

int64_t Count(Database& db, const std::string& table) {
  int64_t n = -1;
  absl::Status status = db.Read([&](Tx& tx) {
    SQLite::Statement q(tx.db(), "SELECT COUNT(*) FROM " + table);
    if (q.executeStep()) n = q.getColumn(0).getInt64();
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return n;
}

struct StoredEvent {
  std::string type, aggregate_id, actor_id;
  nlohmann::json payload;
  std::string raw_payload;
};

std::vector<StoredEvent> Events(Database& db) {
  std::vector<StoredEvent> events;
  absl::Status status = db.Read([&](Tx& tx) {
    SQLite::Statement q(tx.db(),
                        "SELECT type, aggregate_id, actor_id, payload FROM "
                        "events ORDER BY seq");
    while (q.executeStep()) {
      std::string raw = q.getColumn(3).getString();
      events.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(),
                        q.getColumn(2).getString(),
                        nlohmann::json::parse(raw, nullptr, false), raw});
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return events;
}

void ExpectInvalid(const absl::Status& status, absl::string_view field) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), absl::StrCat(field, ":")))
      << "message does not name " << field << ": " << status;
}

// One running "process": database, event log and users over one file.
struct Instance {
  std::unique_ptr<Database> db;
  std::unique_ptr<EventLog> events;
  std::unique_ptr<Users> users;
};

Instance Start(const std::string& path, const platform::Clock& clock,
               UsersOptions options = TestOptions()) {
  Instance in;
  in.db = platform::OpenMigratedForTest(path, clock);
  if (in.db == nullptr) return in;
  in.events = std::make_unique<EventLog>(*in.db, clock);
  auto users = Users::Create(*in.db, *in.events, clock, std::move(options));
  EXPECT_TRUE(users.ok()) << users.status();
  if (users.ok()) in.users = std::move(*users);
  return in;
}

class UsersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = platform::OpenMigratedForTest(":memory:", clock_);
    ASSERT_NE(db_, nullptr);
    events_ = std::make_unique<EventLog>(*db_, clock_);
    auto users = Users::Create(*db_, *events_, clock_, TestOptions());
    ASSERT_TRUE(users.ok()) << users.status();
    users_ = std::move(*users);
  }

  Profile MustRegister(const std::string& username,
                       const std::string& password = kPassword) {
    Registration r;
    r.username = username;
    r.password = password;
    auto profile = users_->Register(r);
    EXPECT_TRUE(profile.ok()) << profile.status();
    return profile.ok() ? *profile : Profile{};
  }

  AccessToken MustLogin(const std::string& username,
                        const std::string& password = kPassword) {
    auto token = users_->Login(username, password);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : AccessToken{};
  }

  // The whole users_accounts table and the events count, to show that a
  // refused call changed nothing.
  std::string Snapshot() {
    return absl::StrCat(
        absl::StrJoin(Rows(*db_, "SELECT * FROM users_accounts ORDER BY id"),
                      "\n"),
        "\nevents=", Count(*db_, "events"));
  }

  ManualClock clock_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<EventLog> events_;
  std::unique_ptr<Users> users_;
};

// --- Register ---

TEST_F(UsersTest, RegisterReturnsTheStoredProfile) {
  Registration r;
  r.username = "Alice_01";
  r.password = kPassword;
  r.display_name = "Alice Liddell";
  r.email = "alice@example.com";
  r.address = {"1 Rabbit Hole", "Flat 2", "Oxford", "Oxon", "OX1 1AA", "GB"};
  auto profile = users_->Register(r);
  ASSERT_TRUE(profile.ok()) << profile.status();
  EXPECT_EQ(profile->id.size(), 26u) << profile->id;
  EXPECT_EQ(profile->username, "alice_01");
  EXPECT_EQ(profile->display_name, "Alice Liddell");
  EXPECT_EQ(profile->email, "alice@example.com");
  EXPECT_EQ(profile->address, r.address);
  EXPECT_EQ(profile->created, clock_.Now());
  EXPECT_EQ(profile->updated, clock_.Now());

  auto stored = users_->GetProfile(profile->id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->id, profile->id);
  EXPECT_EQ(stored->username, "alice_01");
  EXPECT_EQ(stored->display_name, "Alice Liddell");
  EXPECT_EQ(stored->email, "alice@example.com");
  EXPECT_EQ(stored->address, r.address);
  EXPECT_EQ(stored->created, clock_.Now());
  EXPECT_EQ(stored->updated, clock_.Now());
}

TEST_F(UsersTest, RegisterAndUpdateReturnWhatIsStored) {
  // A real clock has sub-microsecond digits; storage keeps microseconds. The
  // profile a call returns must be the one GetProfile returns later (clients
  // compare create_time/update_time across calls).
  clock_.Set(absl::FromUnixNanos(int64_t{1700000000123456789}));
  Profile registered = MustRegister("alice");
  auto stored = users_->GetProfile(registered.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(registered.created, stored->created);
  EXPECT_EQ(registered.updated, stored->updated);

  clock_.Advance(absl::Nanoseconds(1000000789));
  ProfileChanges changes;
  changes.display_name = "Alice";
  auto updated = users_->UpdateProfile(registered.id, changes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  stored = users_->GetProfile(registered.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(updated->updated, stored->updated);
  EXPECT_EQ(updated->created, stored->created);
}

TEST_F(UsersTest, RegisterDefaultsDisplayNameToTheUsername) {
  Profile p = MustRegister("BoB");
  EXPECT_EQ(p.username, "bob");
  EXPECT_EQ(p.display_name, "bob");
  EXPECT_EQ(p.email, "");
  EXPECT_EQ(p.address, Address{});
  auto stored = users_->GetProfile(p.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->display_name, "bob");
}

TEST_F(UsersTest, RegisterGivesEachUserADistinctId) {
  Profile a = MustRegister("alice");
  Profile b = MustRegister("bob");
  EXPECT_NE(a.id, b.id);
  EXPECT_EQ(Count(*db_, "users_accounts"), 2);
}

TEST_F(UsersTest, RegisterRecordsOneUserRegisteredEvent) {
  Profile p = MustRegister("Alice");
  std::vector<StoredEvent> events = Events(*db_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "user.registered");
  EXPECT_EQ(events[0].aggregate_id, p.id);
  EXPECT_EQ(events[0].actor_id, p.id);
  ASSERT_TRUE(events[0].payload.is_object()) << events[0].raw_payload;
  EXPECT_EQ(events[0].payload.value("username", ""), "alice");
  EXPECT_FALSE(absl::StrContains(events[0].raw_payload, kPassword));
  EXPECT_FALSE(absl::StrContains(events[0].raw_payload, "password"));
  EXPECT_FALSE(absl::StrContains(events[0].raw_payload, "$argon2"));
}

TEST_F(UsersTest, RegisterStoresOnlyAnArgon2idHash) {
  Profile p = MustRegister("alice");
  std::vector<std::string> hashes =
      Rows(*db_, "SELECT password_hash FROM users_accounts WHERE id = '" +
                     p.id + "'");
  ASSERT_EQ(hashes.size(), 1u);
  EXPECT_TRUE(absl::StartsWith(hashes[0], "$argon2id$")) << hashes[0];
  EXPECT_FALSE(absl::StrContains(hashes[0], kPassword));
  // Not anywhere else either.
  for (const std::string& row : Rows(*db_, "SELECT * FROM users_accounts")) {
    EXPECT_FALSE(absl::StrContains(row, kPassword)) << row;
  }
  // Salted: the same password gives another hash.
  Profile q = MustRegister("bob");
  std::vector<std::string> other =
      Rows(*db_, "SELECT password_hash FROM users_accounts WHERE id = '" +
                     q.id + "'");
  ASSERT_EQ(other.size(), 1u);
  EXPECT_NE(hashes[0], other[0]);
}

TEST_F(UsersTest, RegisterRejectsATakenUsernameInAnyCase) {
  MustRegister("alice");
  std::string before = Snapshot();
  for (const char* taken : {"alice", "ALICE", "Alice", "aLiCe"}) {
    SCOPED_TRACE(taken);
    Registration r;
    r.username = taken;
    r.password = "another password";
    auto result = users_->Register(r);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists)
        << result.status();
    EXPECT_TRUE(absl::StartsWith(result.status().message(), "username:"))
        << result.status();
  }
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Count(*db_, "users_accounts"), 1);
  EXPECT_EQ(Count(*db_, "events"), 1);
  // The original password still works; the refused one does not.
  EXPECT_TRUE(users_->Login("alice", kPassword).ok());
  EXPECT_EQ(users_->Login("alice", "another password").status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(UsersTest, RegisterRejectsBadInputAndWritesNothing) {
  struct Case {
    const char* field;
    void (*mutate)(Registration&);
  };
  const Case cases[] = {
      {"username", [](Registration& r) { r.username = "ab"; }},
      {"username", [](Registration& r) { r.username = std::string(33, 'a'); }},
      {"username", [](Registration& r) { r.username = "bad name"; }},
      {"username", [](Registration& r) { r.username = "alice@example"; }},
      {"username", [](Registration& r) { r.username = ""; }},
      {"password", [](Registration& r) { r.password = "1234567"; }},
      {"password", [](Registration& r) { r.password = std::string(129, 'p'); }},
      {"password", [](Registration& r) { r.password = "password\xFF"; }},
      {"password", [](Registration& r) { r.password = ""; }},
      {"display_name", [](Registration& r) { r.display_name = "   "; }},
      {"display_name",
       [](Registration& r) { r.display_name = std::string(101, 'd'); }},
      {"display_name", [](Registration& r) { r.display_name = "Al\nice"; }},
      {"email", [](Registration& r) { r.email = "alice.example.com"; }},
      {"email", [](Registration& r) { r.email = "a@b@example.com"; }},
      {"email", [](Registration& r) { r.email = "alice@localhost"; }},
      {"address.country_code",
       [](Registration& r) { r.address.country_code = "gbr"; }},
      {"address.line1",
       [](Registration& r) { r.address.line1 = std::string(201, 'x'); }},
      {"address.city", [](Registration& r) { r.address.city = "Ox\x01"; }},
  };
  for (const Case& c : cases) {
    Registration r;
    r.username = "alice";
    r.password = kPassword;
    c.mutate(r);
    SCOPED_TRACE(absl::StrCat(c.field, ": username=", r.username,
                              " display_name=", r.display_name,
                              " email=", r.email));
    ExpectInvalid(users_->Register(r).status(), c.field);
    EXPECT_EQ(Count(*db_, "users_accounts"), 0);
    EXPECT_EQ(Count(*db_, "events"), 0);
  }
  // Nothing half-written blocks the name.
  EXPECT_EQ(MustRegister("alice").username, "alice");
}

// --- Login and Authenticate ---

TEST_F(UsersTest, LoginIssuesATokenThatAuthenticates) {
  Profile p = MustRegister("alice");
  clock_.Advance(absl::Minutes(3));
  auto token = users_->Login("alice", kPassword);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_FALSE(token->token.empty());
  EXPECT_EQ(token->user_id, p.id);
  EXPECT_EQ(token->expires, clock_.Now() + absl::Hours(1));
  EXPECT_FALSE(absl::StrContains(token->token, kPassword));

  auto caller = users_->Authenticate(token->token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->user_id, p.id);
  EXPECT_TRUE(caller->authenticated());
  EXPECT_FALSE(caller->token_id.empty());
  EXPECT_EQ(caller->token_expiry, token->expires);
  // Login writes nothing.
  EXPECT_EQ(Count(*db_, "events"), 1);
}

TEST_F(UsersTest, LoginFoldsUsernameCase) {
  Profile p = MustRegister("alice");
  AccessToken token = MustLogin("ALICE");
  EXPECT_EQ(token.user_id, p.id);
}

TEST_F(UsersTest, EachLoginGetsItsOwnToken) {
  MustRegister("alice");
  AccessToken a = MustLogin("alice");
  AccessToken b = MustLogin("alice");
  EXPECT_NE(a.token, b.token);
  auto ca = users_->Authenticate(a.token);
  auto cb = users_->Authenticate(b.token);
  ASSERT_TRUE(ca.ok() && cb.ok());
  EXPECT_NE(ca->token_id, cb->token_id);
}

TEST_F(UsersTest, WrongPasswordAndUnknownUserLookTheSame) {
  MustRegister("alice");
  auto wrong = users_->Login("alice", "not the password");
  auto unknown = users_->Login("nobody", kPassword);
  auto malformed = users_->Login("no body", kPassword);
  auto empty = users_->Login("alice", "");
  for (const auto* result : {&wrong, &unknown, &malformed, &empty}) {
    ASSERT_FALSE(result->ok());
    EXPECT_EQ(result->status().code(), absl::StatusCode::kUnauthenticated)
        << result->status();
    EXPECT_EQ(result->status().message(), wrong.status().message());
  }
  EXPECT_FALSE(absl::StrContains(wrong.status().message(), "alice"));
  EXPECT_FALSE(absl::StrContains(unknown.status().message(), "nobody"));
}

TEST_F(UsersTest, LoginLocksOutAfterMaxFailures) {
  MustRegister("alice");
  for (int i = 0; i < kLimits.max_failures; ++i) {
    EXPECT_EQ(users_->Login("alice", "wrong password").status().code(),
              absl::StatusCode::kUnauthenticated);
    clock_.Advance(absl::Seconds(10));
  }
  absl::Time last_failure = clock_.Now() - absl::Seconds(10);
  absl::Time first_failure = last_failure - absl::Seconds(20);
  auto blocked = users_->Login("alice", kPassword);
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kResourceExhausted)
      << blocked.status();
  // Case does not get around the limit.
  EXPECT_EQ(users_->Login("ALICE", kPassword).status().code(),
            absl::StatusCode::kResourceExhausted);
  // Attempts while blocked do not extend the block.
  clock_.Set(first_failure + kLimits.window - absl::Seconds(1));
  EXPECT_EQ(users_->Login("alice", "wrong password").status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(users_->Login("alice", kPassword).status().code(),
            absl::StatusCode::kResourceExhausted);
  clock_.Set(first_failure + kLimits.window);
  auto token = users_->Login("alice", kPassword);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(users_->Authenticate(token->token).ok());
}

TEST_F(UsersTest, LoginIsNotLockedOutBeforeMaxFailures) {
  MustRegister("alice");
  for (int i = 0; i < kLimits.max_failures - 1; ++i) {
    EXPECT_EQ(users_->Login("alice", "wrong password").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_TRUE(users_->Login("alice", kPassword).ok());
  // The success reset the count: as many failures again are still allowed.
  for (int i = 0; i < kLimits.max_failures - 1; ++i) {
    EXPECT_EQ(users_->Login("alice", "wrong password").status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  EXPECT_TRUE(users_->Login("alice", kPassword).ok());
}

TEST_F(UsersTest, LockoutIsPerUsernameAndCoversUnknownUsers) {
  MustRegister("alice");
  MustRegister("bob");
  for (int i = 0; i < kLimits.max_failures; ++i) {
    users_->Login("alice", "wrong password").IgnoreError();
    users_->Login("nobody", "wrong password").IgnoreError();
  }
  EXPECT_EQ(users_->Login("alice", kPassword).status().code(),
            absl::StatusCode::kResourceExhausted);
  // An unknown username is throttled the same way (no enumeration).
  EXPECT_EQ(users_->Login("nobody", kPassword).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(users_->Login("bob", kPassword).ok());
}

TEST_F(UsersTest, ConcurrentGuessesDoNotExceedTheLimit) {
  // Password checks are slow by design (Argon2id at the interactive cost
  // takes ~100 ms), so guesses that arrive together must not all be checked
  // before the first failure is counted: the limit is per username, not per
  // wave of parallel requests.
  UsersOptions options = TestOptions();
  options.password_cost = PasswordCost::kInteractive;
  options.login_limits = {/*max_failures=*/1, /*window=*/absl::Minutes(5)};
  auto slow = Users::Create(*db_, *events_, clock_, options);
  ASSERT_TRUE(slow.ok()) << slow.status();
  Registration r;
  r.username = "alice";
  r.password = kPassword;
  ASSERT_TRUE((*slow)->Register(r).ok());

  constexpr int kGuesses = 4;
  std::vector<absl::StatusCode> codes(kGuesses);
  std::latch start(kGuesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kGuesses; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      codes[i] = (*slow)
                     ->Login("alice", absl::StrCat("wrong guess ", i))
                     .status()
                     .code();
    });
  }
  for (std::thread& t : threads) t.join();
  int checked = 0;
  for (absl::StatusCode code : codes) {
    EXPECT_TRUE(code == absl::StatusCode::kUnauthenticated ||
                code == absl::StatusCode::kResourceExhausted)
        << code;
    if (code == absl::StatusCode::kUnauthenticated) ++checked;
  }
  EXPECT_EQ(checked, 1) << "passwords checked for " << checked
                        << " concurrent guesses with max_failures = 1";
  EXPECT_EQ((*slow)->Login("alice", kPassword).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST_F(UsersTest, TokensExpireAfterTheirTtl) {
  MustRegister("alice");
  AccessToken token = MustLogin("alice");
  clock_.Advance(absl::Hours(1) - absl::Seconds(1));
  EXPECT_TRUE(users_->Authenticate(token.token).ok());
  clock_.Advance(absl::Seconds(1));
  auto expired = users_->Authenticate(token.token);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kUnauthenticated)
      << expired.status();
  EXPECT_FALSE(absl::StrContains(expired.status().message(), token.token));
  // A fresh login works again.
  EXPECT_TRUE(users_->Authenticate(MustLogin("alice").token).ok());
}

TEST_F(UsersTest, AuthenticateRejectsGarbage) {
  for (const char* token : {"", "garbage", "a.b.c", "Bearer x"}) {
    SCOPED_TRACE(token);
    EXPECT_EQ(users_->Authenticate(token).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
}

// --- Administrators ---

TEST(UsersAdminTest, AdminsAreNamedUsersInAnyCase) {
  platform::ManualClock clock;
  UsersOptions options = TestOptions();
  options.admin_usernames = {"Alice"};
  Instance in = Start(":memory:", clock, options);
  ASSERT_NE(in.users, nullptr);
  Registration alice{"alice", kPassword}, bob{"bob", kPassword};
  auto a = in.users->Register(alice);
  auto b = in.users->Register(bob);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(in.users->IsAdmin(a->id).value_or(false), true);
  EXPECT_EQ(in.users->IsAdmin(b->id).value_or(true), false);
  EXPECT_EQ(in.users->IsAdmin("nobody").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(UsersAdminTest, AMalformedAdminUsernameIsRefusedAtStartup) {
  platform::ManualClock clock;
  auto db = platform::OpenMigratedForTest(":memory:", clock);
  ASSERT_NE(db, nullptr);
  EventLog events(*db, clock);
  UsersOptions options = TestOptions();
  options.admin_usernames = {"no spaces allowed"};
  auto users = Users::Create(*db, events, clock, options);
  EXPECT_EQ(users.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(users.status().message().find("no spaces allowed"),
            std::string::npos);
}

// --- Logout ---

TEST_F(UsersTest, LogoutRevokesOnlyThatToken) {
  Profile p = MustRegister("alice");
  AccessToken first = MustLogin("alice");
  AccessToken second = MustLogin("alice");
  auto caller = users_->Authenticate(first.token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  ASSERT_TRUE(users_->Logout(*caller).ok());
  auto revoked = users_->Authenticate(first.token);
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kUnauthenticated)
      << revoked.status();
  auto other = users_->Authenticate(second.token);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_EQ(other->user_id, p.id);
  EXPECT_EQ(Count(*db_, "users_revoked_tokens"), 1);
}

TEST_F(UsersTest, LogoutIsIdempotent) {
  MustRegister("alice");
  AccessToken token = MustLogin("alice");
  auto caller = users_->Authenticate(token.token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_TRUE(users_->Logout(*caller).ok());
  EXPECT_TRUE(users_->Logout(*caller).ok());
  EXPECT_TRUE(users_->Logout(*caller).ok());
  EXPECT_EQ(Count(*db_, "users_revoked_tokens"), 1);
  // One user.logged_out event, without the token or its id.
  int logged_out = 0;
  for (const StoredEvent& e : Events(*db_)) {
    if (e.type != "user.logged_out") continue;
    ++logged_out;
    EXPECT_EQ(e.aggregate_id, caller->user_id);
    EXPECT_EQ(e.raw_payload.find(caller->token_id), std::string::npos)
        << e.raw_payload;
  }
  EXPECT_EQ(logged_out, 1);
  EXPECT_EQ(users_->Authenticate(token.token).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(UsersRestartTest, RevocationSurvivesARestart) {
  ScopedTempDir dir;
  ASSERT_TRUE(dir.ok());
  ManualClock clock;
  std::string path = dir.File("users.db");
  std::string revoked_token, live_token;
  {
    Instance first = Start(path, clock);
    ASSERT_NE(first.users, nullptr);
    Registration r;
    r.username = "alice";
    r.password = kPassword;
    ASSERT_TRUE(first.users->Register(r).ok());
    auto a = first.users->Login("alice", kPassword);
    auto b = first.users->Login("alice", kPassword);
    ASSERT_TRUE(a.ok() && b.ok());
    revoked_token = a->token;
    live_token = b->token;
    auto caller = first.users->Authenticate(revoked_token);
    ASSERT_TRUE(caller.ok()) << caller.status();
    ASSERT_TRUE(first.users->Logout(*caller).ok());
  }
  clock.Advance(absl::Minutes(1));
  Instance second = Start(path, clock);
  ASSERT_NE(second.users, nullptr);
  EXPECT_EQ(second.users->Authenticate(revoked_token).status().code(),
            absl::StatusCode::kUnauthenticated);
  // Not because the key changed: the other token is still good.
  EXPECT_TRUE(second.users->Authenticate(live_token).ok());
}

TEST(UsersRestartTest, GeneratedSecretPersists) {
  ScopedTempDir dir;
  ASSERT_TRUE(dir.ok());
  ManualClock clock;
  std::string path = dir.File("users.db");
  std::string token, user_id;
  {
    Instance first = Start(path, clock);
    ASSERT_NE(first.users, nullptr);
    Registration r;
    r.username = "alice";
    r.password = kPassword;
    auto profile = first.users->Register(r);
    ASSERT_TRUE(profile.ok()) << profile.status();
    user_id = profile->id;
    auto login = first.users->Login("alice", kPassword);
    ASSERT_TRUE(login.ok()) << login.status();
    token = login->token;
    std::vector<std::string> keys =
        Rows(*first.db, "SELECT length(secret) FROM users_signing_keys");
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_GE(std::stoi(keys[0]), 32);
  }
  Instance second = Start(path, clock);
  ASSERT_NE(second.users, nullptr);
  auto caller = second.users->Authenticate(token);
  ASSERT_TRUE(caller.ok()) << caller.status();
  EXPECT_EQ(caller->user_id, user_id);
  // Still one key: the second start reused it.
  EXPECT_EQ(Count(*second.db, "users_signing_keys"), 1);
}

TEST_F(UsersTest, ConfiguredSecretIsUsed) {
  MustRegister("alice");
  UsersOptions a_options = TestOptions();
  a_options.token_secret = std::string(32, 'a');
  UsersOptions b_options = TestOptions();
  b_options.token_secret = std::string(40, 'b');
  auto a = Users::Create(*db_, *events_, clock_, a_options);
  auto a_again = Users::Create(*db_, *events_, clock_, a_options);
  auto b = Users::Create(*db_, *events_, clock_, b_options);
  ASSERT_TRUE(a.ok() && a_again.ok() && b.ok());

  auto token = (*a)->Login("alice", kPassword);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE((*a)->Authenticate(token->token).ok());
  EXPECT_TRUE((*a_again)->Authenticate(token->token).ok());
  EXPECT_EQ((*b)->Authenticate(token->token).status().code(),
            absl::StatusCode::kUnauthenticated);
  // The generated (stored) secret is not the configured one, either way.
  EXPECT_EQ(users_->Authenticate(token->token).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*a)->Authenticate(MustLogin("alice").token).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// --- Profiles ---

TEST_F(UsersTest, GetProfileOfUnknownUserIsNotFound) {
  MustRegister("alice");
  EXPECT_EQ(users_->GetProfile("01HNOSUCHUSER0000000000000").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(users_->GetProfile("").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(users_->GetProfile("alice").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(UsersTest, UpdateProfileChangesOnlyTheGivenFields) {
  Registration r;
  r.username = "alice";
  r.password = kPassword;
  r.email = "alice@example.com";
  r.address = {"1 Rabbit Hole", "", "Oxford", "", "OX1 1AA", "GB"};
  auto registered = users_->Register(r);
  ASSERT_TRUE(registered.ok()) << registered.status();
  absl::Time created = clock_.Now();
  clock_.Advance(absl::Minutes(7));

  ProfileChanges changes;
  changes.display_name = "Alice L.";
  auto updated = users_->UpdateProfile(registered->id, changes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name, "Alice L.");
  EXPECT_EQ(updated->email, "alice@example.com");
  EXPECT_EQ(updated->address, r.address);
  EXPECT_EQ(updated->username, "alice");
  EXPECT_EQ(updated->created, created);
  EXPECT_EQ(updated->updated, clock_.Now());

  auto stored = users_->GetProfile(registered->id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->display_name, "Alice L.");
  EXPECT_EQ(stored->email, "alice@example.com");
  EXPECT_EQ(stored->address, r.address);
  EXPECT_EQ(stored->created, created);
  EXPECT_EQ(stored->updated, clock_.Now());

  std::vector<StoredEvent> events = Events(*db_);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "user.updated");
  EXPECT_EQ(events[1].aggregate_id, registered->id);
  EXPECT_EQ(events[1].actor_id, registered->id);
  EXPECT_EQ(events[1].payload["fields"],
            nlohmann::json::array({"display_name"}))
      << events[1].raw_payload;
  // The password still works: the update did not touch the hash.
  EXPECT_TRUE(users_->Login("alice", kPassword).ok());
}

TEST_F(UsersTest, UpdateProfileChangesEmailAndAddressAndClearsEmail) {
  Profile p = MustRegister("alice");
  clock_.Advance(absl::Seconds(30));
  ProfileChanges changes;
  changes.email = "new@example.org";
  changes.address =
      Address{"2 Main St", "", "Springfield", "OR", "97477", "US"};
  auto updated = users_->UpdateProfile(p.id, changes);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->display_name, "alice");
  EXPECT_EQ(updated->email, "new@example.org");
  EXPECT_EQ(updated->address, *changes.address);
  std::vector<StoredEvent> events = Events(*db_);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].payload["fields"],
            nlohmann::json::array({"email", "address"}))
      << events[1].raw_payload;

  clock_.Advance(absl::Seconds(30));
  ProfileChanges clear;
  clear.email = "";
  updated = users_->UpdateProfile(p.id, clear);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ(updated->email, "");
  EXPECT_EQ(updated->address, *changes.address);
  auto stored = users_->GetProfile(p.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->email, "");
  EXPECT_EQ(stored->address, *changes.address);
  EXPECT_EQ(stored->updated, clock_.Now());
  events = Events(*db_);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].payload["fields"], nlohmann::json::array({"email"}))
      << events[2].raw_payload;
}

TEST_F(UsersTest, UpdateProfileRejectsBadValuesAndChangesNothing) {
  Profile p = MustRegister("alice");
  clock_.Advance(absl::Minutes(1));
  std::string before = Snapshot();
  auto address = [](std::string Address::*member, std::string value) {
    Address a{"1 Main St", "", "Springfield", "", "97477", "US"};
    a.*member = std::move(value);
    return a;
  };
  struct Case {
    const char* field;
    ProfileChanges changes;
  };
  std::vector<Case> cases(10);
  cases[0] = {"display_name", {}};
  cases[0].changes.display_name = "";
  cases[1] = {"display_name", {}};
  cases[1].changes.display_name = "  ";
  cases[2] = {"display_name", {}};
  cases[2].changes.display_name = std::string(101, 'd');
  cases[3] = {"display_name", {}};
  cases[3].changes.display_name = "a\tb";
  cases[4] = {"email", {}};
  cases[4].changes.email = "nope";
  cases[5] = {"email", {}};
  cases[5].changes.email = "a b@example.com";
  cases[6] = {"address.country_code", {}};
  cases[6].changes.address = address(&Address::country_code, "usa");
  cases[7] = {"address.line2", {}};
  cases[7].changes.address = address(&Address::line2, std::string(201, 'x'));
  // A valid change alongside a bad one is not applied either.
  cases[8] = {"email", {}};
  cases[8].changes.display_name = "Fine Name";
  cases[8].changes.email = "a@b@example.com";
  cases[9] = {"address.city", {}};
  cases[9].changes.display_name = "Fine Name";
  cases[9].changes.email = "fine@example.com";
  cases[9].changes.address = address(&Address::city, "bad\x7F");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    ExpectInvalid(users_->UpdateProfile(p.id, c.changes).status(), c.field);
    EXPECT_EQ(Snapshot(), before);
  }
  auto stored = users_->GetProfile(p.id);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->display_name, "alice");
  EXPECT_EQ(stored->updated, p.updated);
}

TEST_F(UsersTest, UpdateProfileOfUnknownUserIsNotFound) {
  MustRegister("alice");
  std::string before = Snapshot();
  ProfileChanges changes;
  changes.display_name = "Ghost";
  auto result = users_->UpdateProfile("01HNOSUCHUSER0000000000000", changes);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound)
      << result.status();
  EXPECT_EQ(Snapshot(), before);
}

}  // namespace
}  // namespace rentwave::users

// Tests for ApplyMigrations and the embedded migration list.
#include "modules/platform/migrations.h"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "modules/platform/clock.h"
#include "modules/platform/db.h"

namespace rentwave::platform {
namespace {

using MigrationRow = std::tuple<int64_t, std::string, int64_t>;

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DatabaseOptions options;
    options.path = ":memory:";
    auto db = Database::Open(options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
  }

  // (version, name, applied_at_us) in version order.
  std::vector<MigrationRow> Recorded() {
    std::vector<MigrationRow> rows;
    absl::Status status = db_->Read([&](Tx& tx) {
      SQLite::Statement q(tx.db(),
                          "SELECT version, name, applied_at_us "
                          "FROM schema_migrations ORDER BY version");
      while (q.executeStep()) {
        rows.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString(),
                          q.getColumn(2).getInt64());
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return rows;
  }

  bool HasObject(const std::string& type, const std::string& name) {
    bool found = false;
    absl::Status status = db_->Read([&](Tx& tx) {
      SQLite::Statement q(
          tx.db(), "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?");
      q.bind(1, type);
      q.bind(2, name);
      found = q.executeStep();
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return found;
  }

  ManualClock clock_;
  std::unique_ptr<Database> db_;
};

TEST_F(MigrationsTest, EmbeddedMigrationsCreateTheSchemaAndRecordVersions) {
  ASSERT_TRUE(ApplyMigrations(*db_, EmbeddedMigrations(), clock_).ok());

  // Platform's own tables; other modules' tables are their tests' business.
  for (const char* table : {"events", "event_cursors", "schema_migrations"}) {
    EXPECT_TRUE(HasObject("table", table)) << table;
  }
  EXPECT_TRUE(HasObject("trigger", "events_no_update"));
  EXPECT_TRUE(HasObject("trigger", "events_no_delete"));
  EXPECT_TRUE(HasObject("index", "events_by_type"));
  EXPECT_FALSE(HasObject("index", "events_by_aggregate"));  // dropped by 0008

  std::vector<MigrationRow> want;
  for (const Migration& m : EmbeddedMigrations()) {
    want.emplace_back(m.version, std::string(m.name), ToMicros(clock_.Now()));
  }
  EXPECT_EQ(Recorded(), want);
}

TEST_F(MigrationsTest, SecondRunIsANoOp) {
  ASSERT_TRUE(ApplyMigrations(*db_, EmbeddedMigrations(), clock_).ok());
  std::vector<MigrationRow> first = Recorded();
  ASSERT_EQ(first.size(), EmbeddedMigrations().size());

  // Data written in between survives; a re-applied script would fail on its
  // CREATE TABLE or re-record versions with the new time.
  absl::Status status = db_->Write([](Tx& tx) {
    tx.db().exec(
        "INSERT INTO events(type, aggregate_id, created_at_us) "
        "VALUES ('test.happened', 'x', 1)");
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  clock_.Advance(absl::Hours(1));

  status = ApplyMigrations(*db_, EmbeddedMigrations(), clock_);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Recorded(), first);
  int64_t events = -1;
  ASSERT_TRUE(
      db_->Read([&](Tx& tx) {
           events =
               tx.db().execAndGet("SELECT COUNT(*) FROM events").getInt64();
           return absl::OkStatus();
         })
          .ok());
  EXPECT_EQ(events, 1);
}

TEST_F(MigrationsTest, OnlyMissingMigrationsAreApplied) {
  const std::vector<Migration> v1 = {
      {1, "test__one", "CREATE TABLE test_one (x INTEGER);"}};
  ASSERT_TRUE(ApplyMigrations(*db_, v1, clock_).ok());
  clock_.Advance(absl::Seconds(10));
  const std::vector<Migration> v2 = {
      v1[0], {2, "test__two", "CREATE TABLE test_two (x INTEGER);"}};
  absl::Status status = ApplyMigrations(*db_, v2, clock_);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(HasObject("table", "test_two"));
  std::vector<MigrationRow> rows = Recorded();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(std::get<0>(rows[1]), 2);
  // Version 1 keeps its original time; version 2 has the later one.
  EXPECT_LT(std::get<2>(rows[0]), std::get<2>(rows[1]));
  EXPECT_EQ(std::get<2>(rows[1]), ToMicros(clock_.Now()));
}

TEST_F(MigrationsTest, NewerDatabaseIsRefused) {
  ASSERT_TRUE(ApplyMigrations(*db_, EmbeddedMigrations(), clock_).ok());
  int future = EmbeddedMigrations().back().version + 1;
  absl::Status status = db_->Write([&](Tx& tx) {
    SQLite::Statement insert(tx.db(),
                             "INSERT INTO schema_migrations(version, name, "
                             "applied_at_us) VALUES (?, 'future__thing', 0)");
    insert.bind(1, future);
    insert.exec();
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  std::vector<MigrationRow> before = Recorded();

  status = ApplyMigrations(*db_, EmbeddedMigrations(), clock_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "newer")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), std::to_string(future)))
      << status;
  EXPECT_EQ(Recorded(), before);
}

TEST_F(MigrationsTest, MigratedDatabaseIsRefusedByABinaryWithoutMigrations) {
  ASSERT_TRUE(ApplyMigrations(*db_, EmbeddedMigrations(), clock_).ok());
  absl::Status status = ApplyMigrations(*db_, {}, clock_);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
}

TEST_F(MigrationsTest, FailingScriptStopsAndLeavesNothingOfIt) {
  const std::vector<Migration> broken = {
      {1, "test__first", "CREATE TABLE test_first (x INTEGER);"},
      // The first statement succeeds, the second is not SQL.
      {2, "test__broken",
       "CREATE TABLE test_second (x INTEGER); THIS IS NOT SQL;"},
      {3, "test__third", "CREATE TABLE test_third (x INTEGER);"},
  };
  absl::Status status = ApplyMigrations(*db_, broken, clock_);
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(absl::StrContains(status.message(), "test__broken")) << status;

  EXPECT_TRUE(HasObject("table", "test_first"));
  EXPECT_FALSE(HasObject("table", "test_second"));
  EXPECT_FALSE(HasObject("table", "test_third"));
  std::vector<MigrationRow> rows = Recorded();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(std::get<0>(rows[0]), 1);

  // A fixed binary continues from where the broken one stopped.
  std::vector<Migration> fixed = broken;
  fixed[1].sql = "CREATE TABLE test_second (x INTEGER);";
  status = ApplyMigrations(*db_, fixed, clock_);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_TRUE(HasObject("table", "test_second"));
  EXPECT_TRUE(HasObject("table", "test_third"));
  EXPECT_EQ(Recorded().size(), 3u);
}

TEST(EmbeddedMigrationsTest, VersionsStrictlyIncreaseAndNamesAreWellFormed) {
  const std::vector<Migration>& all = EmbeddedMigrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().version, 1);
  EXPECT_EQ(all.front().name, "platform__events");
  const std::regex name_re("[a-z0-9_]+__[a-z0-9_]+");
  int previous = 0;
  for (const Migration& m : all) {
    EXPECT_GT(m.version, previous) << m.name;
    previous = m.version;
    EXPECT_TRUE(std::regex_match(std::string(m.name), name_re)) << m.name;
    EXPECT_FALSE(m.sql.empty()) << m.name;
  }
}

}  // namespace
}  // namespace rentwave::platform

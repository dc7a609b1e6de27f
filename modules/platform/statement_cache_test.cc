#include "modules/platform/statement_cache.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>

namespace rentwave::platform {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<SQLite::Database>(
        ":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db_->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)");
    db_->exec("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  }

  // True if any statement of the connection is mid-step.
  bool AnyBusy() const {
    for (sqlite3_stmt* s = sqlite3_next_stmt(db_->getHandle(), nullptr);
         s != nullptr; s = sqlite3_next_stmt(db_->getHandle(), s)) {
      if (sqlite3_stmt_busy(s)) return true;
    }
    return false;
  }

  std::unique_ptr<SQLite::Database> db_;
  StatementCache cache_;  // destroyed before db_ closes
};

constexpr char kById[] = "SELECT name FROM t WHERE id = ?";

TEST_F(StatementCacheTest, ReusesTheStatementWithNewBindings) {
  const SQLite::Statement* first = nullptr;
  {
    CachedStatement q(*db_, cache_, kById);
    first = &*q;
    q->bind(1, 1);
    ASSERT_TRUE(q->executeStep());
    EXPECT_EQ(q->getColumn(0).getString(), "one");
  }
  {
    CachedStatement q(*db_, cache_, kById);
    EXPECT_EQ(&*q, first);
    q->bind(1, 2);
    ASSERT_TRUE(q->executeStep());
    EXPECT_EQ(q->getColumn(0).getString(), "two");
  }
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(StatementCacheTest, ReturnedStatementIsResetAndUnbound) {
  {
    CachedStatement q(*db_, cache_,
                      "SELECT name FROM t WHERE id >= ? ORDER BY id");
    q->bind(1, 1);
    ASSERT_TRUE(q->executeStep());  // more rows left unread
    EXPECT_TRUE(AnyBusy());
  }
  EXPECT_FALSE(AnyBusy());  // no read left open on the snapshot
  CachedStatement q(*db_, cache_,
                    "SELECT name FROM t WHERE id >= ? ORDER BY id");
  EXPECT_FALSE(q->executeStep());  // the parameter is NULL again
}

TEST_F(StatementCacheTest, NestedUseOfTheSameSqlGetsItsOwnStatement) {
  CachedStatement outer(*db_, cache_, kById);
  outer->bind(1, 1);
  ASSERT_TRUE(outer->executeStep());
  {
    CachedStatement inner(*db_, cache_, kById);
    EXPECT_NE(&*inner, &*outer);
    inner->bind(1, 3);
    ASSERT_TRUE(inner->executeStep());
    EXPECT_EQ(inner->getColumn(0).getString(), "three");
  }
  EXPECT_EQ(outer->getColumn(0).getString(), "one");
  EXPECT_EQ(cache_.size(), 1u);
}

TEST_F(StatementCacheTest, ResetAfterAFailedStep) {
  {
    CachedStatement insert(*db_, cache_, "INSERT INTO t VALUES (?, ?)");
    insert->bind(1, 1);  // taken
    insert->bind(2, "dup");
    EXPECT_THROW(insert->exec(), SQLite::Exception);
  }
  CachedStatement insert(*db_, cache_, "INSERT INTO t VALUES (?, ?)");
  insert->bind(1, 4);
  insert->bind(2, "four");
  EXPECT_EQ(insert->exec(), 1);
}

TEST_F(StatementCacheTest, BadSqlThrowsAndCachesNothing) {
  EXPECT_THROW(CachedStatement(*db_, cache_, "SELEC nonsense"),
               SQLite::Exception);
  EXPECT_EQ(cache_.size(), 0u);
}

TEST(DatabaseStatementsTest, EachConnectionHasItsCacheThroughTx) {
  auto db = Database::Open({.path = ":memory:"});
  ASSERT_TRUE(db.ok()) << db.status();
  const SQLite::Statement* first = nullptr;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE((*db)
                    ->Write([&](Tx& tx) {
                      CachedStatement q(tx, "SELECT ?");
                      if (first == nullptr) first = &*q;
                      EXPECT_EQ(&*q, first);  // the same statement again
                      q->bind(1, i);
                      EXPECT_TRUE(q->executeStep());
                      EXPECT_EQ(q->getColumn(0).getInt(), i);
                      return absl::OkStatus();
                    })
                    .ok());
  }
}

}  // namespace
}  // namespace rentwave::platform

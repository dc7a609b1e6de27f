#include "tests/boundaries/boundaries.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace rentwave::boundaries {
namespace {

namespace fs = std::filesystem;

std::vector<SourceFile> Read(const fs::path& root, const std::string& dir,
                             const std::vector<std::string>& extensions) {
  std::vector<SourceFile> files;
  for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
    std::string ext = entry.path().extension().string();
    if (!entry.is_regular_file() ||
        std::find(extensions.begin(), extensions.end(), ext) ==
            extensions.end()) {
      continue;
    }
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    files.push_back({fs::relative(entry.path(), root).string(), text.str()});
  }
  return files;
}

std::vector<SourceFile> Migrations() {
  return {{"migrations/0001_platform__events.sql",
           "CREATE TABLE events (seq INTEGER);"},
          {"migrations/0002_users__accounts.sql",
           "CREATE TABLE users_accounts (id TEXT PRIMARY KEY);"},
          {"migrations/0003_wallet__accounts.sql",
           "CREATE TABLE IF NOT EXISTS wallet_accounts (id TEXT);\n"
           "CREATE VIRTUAL TABLE wallet_search USING fts5(memo);"}};
}

TEST(BoundariesTest, TheRepositoryFollowsTheRules) {
  fs::path root = RENTWAVE_SOURCE_DIR;
  std::vector<SourceFile> sources = Read(root, "modules", {".h", ".cc"});
  std::vector<SourceFile> app = Read(root, "app", {".h", ".cc"});
  sources.insert(sources.end(), app.begin(), app.end());
  std::vector<SourceFile> migrations = Read(root, "migrations", {".sql"});
  ASSERT_GT(sources.size(), 10u);  // the scan found the tree
  ASSERT_GE(migrations.size(), 2u);
  std::vector<std::string> errors;
  std::map<std::string, std::string> owners = TableOwners(migrations, &errors);
  EXPECT_EQ(owners.at("users_accounts"), "users");
  EXPECT_EQ(owners.at("listings_search"), "listings");  // a virtual table
  for (const std::string& e : Check(sources, migrations)) ADD_FAILURE() << e;
}

TEST(BoundariesTest, CleanSourcesPass) {
  std::vector<SourceFile> sources = {
      {"modules/wallet/wallet.cc",
       "#include \"modules/users/users.h\"\n"
       "#include \"modules/platform/db.h\"\n"
       "#include \"modules/wallet/wallet_store.h\"\n"},
      {"modules/wallet/wallet_store.cc", "SELECT * FROM wallet_accounts"},
      {"app/server.cc", "#include \"modules/users/users_grpc.h\"\n"}};
  EXPECT_TRUE(Check(sources, Migrations()).empty());
}

TEST(BoundariesTest, FlagsPrivateHeaderIncludes) {
  std::vector<SourceFile> sources = {
      {"modules/wallet/wallet.cc",
       "#include \"modules/users/users_store.h\"\n"},
      {"modules/wallet/wallet_grpc.cc",
       "#include \"modules/users/users_grpc.h\"\n"}};
  EXPECT_EQ(Check(sources, Migrations()).size(), 2u);
}

TEST(BoundariesTest, FlagsForeignTableNames) {
  std::vector<SourceFile> sources = {{"modules/wallet/wallet_store.cc",
                                      "SELECT username FROM users_accounts"}};
  auto errors = Check(sources, Migrations());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("users's table users_accounts"), std::string::npos);
}

TEST(BoundariesTest, FlagsSqlOutsideStoreFiles) {
  std::vector<SourceFile> sources = {
      {"modules/wallet/wallet.cc", "DELETE FROM wallet_accounts"},
      {"modules/users/users_store.cc", "SELECT * FROM wallet_search"}};
  auto errors = Check(sources, Migrations());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[1].find("wallet's table wallet_search"), std::string::npos);
  EXPECT_NE(errors[0].find("outside the module's *_store.cc"),
            std::string::npos);
}

TEST(BoundariesTest, FlagsUnprefixedTablesAndCrossModuleForeignKeys) {
  std::vector<SourceFile> migrations = Migrations();
  migrations.push_back({"migrations/0004_wallet__holds.sql",
                        "CREATE TABLE holds (user_id TEXT REFERENCES "
                        "users_accounts(id));"});
  auto errors = Check({}, migrations);
  ASSERT_EQ(errors.size(), 2u);
}

}  // namespace
}  // namespace rentwave::boundaries

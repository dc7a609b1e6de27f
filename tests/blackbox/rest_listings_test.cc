// Every REST route of rentwave.v1.Listings over real HTTP: the lifecycle,
// search with query parameters and page tokens, and the errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/blackbox/rest_client.h"
#include "tests/blackbox/rest_fixture.h"

namespace rentwave::blackbox {
namespace {

using Json = nlohmann::json;

Json Scooter(const std::string& title, int64_t price_minor) {
  return {{"kind", "LISTING_KIND_VEHICLE"},
          {"title", title},
          {"description", "Electric, 25 km/h."},
          {"price",
           {{"amountMinor", std::to_string(price_minor)}, {"currency", "EUR"}}},
          {"billingPeriod", "BILLING_PERIOD_MINUTE"},
          {"maxDuration", "7200s"},
          {"vehicle",
           {{"vehicleType", "VEHICLE_TYPE_SCOOTER"},
            {"make", "Xiaomi"},
            {"model", "Pro 2"},
            {"seats", 1}}}};
}

class BlackboxRestListings : public RestServerTest {
 protected:
  void SetUp() override {
    RestServerTest::SetUp();
    if (HasFatalFailure()) return;
    alice_ = AuthHeaders(rest().SignUp("alice", &alice_id_));
    bob_ = AuthHeaders(rest().SignUp("bob"));
  }
  Json Create(const Json& listing) {
    RestResponse r = rest().Post("/v1/listings", listing, alice_);
    EXPECT_EQ(r.status, 200) << r.Describe();
    return r.json;
  }

  httplib::Headers alice_, bob_;
  std::string alice_id_;
};

TEST_F(BlackboxRestListings, Lifecycle) {
  Json created = Create(Scooter("City scooter", 25));
  const std::string id = created.value("id", "");
  ASSERT_EQ(id.size(), 26u) << created;
  EXPECT_EQ(created.value("ownerId", ""), alice_id_);
  EXPECT_EQ(created["price"].value("amountMinor", ""), "25");  // int64: string
  EXPECT_EQ(created.value("billingPeriod", ""), "BILLING_PERIOD_MINUTE");
  EXPECT_EQ(created.value("maxDuration", ""), "7200s");
  EXPECT_EQ(created["vehicle"].value("vehicleType", ""),
            "VEHICLE_TYPE_SCOOTER");
  EXPECT_EQ(created.value("version", ""), "1");

  RestResponse got = rest().Get("/v1/listings/" + id);  // public
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.json.value("title", ""), "City scooter");

  // PATCH with the mask in the query, the listing as the body.
  RestResponse patched =
      rest().Patch("/v1/listings/" + id + "?updateMask=title,price",
                   {{"title", "Fast scooter"},
                    {"version", "1"},
                    {"price", {{"amountMinor", "30"}, {"currency", "EUR"}}}},
                   alice_);
  ASSERT_EQ(patched.status, 200) << patched.Describe();
  EXPECT_EQ(patched.json.value("title", ""), "Fast scooter");
  EXPECT_EQ(patched.json.value("version", ""), "2");
  EXPECT_TRUE(
      IsRpcStatus(rest().Patch("/v1/listings/" + id + "?updateMask=title",
                               {{"title", "x"}, {"version", "1"}}, alice_),
                  409, 10, "stale"));
  EXPECT_TRUE(
      IsRpcStatus(rest().Patch("/v1/listings/" + id + "?updateMask=title",
                               {{"title", "Mine now"}}, bob_),
                  403, 7));

  RestResponse off = rest().Post("/v1/listings/" + id + ":setActive",
                                 {{"active", false}}, alice_);
  ASSERT_EQ(off.status, 200) << off.Describe();
  EXPECT_FALSE(off.json.value("active", false));  // proto3 JSON omits false
  EXPECT_EQ(off.json.value("version", ""), "3");

  RestResponse mine = rest().Get("/v1/users/me/listings", alice_);
  ASSERT_EQ(mine.status, 200) << mine.Describe();
  ASSERT_EQ(mine.json["listings"].size(), 1u) << mine.body;

  RestResponse deleted =
      rest().Send("DELETE", "/v1/listings/" + id, "", "", alice_);
  ASSERT_EQ(deleted.status, 200) << deleted.Describe();
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/listings/" + id, bob_), 404, 5));
  EXPECT_TRUE(
      IsRpcStatus(rest().Post("/v1/listings", Scooter("x", 1)), 401, 16));
}

TEST_F(BlackboxRestListings, BookCatalogue) {
  Json book = {{"kind", "LISTING_KIND_BOOK"},
               {"title", "Dune"},
               {"price", {{"amountMinor", "150"}, {"currency", "EUR"}}},
               {"billingPeriod", "BILLING_PERIOD_DAY"},
               {"maxDuration", "1209600s"},
               {"book",
                {{"isbn", "0-441-17271-7"},
                 {"title", "Dune"},
                 {"author", "Frank Herbert"}}}};
  Json created = Create(book);
  EXPECT_EQ(created["book"].value("isbn", ""), "9780441172719");
  RestResponse got = rest().Get("/v1/books/0441172717");
  ASSERT_EQ(got.status, 200) << got.Describe();
  EXPECT_EQ(got.json["book"].value("author", ""), "Frank Herbert");
  EXPECT_EQ(got.json["listings"].size(), 1u);
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/books/0441172718"), 400, 3, "isbn"));
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/books/9780306406157"), 404, 5));
}

TEST_F(BlackboxRestListings, SearchWithQueryParametersAndPageTokens) {
  std::set<std::string> wanted;
  for (int i = 0; i < 7; ++i) {
    Json l = Create(Scooter(absl::StrCat("Electric scooter ", i), 10 + i));
    if (10 + i >= 12) wanted.insert(l.value("id", ""));
  }
  Create(Scooter("Kick bike", 13));
  std::set<std::string> seen;
  std::string target =
      "/v1/listings?query=electr%20scoo&kind=LISTING_KIND_VEHICLE"
      "&vehicleType=VEHICLE_TYPE_SCOOTER&price.minMinor=12"
      "&orderBy=SEARCH_ORDER_PRICE_DESCENDING&pageSize=2";
  std::string token;
  int pages = 0;
  do {
    RestResponse r = rest().Get(
        token.empty() ? target : absl::StrCat(target, "&pageToken=", token));
    ASSERT_EQ(r.status, 200) << r.Describe();
    int64_t last_price = INT64_MAX;
    for (const Json& l : r.json.value("listings", Json::array())) {
      EXPECT_TRUE(seen.insert(l.value("id", "")).second) << "duplicate";
      int64_t price = std::stoll(l["price"].value("amountMinor", "0"));
      EXPECT_LE(price, last_price);
      last_price = price;
    }
    token = r.json.value("nextPageToken", "");
    ++pages;
  } while (!token.empty() && pages < 20);
  EXPECT_EQ(seen, wanted);
  EXPECT_EQ(pages, 3);

  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/listings?pageSize=500"), 400, 3,
                          "page_size"));
  EXPECT_TRUE(
      IsRpcStatus(rest().Get("/v1/listings?colour=red"), 400, 3, "colour"));
  EXPECT_TRUE(IsRpcStatus(rest().Get("/v1/listings?pageToken=bm9wZQ"), 400, 3,
                          "page_token"));
  EXPECT_TRUE(
      IsRpcStatus(rest().Get("/v1/listings?availableFrom=2030-01-01T00:00:00Z"),
                  400, 3, "available"));
}

}  // namespace
}  // namespace rentwave::blackbox

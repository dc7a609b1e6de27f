// The authorization matrix: every RPC of every rentwave.v1 service (found
// from the descriptors of proto/rentwave/v1/*.proto, so a new RPC without a
// row fails), called against the real binary by five callers — anonymous,
// another user, the owner of the listing, its renter and an administrator —
// each in a fresh world (a listing with an active rental, a book with a
// booked one, money in the wallets), with the status each must get.
#include <dirent.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "rentwave/v1/dev_clock.pb.h"
#include "rentwave/v1/events.pb.h"
#include "rentwave/v1/listings.grpc.pb.h"
#include "rentwave/v1/notifications.pb.h"
#include "rentwave/v1/rentals.grpc.pb.h"
#include "rentwave/v1/wallet.grpc.pb.h"
#include "tests/blackbox/server_process.h"
#include "tests/blackbox/users_client.h"

namespace rentwave::blackbox {
namespace {

using grpc::StatusCode;
constexpr StatusCode OK = StatusCode::OK;
constexpr StatusCode UNAUTH = StatusCode::UNAUTHENTICATED;
constexpr StatusCode DENIED = StatusCode::PERMISSION_DENIED;
constexpr StatusCode NOT_FOUND = StatusCode::NOT_FOUND;
constexpr StatusCode PRECONDITION = StatusCode::FAILED_PRECONDITION;
constexpr StatusCode INVALID = StatusCode::INVALID_ARGUMENT;

enum Persona { kAnonymous, kOther, kOwner, kRenter, kAdmin, kPersonas };
constexpr const char* kPersonaNames[] = {"anonymous", "other", "owner",
                                         "renter", "admin"};

// A request (text format, with $-placeholders for the world's ids) and the
// status each persona gets.
struct Row {
  std::string request;
  StatusCode expected[kPersonas];
};

const char kBike[] = R"(kind: LISTING_KIND_VEHICLE title: "Bike"
  price { amount_minor: 300 currency: "USD" } billing_period: BILLING_PERIOD_HOUR
  max_duration { seconds: 259200 } deposit { amount_minor: 1000 currency: "USD" }
  vehicle { vehicle_type: VEHICLE_TYPE_BICYCLE make: "B" model: "C" seats: 1 })";

// Method ("rentwave.v1.Service/Method") -> row.
const std::map<std::string, Row>& Matrix() {
  static const auto* matrix = new std::map<std::string, Row>{
      // Users.
      {"rentwave.v1.Users/Register",
       {R"(username: "new$U" password: "correct horse battery")",
        {OK, OK, OK, OK, OK}}},
      {"rentwave.v1.Users/Login",
       {R"(username: "$OTHER_NAME" password: "correct horse battery")",
        {OK, OK, OK, OK, OK}}},
      {"rentwave.v1.Users/Logout", {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Users/GetMe", {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Users/UpdateMe",
       {R"(user { display_name: "New name" } update_mask { paths: "display_name" })",
        {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Users/GetUser",
       {R"(user_id: "$OWNER")", {OK, OK, OK, OK, OK}}},
      // Listings: anyone may look; only the owner may change.
      {"rentwave.v1.Listings/CreateListing",
       {absl::StrCat("listing { ", kBike, " }"), {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Listings/GetListing",
       {R"(listing_id: "$BIKE")", {OK, OK, OK, OK, OK}}},
      {"rentwave.v1.Listings/UpdateListing",
       {R"(listing_id: "$BIKE" listing { title: "Renamed" }
           update_mask { paths: "title" })",
        {UNAUTH, DENIED, OK, DENIED, DENIED}}},
      {"rentwave.v1.Listings/SetListingActive",
       {R"(listing_id: "$BIKE" active: false)",
        {UNAUTH, DENIED, OK, DENIED, DENIED}}},
      // The owner may not archive a listing while it is rented.
      {"rentwave.v1.Listings/DeleteListing",
       {R"(listing_id: "$BIKE")",
        {UNAUTH, DENIED, PRECONDITION, DENIED, DENIED}}},
      {"rentwave.v1.Listings/ListMyListings", {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Listings/GetBook",
       {R"(isbn: "9780441172719")", {OK, OK, OK, OK, OK}}},
      {"rentwave.v1.Listings/SearchListings",
       {R"(query: "dune")", {OK, OK, OK, OK, OK}}},
      // Notifications: each acts on the caller's own.
      {"rentwave.v1.Notifications/ListNotifications",
       {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Notifications/WatchNotifications",
       {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Notifications/MarkRead",
       {R"(ids: "someone-elses")", {UNAUTH, OK, OK, OK, OK}}},
      // Rentals: only the two parties see or touch a rental; to anyone else
      // it does not exist. Only the renter extends.
      {"rentwave.v1.Rentals/CreateRental",
       {R"(request_id: "r$U" listing_id: "$BOOK" start_time { seconds: $IN_3D }
           duration { seconds: 86400 })",
        {UNAUTH, OK, PRECONDITION, OK, OK}}},
      {"rentwave.v1.Rentals/GetRental",
       {R"(rental_id: "$ACTIVE")", {UNAUTH, NOT_FOUND, OK, OK, NOT_FOUND}}},
      {"rentwave.v1.Rentals/ListRentals", {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Rentals/ReturnRental",
       {R"(rental_id: "$ACTIVE")", {UNAUTH, NOT_FOUND, OK, OK, NOT_FOUND}}},
      {"rentwave.v1.Rentals/CancelRental",
       {R"(rental_id: "$BOOKED")", {UNAUTH, NOT_FOUND, OK, OK, NOT_FOUND}}},
      {"rentwave.v1.Rentals/ExtendRental",
       {R"(rental_id: "$ACTIVE" end_time { seconds: $IN_3H } request_id: "x$U")",
        {UNAUTH, NOT_FOUND, DENIED, OK, NOT_FOUND}}},
      // Wallet: each acts on the caller's own wallet; nobody pays
      // themselves.
      {"rentwave.v1.Wallet/GetWallet", {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Wallet/Deposit",
       {R"(request_id: "d$U" amount { amount_minor: 100 currency: "USD" })",
        {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Wallet/Withdraw",
       {R"(request_id: "w$U" amount { amount_minor: 100 currency: "USD" })",
        {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Wallet/Transfer",
       {R"(request_id: "t$U" to_user_id: "$OWNER"
           amount { amount_minor: 100 currency: "USD" })",
        {UNAUTH, OK, INVALID, OK, OK}}},
      {"rentwave.v1.Wallet/ListTransactions", {"", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.Wallet/GetTransaction",
       {R"(transaction_id: "$RENTER_DEPOSIT")",
        {UNAUTH, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND}}},
      // The event log is for administrators.
      {"rentwave.v1.Events/ListEvents",
       {"", {UNAUTH, DENIED, DENIED, DENIED, OK}}},
      {"rentwave.v1.Events/TailEvents",
       {"", {UNAUTH, DENIED, DENIED, DENIED, OK}}},
      // The development clock (only with --dev-clock): any signed-in user.
      {"rentwave.v1.DevClock/Advance",
       {R"(by { seconds: 1 })", {UNAUTH, OK, OK, OK, OK}}},
      {"rentwave.v1.DevClock/GetTime", {"", {UNAUTH, OK, OK, OK, OK}}},
  };
  return *matrix;
}

// Every method of every service in proto/rentwave/v1/*.proto. A file's
// descriptors are in the pool only if the test uses one of its types: a new
// .proto file fails the test until it is named here.
std::vector<const google::protobuf::MethodDescriptor*> AllMethods() {
  for (const auto* linked :
       {v1::AdvanceRequest::descriptor(), v1::Event::descriptor(),
        v1::Listing::descriptor(), v1::Notification::descriptor(),
        v1::Rental::descriptor(), v1::User::descriptor(),
        v1::Transaction::descriptor()}) {
    EXPECT_NE(linked, nullptr);
  }
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  const std::string dir = RENTWAVE_PROTO_DIR "/rentwave/v1";
  DIR* d = opendir(dir.c_str());
  EXPECT_NE(d, nullptr) << dir;
  if (d == nullptr) return methods;
  while (dirent* entry = readdir(d)) {
    std::string name = entry->d_name;
    if (name.size() < 6 || name.substr(name.size() - 6) != ".proto") continue;
    const auto* file =
        google::protobuf::DescriptorPool::generated_pool()->FindFileByName(
            "rentwave/v1/" + name);
    EXPECT_NE(file, nullptr) << name << " is not linked into the test";
    if (file == nullptr) continue;
    for (int s = 0; s < file->service_count(); ++s) {
      for (int m = 0; m < file->service(s)->method_count(); ++m) {
        methods.push_back(file->service(s)->method(m));
      }
    }
  }
  closedir(d);
  return methods;
}

class AuthzMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok()) << server_.StderrText();
    channel_ = server_.NewChannel();
    UsersClient users(channel_);
    for (const char* name : {"olive", "rene", "otto", "ada"}) {
      ASSERT_CODE(users.Register(name, kPassword), OK);
    }
    owner_id_ = Login("olive");
    renter_id_ = Login("rene");
    Login("otto");
    Login("ada");
    // Money in every wallet.
    for (const char* name : {"olive", "rene", "otto", "ada"}) {
      v1::DepositRequest r;
      r.set_request_id(absl::StrCat("seed-", name));
      r.mutable_amount()->set_amount_minor(5'000'000);
      r.mutable_amount()->set_currency("USD");
      v1::Transaction t;
      ASSERT_CODE(Call(*v1::Wallet::NewStub(channel_),
                       &v1::Wallet::Stub::Deposit, tokens_[name], r, &t),
                  OK);
      if (std::string(name) == "rene") renter_deposit_ = t.id();
    }
  }

  // Logs `name` in (a fresh token: Logout revokes the last one); returns
  // the user's id.
  std::string Login(const std::string& name) {
    v1::LoginResponse login;
    EXPECT_CODE(UsersClient(channel_).Login(name, kPassword, &login), OK);
    tokens_[name] = Bearer(login.access_token());
    return login.user_id();
  }

  // A fresh world for one call; returns the placeholder values.
  std::map<std::string, std::string> NewWorld() {
    const std::string u = absl::StrCat(++worlds_);
    for (const char* name : {"olive", "rene", "otto", "ada"}) Login(name);
    auto listings = v1::Listings::NewStub(channel_);
    auto rentals = v1::Rentals::NewStub(channel_);
    v1::CreateListingRequest bike, book;
    google::protobuf::TextFormat::ParseFromString(kBike,
                                                  bike.mutable_listing());
    google::protobuf::TextFormat::ParseFromString(
        R"(kind: LISTING_KIND_BOOK title: "Dune"
           price { amount_minor: 100 currency: "USD" }
           billing_period: BILLING_PERIOD_DAY max_duration { seconds: 2592000 }
           book { isbn: "0-441-17271-7" title: "Dune" author: "F. Herbert" })",
        book.mutable_listing());
    v1::Listing bike_out, book_out;
    EXPECT_CODE(Call(*listings, &v1::Listings::Stub::CreateListing,
                     tokens_["olive"], bike, &bike_out),
                OK);
    EXPECT_CODE(Call(*listings, &v1::Listings::Stub::CreateListing,
                     tokens_["olive"], book, &book_out),
                OK);
    const int64_t now = absl::ToUnixSeconds(absl::Now()) + 60 * worlds_;
    v1::CreateRentalRequest active, booked;
    active.set_request_id("active" + u);
    active.set_listing_id(bike_out.id());
    active.mutable_duration()->set_seconds(2 * 3600);
    booked.set_request_id("booked" + u);
    booked.set_listing_id(book_out.id());
    booked.mutable_start_time()->set_seconds(now + 86400);
    booked.mutable_duration()->set_seconds(86400);
    v1::Rental active_out, booked_out;
    EXPECT_CODE(Call(*rentals, &v1::Rentals::Stub::CreateRental,
                     tokens_["rene"], active, &active_out),
                OK);
    EXPECT_CODE(Call(*rentals, &v1::Rentals::Stub::CreateRental,
                     tokens_["rene"], booked, &booked_out),
                OK);
    return {{"$U", u},
            {"$OWNER", owner_id_},
            {"$OTHER_NAME", "otto"},
            {"$BIKE", bike_out.id()},
            {"$BOOK", book_out.id()},
            {"$ACTIVE", active_out.id()},
            {"$BOOKED", booked_out.id()},
            {"$RENTER_DEPOSIT", renter_deposit_},
            {"$IN_3D", absl::StrCat(now + 3 * 86400)},
            {"$IN_3H", absl::StrCat(active_out.end_time().seconds() + 3600)}};
  }

  std::string Token(Persona p) {
    switch (p) {
      case kAnonymous:
        return "";
      case kOther:
        return tokens_["otto"];
      case kOwner:
        return tokens_["olive"];
      case kRenter:
        return tokens_["rene"];
      default:
        return tokens_["ada"];
    }
  }

  // Calls `method` with `request`; for a server stream, an open stream (a
  // message, or none before the short deadline) counts as OK.
  grpc::Status Invoke(const google::protobuf::MethodDescriptor* method,
                      const std::string& request, const std::string& auth) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     (method->server_streaming() ? std::chrono::seconds(1)
                                                 : std::chrono::seconds(10)));
    if (!auth.empty()) ctx.AddMetadata("authorization", auth);
    const std::string name =
        absl::StrCat("/", method->service()->full_name(), "/", method->name());
    grpc::Slice slice(request);
    grpc::ByteBuffer in(&slice, 1), out;
    grpc::CompletionQueue cq;
    grpc::Status status;
    void* tag;
    bool ok;
    if (!method->server_streaming()) {
      auto call = stub.PrepareUnaryCall(&ctx, name, in, &cq);
      call->StartCall();
      call->Finish(&out, &status, &status);
      cq.Next(&tag, &ok);
    } else {
      auto call = stub.PrepareCall(&ctx, name, &cq);
      call->StartCall(&ctx);
      cq.Next(&tag, &ok);
      call->WriteLast(in, grpc::WriteOptions(), &in);
      cq.Next(&tag, &ok);
      call->Read(&out, &out);
      cq.Next(&tag, &ok);
      const bool got_message = ok;
      if (got_message) ctx.TryCancel();
      call->Finish(&status, &status);
      cq.Next(&tag, &ok);
      if (got_message || status.error_code() == StatusCode::DEADLINE_EXCEEDED) {
        status = grpc::Status::OK;
      }
    }
    cq.Shutdown();
    while (cq.Next(&tag, &ok)) {
    }
    return status;
  }

  ServerProcess server_{
      ServerOptions().WithArgs({"--dev-clock", "--admins", "ada", "--user-rate",
                                "0", "--address-rate", "0"})};
  std::shared_ptr<grpc::Channel> channel_;
  std::map<std::string, std::string> tokens_;
  std::string owner_id_, renter_id_, renter_deposit_;
  int worlds_ = 0;
};

TEST_F(AuthzMatrix, EveryRpcHasARowAndEveryCallerGetsItsStatus) {
  const std::vector<const google::protobuf::MethodDescriptor*> methods =
      AllMethods();
  ASSERT_GE(methods.size(), Matrix().size());
  for (const google::protobuf::MethodDescriptor* method : methods) {
    const std::string key =
        absl::StrCat(method->service()->full_name(), "/", method->name());
    SCOPED_TRACE(key);
    auto row = Matrix().find(key);
    if (row == Matrix().end()) {
      ADD_FAILURE() << key << " has no row in the authorization matrix";
      continue;
    }
    for (int p = 0; p < kPersonas; ++p) {
      std::string text = row->second.request;
      const std::map<std::string, std::string> world = NewWorld();
      // Longest placeholders first, so $BOOKED is not read as $BOOK.
      for (auto it = world.rbegin(); it != world.rend(); ++it) {
        absl::StrReplaceAll({{it->first, it->second}}, &text);
      }
      std::unique_ptr<google::protobuf::Message> request(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(method->input_type())
              ->New());
      ASSERT_TRUE(
          google::protobuf::TextFormat::ParseFromString(text, request.get()))
          << text;
      grpc::Status status =
          Invoke(method, request->SerializeAsString(), Token(Persona(p)));
      EXPECT_EQ(CodeName(status.error_code()),
                CodeName(row->second.expected[p]))
          << kPersonaNames[p] << ": " << status.error_message();
    }
  }
  EXPECT_EQ(methods.size(), Matrix().size())
      << "the matrix has rows for RPCs that no longer exist";
}

}  // namespace
}  // namespace rentwave::blackbox

// World's fixture: the users, listings, rentals, deposit and notification
// that inputs name through placeholders, made with ordinary calls at
// startup, and the fixture users' logins (again after calls that end their
// sessions).
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/text_format.h"
#include "rentwave/v1/listings.pb.h"
#include "rentwave/v1/notifications.pb.h"
#include "rentwave/v1/rentals.pb.h"
#include "rentwave/v1/users.pb.h"
#include "rentwave/v1/wallet.pb.h"
#include "rpc_calls.h"
#include "rpc_input.h"
#include "rpc_world.h"

namespace rentwave::fuzz {

const google::protobuf::MethodDescriptor* World::Find(
    absl::string_view path) const {
  for (const MethodDescriptor* m : methods_) {
    if (PathOf(m) == path) return m;
  }
  Fail("no such method", path);
}

// Instantiated only here (by MakeFixture).
template <typename Response>
Response World::Must(absl::string_view path, int caller,
                     const std::string& request_text) {
  Response response;
  const grpc::Status status = Try(path, caller, request_text, &response);
  Check(
      status.ok(), absl::StrCat("fixture call ", path, " failed"),
      absl::StrCat(CodeName(status.error_code()), " ", status.error_message()));
  return response;
}

grpc::Status World::Try(absl::string_view path, int caller,
                        const std::string& request_text, Message* response) {
  const MethodDescriptor* method = Find(path);
  std::unique_ptr<Message> request(Prototype(method->input_type()).New());
  Check(google::protobuf::TextFormat::ParseFromString(request_text,
                                                      request.get()),
        "bad fixture request", request_text);
  grpc::ByteBuffer out;
  const grpc::Status status = CallUnary(*stub_, method, tokens_[caller],
                                        request->SerializeAsString(), &out);
  if (!status.ok()) return status;
  std::vector<grpc::Slice> slices;
  Check(out.Dump(&slices).ok(), "cannot read a fixture response");
  std::string wire;
  for (const grpc::Slice& s : slices) {
    wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  Check(response->ParseFromString(wire), "bad fixture response", path);
  return status;
}

void World::LoginAll() {
  for (int caller = 1; caller <= 3; ++caller) {
    const std::string request = absl::StrCat("username: '", kUsernames[caller],
                                             "' password: '", kPassword, "'");
    rentwave::v1::LoginResponse login;
    grpc::Status status = Try("/rentwave.v1.Users/Login", 0, request, &login);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      // Inputs guessed the fixture users' passwords often enough to lock
      // them out (users::LoginLimits): wait out the window, on the
      // development clock.
      clock_.Advance(absl::Minutes(16));
      status = Try("/rentwave.v1.Users/Login", 0, request, &login);
    }
    Check(status.ok(), "the fixture's users cannot log in",
          absl::StrCat(kUsernames[caller], ": ", CodeName(status.error_code()),
                       " ", status.error_message()));
    tokens_[caller] = login.access_token();
    user_ids_[caller] = login.user_id();
  }
}

void World::MakeFixture() {
  for (int caller = 1; caller <= 3; ++caller) {
    Must<rentwave::v1::RegisterResponse>(
        "/rentwave.v1.Users/Register", 0,
        absl::StrCat("username: '", kUsernames[caller], "' password: '",
                     kPassword, "' display_name: 'Fuzz ", caller, "'"));
  }
  LoginAll();
  const auto bike = Must<rentwave::v1::Listing>(
      "/rentwave.v1.Listings/CreateListing", 1,
      R"(listing { kind: LISTING_KIND_VEHICLE title: "Bike"
           price { amount_minor: 300 currency: "USD" }
           billing_period: BILLING_PERIOD_HOUR
           max_duration { seconds: 259200 }
           deposit { amount_minor: 1000 currency: "USD" }
           late_fee { amount_minor: 200 currency: "USD" }
           vehicle { vehicle_type: VEHICLE_TYPE_BICYCLE make: "B"
                     model: "C" seats: 1 } })");
  const auto book = Must<rentwave::v1::Listing>(
      "/rentwave.v1.Listings/CreateListing", 1,
      R"(listing { kind: LISTING_KIND_BOOK title: "Dune"
           price { amount_minor: 100 currency: "USD" }
           billing_period: BILLING_PERIOD_DAY
           max_duration { seconds: 2592000 }
           book { isbn: "0-441-17271-7" title: "Dune"
                  author: "F. Herbert" } })");
  const auto deposit =
      Must<rentwave::v1::Transaction>("/rentwave.v1.Wallet/Deposit", 2,
                                      R"(request_id: "fixture-deposit"
         amount { amount_minor: 5000000 currency: "USD" })");
  const auto active = Must<rentwave::v1::Rental>(
      "/rentwave.v1.Rentals/CreateRental", 2,
      absl::StrCat("request_id: 'fixture-active' listing_id: '", bike.id(),
                   "' duration { seconds: 7200 }"));
  const auto future = Must<rentwave::v1::Rental>(
      "/rentwave.v1.Rentals/CreateRental", 2,
      absl::StrCat("request_id: 'fixture-future' listing_id: '", book.id(),
                   "' start_time { seconds: ", kStartSeconds + 86400,
                   " } duration { seconds: 86400 }"));
  // Notifications are made after commit, by the event dispatcher.
  std::string note;
  for (int i = 0; i < 100 && note.empty(); ++i) {
    const auto notes = Must<rentwave::v1::ListNotificationsResponse>(
        "/rentwave.v1.Notifications/ListNotifications", 1, "");
    if (notes.notifications_size() > 0) {
      note = notes.notifications(0).id();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  placeholders_ = {
      {"$OWNER", user_ids_[1]}, {"$RENTER", user_ids_[2]},
      {"$ADMIN", user_ids_[3]}, {"$BIKE", bike.id()},
      {"$BOOK", book.id()},     {"$ACTIVE", active.id()},
      {"$FUTURE", future.id()}, {"$DEPOSIT", deposit.id()},
      {"$NOTE", note},
  };
}

}  // namespace rentwave::fuzz

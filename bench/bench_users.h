// Accounts for benchmark clients: contexts with a token, sign-in and money.
#pragma once

#include <grpcpp/client_context.h>

#include <memory>
#include <string>

#include "rentwave/v1/users.grpc.pb.h"
#include "rentwave/v1/wallet.grpc.pb.h"

namespace rentwave::bench {

// A context with a 30 s deadline and, if `token` is set, its bearer header.
std::unique_ptr<grpc::ClientContext> Context(const std::string& token);

struct User {
  std::string id;
  std::string token;
};

// Registers `name` (if new; the server should run with --password-cost
// minimum) and logs in. False if the login fails.
bool SignIn(v1::Users::Stub& users, const std::string& name, User* out);

// Deposits `amount_minor` into the user's wallet, in the wallet's currency,
// with a fresh request id, and sets `*currency` (if given) to that currency.
// False, with the reason on stderr, if a call fails.
bool Fund(v1::Wallet::Stub& wallet, const User& user, int64_t amount_minor,
          std::string* currency = nullptr);

}  // namespace rentwave::bench

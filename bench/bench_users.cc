#include "bench/bench_users.h"

#include <atomic>
#include <chrono>
#include <cstdio>

namespace rentwave::bench {
namespace {

constexpr char kPassword[] = "benchmark-password";

}  // namespace

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(30));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

bool SignIn(v1::Users::Stub& users, const std::string& name, User* out) {
  v1::RegisterRequest reg;
  reg.set_username(name);
  reg.set_password(kPassword);
  v1::RegisterResponse registered;
  users.Register(Context("").get(), reg, &registered);  // may already exist
  v1::LoginRequest login;
  login.set_username(name);
  login.set_password(kPassword);
  v1::LoginResponse response;
  if (!users.Login(Context("").get(), login, &response).ok()) return false;
  *out = {response.user_id(), response.access_token()};
  return true;
}

bool Fund(v1::Wallet::Stub& wallet, const User& user, int64_t amount_minor,
          std::string* currency) {
  v1::WalletSummary summary;
  grpc::Status status = wallet.GetWallet(Context(user.token).get(),
                                         v1::GetWalletRequest(), &summary);
  if (!status.ok()) {
    std::fprintf(stderr, "GetWallet: %s\n", status.error_message().c_str());
    return false;
  }
  // Unique across runs (time) and across calls of this run (counter).
  static std::atomic<uint64_t> calls{0};
  v1::DepositRequest deposit;
  deposit.set_request_id(
      "fund-" +
      std::to_string(
          std::chrono::system_clock::now().time_since_epoch().count()) +
      "-" + std::to_string(calls++));
  deposit.mutable_amount()->set_amount_minor(amount_minor);
  deposit.mutable_amount()->set_currency(summary.balance().currency());
  v1::Transaction done;
  status = wallet.Deposit(Context(user.token).get(), deposit, &done);
  if (!status.ok()) {
    std::fprintf(stderr, "Deposit: %s\n", status.error_message().c_str());
    return false;
  }
  if (currency != nullptr) *currency = summary.balance().currency();
  return true;
}

}  // namespace rentwave::bench

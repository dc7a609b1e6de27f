#include "bench/bench_users.h"

#include <chrono>

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

}  // namespace rentwave::bench

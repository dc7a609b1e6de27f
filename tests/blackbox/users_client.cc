#include "tests/blackbox/users_client.h"

#include <grpcpp/client_context.h>

#include <chrono>

#include "absl/status/status.h"

namespace rentwave::blackbox {
namespace {

constexpr auto kDeadline = std::chrono::seconds(10);

// Lets callers pass nullptr for responses they do not look at.
template <typename T>
T* OrScratch(T* response, T* scratch) {
  return response != nullptr ? response : scratch;
}

}  // namespace

std::string CodeName(grpc::StatusCode code) {
  // absl and gRPC share the google.rpc.Code numbering.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

std::string Bearer(const std::string& token) { return "Bearer " + token; }

std::unique_ptr<grpc::ClientContext> NewContext(
    const std::string& authorization) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + kDeadline);
  if (!authorization.empty()) ctx->AddMetadata("authorization", authorization);
  return ctx;
}

UsersClient::UsersClient(std::shared_ptr<grpc::Channel> channel)
    : stub_(v1::Users::NewStub(std::move(channel))) {}

grpc::Status UsersClient::Register(const v1::RegisterRequest& request,
                                   v1::RegisterResponse* response) {
  v1::RegisterResponse scratch;
  return stub_->Register(NewContext("").get(), request,
                         OrScratch(response, &scratch));
}

grpc::Status UsersClient::Register(const std::string& username,
                                   const std::string& password,
                                   v1::RegisterResponse* response) {
  v1::RegisterRequest request;
  request.set_username(username);
  request.set_password(password);
  return Register(request, response);
}

grpc::Status UsersClient::Login(const std::string& username,
                                const std::string& password,
                                v1::LoginResponse* response) {
  v1::LoginRequest request;
  request.set_username(username);
  request.set_password(password);
  v1::LoginResponse scratch;
  return stub_->Login(NewContext("").get(), request,
                      OrScratch(response, &scratch));
}

grpc::Status UsersClient::Logout(const std::string& authorization) {
  v1::LogoutResponse response;
  return stub_->Logout(NewContext(authorization).get(), v1::LogoutRequest(),
                       &response);
}

grpc::Status UsersClient::GetMe(const std::string& authorization,
                                v1::User* response) {
  v1::User scratch;
  return stub_->GetMe(NewContext(authorization).get(), v1::GetMeRequest(),
                      OrScratch(response, &scratch));
}

grpc::Status UsersClient::UpdateMe(const std::string& authorization,
                                   const v1::UpdateMeRequest& request,
                                   v1::User* response) {
  v1::User scratch;
  return stub_->UpdateMe(NewContext(authorization).get(), request,
                         OrScratch(response, &scratch));
}

grpc::Status UsersClient::GetUser(const std::string& authorization,
                                  const std::string& user_id,
                                  v1::User* response) {
  v1::GetUserRequest request;
  request.set_user_id(user_id);
  v1::User scratch;
  return stub_->GetUser(NewContext(authorization).get(), request,
                        OrScratch(response, &scratch));
}

std::string UsersClient::SignUp(const std::string& username,
                                std::string* user_id) {
  grpc::Status registered = Register(username, kPassword);
  if (!registered.ok()) {
    ADD_FAILURE() << "Register " << username << ": "
                  << CodeName(registered.error_code()) << " "
                  << registered.error_message();
    return "";
  }
  v1::LoginResponse login;
  grpc::Status logged_in = Login(username, kPassword, &login);
  if (!logged_in.ok()) {
    ADD_FAILURE() << "Login " << username << ": "
                  << CodeName(logged_in.error_code()) << " "
                  << logged_in.error_message();
    return "";
  }
  if (user_id != nullptr) *user_id = login.user_id();
  return login.access_token();
}

}  // namespace rentwave::blackbox

// A small typed client for rentwave.v1.Users used by the black-box tests:
// every call has a deadline and an optional `authorization` header.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "rentwave/v1/users.grpc.pb.h"

namespace rentwave::blackbox {

// A password every test account may use.
inline constexpr char kPassword[] = "correct horse battery";

// The canonical name of `code` ("INVALID_ARGUMENT"), for readable failures.
std::string CodeName(grpc::StatusCode code);

// "Bearer <token>".
std::string Bearer(const std::string& token);

// A client context with a 10 s deadline and `authorization` (if not empty).
std::unique_ptr<grpc::ClientContext> NewContext(
    const std::string& authorization);

// Calls unary `method` of any generated stub through NewContext.
template <typename Stub, typename Request, typename Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*,
                                               const Request&, Response*),
                  const std::string& authorization, const Request& request,
                  Response* response) {
  return (stub.*method)(NewContext(authorization).get(), request, response);
}

// Compare a grpc::Status's code by name, printing the message on failure.
#define EXPECT_CODE(status, code)                                             \
  do {                                                                        \
    const ::grpc::Status& rw_status_ = (status);                              \
    EXPECT_EQ(::rentwave::blackbox::CodeName(rw_status_.error_code()), #code) \
        << rw_status_.error_message();                                        \
  } while (0)
#define ASSERT_CODE(status, code)                                             \
  do {                                                                        \
    const ::grpc::Status& rw_status_ = (status);                              \
    ASSERT_EQ(::rentwave::blackbox::CodeName(rw_status_.error_code()), #code) \
        << rw_status_.error_message();                                        \
  } while (0)

class UsersClient {
 public:
  explicit UsersClient(std::shared_ptr<grpc::Channel> channel);

  // `authorization` is the whole header value; empty sends none.
  grpc::Status Register(const v1::RegisterRequest& request,
                        v1::RegisterResponse* response = nullptr);
  grpc::Status Register(const std::string& username,
                        const std::string& password,
                        v1::RegisterResponse* response = nullptr);
  grpc::Status Login(const std::string& username, const std::string& password,
                     v1::LoginResponse* response = nullptr);
  grpc::Status Logout(const std::string& authorization);
  grpc::Status GetMe(const std::string& authorization,
                     v1::User* response = nullptr);
  grpc::Status UpdateMe(const std::string& authorization,
                        const v1::UpdateMeRequest& request,
                        v1::User* response = nullptr);
  grpc::Status GetUser(const std::string& authorization,
                       const std::string& user_id,
                       v1::User* response = nullptr);

  // Registers `username` with kPassword and logs in. Returns the access
  // token ("" after recording a test failure); sets *user_id if given.
  std::string SignUp(const std::string& username,
                     std::string* user_id = nullptr);

 private:
  std::unique_ptr<v1::Users::Stub> stub_;
};

}  // namespace rentwave::blackbox

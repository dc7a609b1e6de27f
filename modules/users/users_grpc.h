// gRPC adapter of the users module: rentwave.v1.Users <-> users::Users.
#pragma once

#include "modules/platform/rpc.h"
#include "modules/users/users.h"
#include "rentwave/v1/users.grpc.pb.h"

namespace rentwave::users {

class UsersGrpc final : public v1::Users::CallbackService {
 public:
  // Registers the service's methods with `gate`. Both must outlive this.
  UsersGrpc(Users& users, platform::RpcGate& gate);

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* ctx,
                                     const v1::RegisterRequest* request,
                                     v1::RegisterResponse* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* ctx,
                                  const v1::LoginRequest* request,
                                  v1::LoginResponse* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* ctx,
                                   const v1::LogoutRequest* request,
                                   v1::LogoutResponse* response) override;
  grpc::ServerUnaryReactor* GetMe(grpc::CallbackServerContext* ctx,
                                  const v1::GetMeRequest* request,
                                  v1::User* response) override;
  grpc::ServerUnaryReactor* UpdateMe(grpc::CallbackServerContext* ctx,
                                     const v1::UpdateMeRequest* request,
                                     v1::User* response) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* ctx,
                                    const v1::GetUserRequest* request,
                                    v1::User* response) override;

 private:
  Users& users_;
  const platform::RpcGate& gate_;
};

}  // namespace rentwave::users

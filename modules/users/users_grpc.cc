#include "modules/users/users_grpc.h"

#include "absl/strings/str_cat.h"
#include "modules/platform/proto_time.h"
#include "modules/platform/status.h"

namespace rentwave::users {
namespace {

using platform::Caller;

Address FromProto(const v1::PostalAddress& a) {
  return {a.line1(),  a.line2(),       a.city(),
          a.region(), a.postal_code(), a.country_code()};
}

void ToProto(const Address& a, v1::PostalAddress* out) {
  out->set_line1(a.line1);
  out->set_line2(a.line2);
  out->set_city(a.city);
  out->set_region(a.region);
  out->set_postal_code(a.postal_code);
  out->set_country_code(a.country_code);
}

// The public profile; with `with_private`, email and address too.
void ToProto(const Profile& p, bool with_private, v1::User* out) {
  out->set_id(p.id);
  out->set_username(p.username);
  out->set_display_name(p.display_name);
  platform::ToProto(p.created, out->mutable_create_time());
  platform::ToProto(p.updated, out->mutable_update_time());
  if (with_private) {
    out->set_email(p.email);
    ToProto(p.address, out->mutable_address());
  }
}

absl::StatusOr<ProfileChanges> ChangesFromMask(const v1::UpdateMeRequest& r) {
  if (r.update_mask().paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask: name the fields to change (display_name, email, "
        "address)");
  }
  ProfileChanges changes;
  for (const std::string& path : r.update_mask().paths()) {
    if (path == "display_name") {
      changes.display_name = r.user().display_name();
    } else if (path == "email") {
      changes.email = r.user().email();
    } else if (path == "address") {
      changes.address = FromProto(r.user().address());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: '", path, "' cannot be changed"));
    }
  }
  return changes;
}

}  // namespace

UsersGrpc::UsersGrpc(Users& users, platform::RpcGate& gate)
    : users_(users), gate_(gate) {
  gate.AddService(v1::Users::service_full_name());
}

grpc::ServerUnaryReactor* UsersGrpc::Register(
    grpc::CallbackServerContext* ctx, const v1::RegisterRequest* request,
    v1::RegisterResponse* response) {
  return gate_.Serve(ctx, *request, [=, this](const Caller&) -> absl::Status {
    Registration r{request->username(), request->password(),
                   request->display_name(), request->email(),
                   FromProto(request->address())};
    RW_ASSIGN_OR_RETURN(Profile profile, users_.Register(r));
    ToProto(profile, /*with_private=*/true, response->mutable_user());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UsersGrpc::Login(grpc::CallbackServerContext* ctx,
                                           const v1::LoginRequest* request,
                                           v1::LoginResponse* response) {
  return gate_.Serve(ctx, *request, [=, this](const Caller&) -> absl::Status {
    RW_ASSIGN_OR_RETURN(AccessToken token,
                        users_.Login(request->username(), request->password()));
    response->set_access_token(token.token);
    platform::ToProto(token.expires, response->mutable_expire_time());
    response->set_user_id(token.user_id);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* UsersGrpc::Logout(grpc::CallbackServerContext* ctx,
                                            const v1::LogoutRequest* request,
                                            v1::LogoutResponse* response) {
  return gate_.Serve(ctx, *request, [=, this](const Caller& caller) {
    return users_.Logout(caller);
  });
}

grpc::ServerUnaryReactor* UsersGrpc::GetMe(grpc::CallbackServerContext* ctx,
                                           const v1::GetMeRequest* request,
                                           v1::User* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(Profile profile, users_.GetProfile(caller.user_id));
        ToProto(profile, /*with_private=*/true, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UsersGrpc::UpdateMe(
    grpc::CallbackServerContext* ctx, const v1::UpdateMeRequest* request,
    v1::User* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(ProfileChanges changes, ChangesFromMask(*request));
        RW_ASSIGN_OR_RETURN(Profile profile,
                            users_.UpdateProfile(caller.user_id, changes));
        ToProto(profile, /*with_private=*/true, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* UsersGrpc::GetUser(grpc::CallbackServerContext* ctx,
                                             const v1::GetUserRequest* request,
                                             v1::User* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        if (request->user_id().empty()) {
          return absl::InvalidArgumentError("user_id: required");
        }
        RW_ASSIGN_OR_RETURN(Profile profile,
                            users_.GetProfile(request->user_id()));
        ToProto(profile, /*with_private=*/caller.user_id == profile.id,
                response);
        return absl::OkStatus();
      });
}

}  // namespace rentwave::users

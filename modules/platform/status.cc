#include "modules/platform/status.h"

namespace rentwave::platform {

bool IsSecretDetail(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kDataLoss:
      return true;
    default:
      return false;
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbering (google.rpc.Code).
  auto code = static_cast<grpc::StatusCode>(status.code());
  if (IsSecretDetail(status)) return grpc::Status(code, "internal error");
  return grpc::Status(code, std::string(status.message()));
}

}  // namespace rentwave::platform

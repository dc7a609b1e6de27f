// Status helpers shared by every module: early-return macros and the single
// mapping from absl::Status to grpc::Status.
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RW_STATUS_CONCAT_INNER(a, b) a##b
#define RW_STATUS_CONCAT(a, b) RW_STATUS_CONCAT_INNER(a, b)

// Returns `expr` from the enclosing function if it is not OK.
#define RW_RETURN_IF_ERROR(expr)                              \
  do {                                                        \
    if (::absl::Status rw_status_ = (expr); !rw_status_.ok()) \
      return rw_status_;                                      \
  } while (false)

// `RW_ASSIGN_OR_RETURN(auto x, F());` declares x from an OK StatusOr or
// returns its error from the enclosing function.
#define RW_ASSIGN_OR_RETURN(lhs, expr) \
  RW_ASSIGN_OR_RETURN_IMPL(RW_STATUS_CONCAT(rw_statusor_, __LINE__), lhs, expr)
#define RW_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

namespace rentwave::platform {

// True for codes whose message may carry internal detail (SQL, file paths) and
// so must never reach a client: UNKNOWN, INTERNAL, DATA_LOSS.
bool IsSecretDetail(const absl::Status& status);

// The one absl -> gRPC mapping. Codes map one to one; internal errors lose
// their message ("internal error") so that detail stays in the server log.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace rentwave::platform

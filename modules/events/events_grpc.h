// gRPC adapter of the event log: rentwave.v1.Events <-> platform::EventLog.
// Every event in commit order, for administrators only.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "modules/platform/event_log.h"
#include "modules/platform/rpc.h"
#include "rentwave/v1/events.grpc.pb.h"

namespace rentwave::events {

// Whether a user may read the event log.
using IsAdmin = std::function<absl::StatusOr<bool>(const std::string& user_id)>;

class EventsGrpc final : public v1::Events::CallbackService {
 public:
  // Registers the service's methods with `gate`. `events` and `gate` must
  // outlive this.
  EventsGrpc(platform::EventLog& events, IsAdmin is_admin,
             platform::RpcGate& gate);

  grpc::ServerUnaryReactor* ListEvents(
      grpc::CallbackServerContext* ctx, const v1::ListEventsRequest* request,
      v1::ListEventsResponse* response) override;
  grpc::ServerWriteReactor<v1::Event>* TailEvents(
      grpc::CallbackServerContext* ctx,
      const v1::TailEventsRequest* request) override;

 private:
  // OK for an administrator; PERMISSION_DENIED for anyone else.
  absl::Status CheckAdmin(const platform::Caller& caller) const;

  platform::EventLog& events_;
  const IsAdmin is_admin_;
  const platform::RpcGate& gate_;
};

}  // namespace rentwave::events

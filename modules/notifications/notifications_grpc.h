// gRPC adapter of the notifications module: rentwave.v1.Notifications <->
// notifications::Notifications. Every method acts on the authenticated
// caller's own notifications.
#pragma once

#include "modules/notifications/notifications.h"
#include "modules/platform/rpc.h"
#include "rentwave/v1/notifications.grpc.pb.h"

namespace rentwave::notifications {

class NotificationsGrpc final : public v1::Notifications::CallbackService {
 public:
  // Registers the service's methods with `gate`. Both must outlive this.
  NotificationsGrpc(Notifications& notifications, platform::RpcGate& gate);

  grpc::ServerUnaryReactor* ListNotifications(
      grpc::CallbackServerContext* ctx,
      const v1::ListNotificationsRequest* request,
      v1::ListNotificationsResponse* response) override;
  grpc::ServerWriteReactor<v1::Notification>* WatchNotifications(
      grpc::CallbackServerContext* ctx,
      const v1::WatchNotificationsRequest* request) override;
  grpc::ServerUnaryReactor* MarkRead(grpc::CallbackServerContext* ctx,
                                     const v1::MarkReadRequest* request,
                                     v1::MarkReadResponse* response) override;

 private:
  Notifications& notifications_;
  const platform::RpcGate& gate_;
};

}  // namespace rentwave::notifications

#include "modules/notifications/notifications_grpc.h"

#include "modules/platform/proto_time.h"
#include "modules/platform/status.h"

namespace rentwave::notifications {
namespace {

using platform::Caller;

constexpr int kWatchBatch = 100;

void ToProto(const Notification& n, v1::Notification* out) {
  out->set_id(n.id);
  out->set_kind(n.kind);
  out->set_text(n.text);
  out->set_reference(n.reference);
  out->set_read(n.read);
  platform::ToProto(n.created, out->mutable_create_time());
}

}  // namespace

NotificationsGrpc::NotificationsGrpc(Notifications& notifications,
                                     platform::RpcGate& gate)
    : notifications_(notifications), gate_(gate) {
  gate.AddService(v1::Notifications::service_full_name());
}

grpc::ServerUnaryReactor* NotificationsGrpc::ListNotifications(
    grpc::CallbackServerContext* ctx,
    const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            NotificationPage page,
            notifications_.List(caller.user_id, request->unread_only(),
                                {request->page_size(), request->page_token()}));
        for (const Notification& n : page.notifications) {
          ToProto(n, response->add_notifications());
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<v1::Notification>*
NotificationsGrpc::WatchNotifications(
    grpc::CallbackServerContext* ctx,
    const v1::WatchNotificationsRequest* request) {
  return gate_.ServeStream<v1::Notification>(
      ctx, *request,
      [this](const Caller& caller)
          -> absl::StatusOr<platform::Feed<v1::Notification>> {
        platform::Feed<v1::Notification> feed;
        feed.next = [this, user = caller.user_id,
                     position = int64_t{0}]() mutable
            -> absl::StatusOr<std::vector<v1::Notification>> {
          RW_ASSIGN_OR_RETURN(
              std::vector<FeedItem> items,
              notifications_.UnreadAfter(user, position, kWatchBatch));
          std::vector<v1::Notification> out(items.size());
          for (size_t i = 0; i < items.size(); ++i) {
            ToProto(items[i].notification, &out[i]);
            position = items[i].position;
          }
          return out;
        };
        feed.watch = [this, user = caller.user_id](
                         std::function<void()> wake) -> std::shared_ptr<void> {
          return notifications_.Watch(
              user, [wake = std::move(wake)](const Notification&) { wake(); });
        };
        return feed;
      });
}

grpc::ServerUnaryReactor* NotificationsGrpc::MarkRead(
    grpc::CallbackServerContext* ctx, const v1::MarkReadRequest* request,
    v1::MarkReadResponse* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        std::vector<std::string> ids(request->ids().begin(),
                                     request->ids().end());
        RW_ASSIGN_OR_RETURN(int updated,
                            notifications_.MarkRead(caller.user_id, ids));
        response->set_updated(updated);
        return absl::OkStatus();
      });
}

}  // namespace rentwave::notifications

#include "modules/events/events_grpc.h"

#include <google/protobuf/util/json_util.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "modules/platform/proto_time.h"
#include "modules/platform/status.h"

namespace rentwave::events {
namespace {

using platform::Caller;
using platform::Event;

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr int kTailBatch = 100;
constexpr int kMaxTypes = 20;
constexpr size_t kMaxTypeLength = 100;

absl::Status ValidateQuery(
    int64_t after_seq,
    const google::protobuf::RepeatedPtrField<std::string>& types) {
  if (after_seq < 0) {
    return absl::InvalidArgumentError("after_seq: must not be negative");
  }
  if (types.size() > kMaxTypes) {
    return absl::InvalidArgumentError(
        absl::StrCat("types: at most ", kMaxTypes));
  }
  for (const std::string& type : types) {
    if (type.empty() || type.size() > kMaxTypeLength) {
      return absl::InvalidArgumentError(absl::StrCat(
          "types: each must be 1-", kMaxTypeLength, " characters"));
    }
  }
  return absl::OkStatus();
}

absl::Status ToProto(const Event& e, v1::Event* out) {
  out->set_seq(e.seq);
  out->set_type(e.type);
  out->set_aggregate_id(e.aggregate_id);
  out->set_actor_id(e.actor_id);
  platform::ToProto(e.time, out->mutable_create_time());
  if (!google::protobuf::util::JsonStringToMessage(e.payload,
                                                   out->mutable_payload())
           .ok()) {
    return absl::InternalError(
        absl::StrCat("event ", e.seq, ": the stored payload is not JSON"));
  }
  return absl::OkStatus();
}

}  // namespace

EventsGrpc::EventsGrpc(platform::EventLog& events, IsAdmin is_admin,
                       platform::RpcGate& gate)
    : events_(events), is_admin_(std::move(is_admin)), gate_(gate) {
  gate.AddService(v1::Events::service_full_name());
}

absl::Status EventsGrpc::CheckAdmin(const Caller& caller) const {
  RW_ASSIGN_OR_RETURN(bool admin, is_admin_(caller.user_id));
  if (!admin) {
    return absl::PermissionDeniedError(
        "the event log is for administrators only");
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* EventsGrpc::ListEvents(
    grpc::CallbackServerContext* ctx, const v1::ListEventsRequest* request,
    v1::ListEventsResponse* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_RETURN_IF_ERROR(CheckAdmin(caller));
        RW_RETURN_IF_ERROR(
            ValidateQuery(request->after_seq(), request->types()));
        const int size = request->page_size();
        if (size < 0 || size > kMaxPageSize) {
          return absl::InvalidArgumentError(absl::StrCat(
              "page_size: must be 0-", kMaxPageSize, ", not ", size));
        }
        RW_ASSIGN_OR_RETURN(
            std::vector<Event> events,
            events_.Read(request->after_seq(),
                         {request->types().begin(), request->types().end()},
                         size == 0 ? kDefaultPageSize : size));
        response->set_next_after_seq(request->after_seq());
        for (const Event& e : events) {
          RW_RETURN_IF_ERROR(ToProto(e, response->add_events()));
          response->set_next_after_seq(e.seq);
        }
        return absl::OkStatus();
      });
}

grpc::ServerWriteReactor<v1::Event>* EventsGrpc::TailEvents(
    grpc::CallbackServerContext* ctx, const v1::TailEventsRequest* request) {
  return gate_.ServeStream<v1::Event>(
      ctx, *request,
      [this, request](
          const Caller& caller) -> absl::StatusOr<platform::Feed<v1::Event>> {
        RW_RETURN_IF_ERROR(CheckAdmin(caller));
        RW_RETURN_IF_ERROR(
            ValidateQuery(request->after_seq(), request->types()));
        std::vector<std::string> types(request->types().begin(),
                                       request->types().end());
        platform::Feed<v1::Event> feed;
        feed.next = [this, types, position = request->after_seq()]() mutable
            -> absl::StatusOr<std::vector<v1::Event>> {
          RW_ASSIGN_OR_RETURN(std::vector<Event> events,
                              events_.Read(position, types, kTailBatch));
          std::vector<v1::Event> out(events.size());
          for (size_t i = 0; i < events.size(); ++i) {
            RW_RETURN_IF_ERROR(ToProto(events[i], &out[i]));
            position = events[i].seq;
          }
          return out;
        };
        feed.watch =
            [this](std::function<void()> wake) -> std::shared_ptr<void> {
          return events_.Watch([wake = std::move(wake)](int64_t) { wake(); });
        };
        return feed;
      });
}

}  // namespace rentwave::events

#include "app/dev_clock_grpc.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "modules/platform/proto_time.h"

namespace rentwave::app {

DevClockGrpc::DevClockGrpc(platform::ManualClock& clock,
                           rentals::LateFeeTimer& timer,
                           platform::RpcGate& gate)
    : clock_(clock), timer_(timer), gate_(gate) {
  gate.AddService(v1::DevClock::service_full_name());
}

grpc::ServerUnaryReactor* DevClockGrpc::Advance(
    grpc::CallbackServerContext* ctx, const v1::AdvanceRequest* request,
    v1::DevClockTime* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const platform::Caller& caller) -> absl::Status {
        const google::protobuf::Duration& by = request->by();
        // A valid Duration has seconds and nanos of the same sign and
        // |nanos| < 1e9; the clock only moves forward.
        if (by.seconds() < 0 || by.nanos() < 0 || by.nanos() >= 1'000'000'000) {
          return absl::InvalidArgumentError(
              "by: must be a valid, non-negative duration");
        }
        const absl::Duration step = platform::FromProto(by);
        if (step > kMaxStep) {
          return absl::InvalidArgumentError(
              absl::StrCat("by: at most ", absl::FormatDuration(kMaxStep)));
        }
        const absl::Time now = clock_.Advance(step);
        // Charges that fell due are made now, not at the timer's next poll.
        timer_.Wake();
        spdlog::info(
            "dev clock: {} advanced it by {} to {}", caller.user_id,
            absl::FormatDuration(step),
            absl::FormatTime(absl::RFC3339_full, now, absl::UTCTimeZone()));
        platform::ToProto(now, response->mutable_now());
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* DevClockGrpc::GetTime(
    grpc::CallbackServerContext* ctx, const v1::GetTimeRequest* request,
    v1::DevClockTime* response) {
  return gate_.Serve(ctx, *request,
                     [=, this](const platform::Caller&) -> absl::Status {
                       platform::ToProto(clock_.Now(), response->mutable_now());
                       return absl::OkStatus();
                     });
}

}  // namespace rentwave::app

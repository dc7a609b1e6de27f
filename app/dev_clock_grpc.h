// gRPC adapter of the development clock (`rentwave serve --dev-clock`):
// rentwave.v1.DevClock moves a platform::ManualClock forward and wakes the
// late-fee timer, so that time-dependent scenarios run in milliseconds
// against the real binary. Registered only with the flag.
#pragma once

#include "modules/platform/clock.h"
#include "modules/platform/rpc.h"
#include "modules/rentals/rentals.h"
#include "rentwave/v1/dev_clock.grpc.pb.h"

namespace rentwave::app {

class DevClockGrpc final : public v1::DevClock::CallbackService {
 public:
  // Registers the service's methods with `gate`. Every argument must
  // outlive this; `clock` is the one the whole server reads.
  DevClockGrpc(platform::ManualClock& clock, rentals::LateFeeTimer& timer,
               platform::RpcGate& gate);

  // Any authenticated caller. Errors: INVALID_ARGUMENT (by: negative,
  // malformed, or more than kMaxStep).
  grpc::ServerUnaryReactor* Advance(grpc::CallbackServerContext* ctx,
                                    const v1::AdvanceRequest* request,
                                    v1::DevClockTime* response) override;
  grpc::ServerUnaryReactor* GetTime(grpc::CallbackServerContext* ctx,
                                    const v1::GetTimeRequest* request,
                                    v1::DevClockTime* response) override;

  // The largest step of one Advance call (keeps times far from overflow).
  static constexpr absl::Duration kMaxStep = absl::Hours(24 * 3660);

 private:
  platform::ManualClock& clock_;
  rentals::LateFeeTimer& timer_;
  const platform::RpcGate& gate_;
};

}  // namespace rentwave::app

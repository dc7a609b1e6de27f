// gRPC adapter of the rentals module: rentwave.v1.Rentals <->
// rentals::Rentals. Every method requires an authenticated caller.
#pragma once

#include "modules/platform/rpc.h"
#include "modules/rentals/rentals.h"
#include "rentwave/v1/rentals.grpc.pb.h"

namespace rentwave::rentals {

class RentalsGrpc final : public v1::Rentals::CallbackService {
 public:
  // Registers the service's methods with `gate`. Both must outlive this.
  RentalsGrpc(Rentals& rentals, platform::RpcGate& gate);

  grpc::ServerUnaryReactor* CreateRental(grpc::CallbackServerContext* ctx,
                                         const v1::CreateRentalRequest* request,
                                         v1::Rental* response) override;
  grpc::ServerUnaryReactor* GetRental(grpc::CallbackServerContext* ctx,
                                      const v1::GetRentalRequest* request,
                                      v1::Rental* response) override;
  grpc::ServerUnaryReactor* ListRentals(
      grpc::CallbackServerContext* ctx, const v1::ListRentalsRequest* request,
      v1::ListRentalsResponse* response) override;
  grpc::ServerUnaryReactor* ReturnRental(grpc::CallbackServerContext* ctx,
                                         const v1::ReturnRentalRequest* request,
                                         v1::Rental* response) override;
  grpc::ServerUnaryReactor* CancelRental(grpc::CallbackServerContext* ctx,
                                         const v1::CancelRentalRequest* request,
                                         v1::Rental* response) override;
  grpc::ServerUnaryReactor* ExtendRental(grpc::CallbackServerContext* ctx,
                                         const v1::ExtendRentalRequest* request,
                                         v1::Rental* response) override;

 private:
  Rentals& rentals_;
  const platform::RpcGate& gate_;
};

}  // namespace rentwave::rentals

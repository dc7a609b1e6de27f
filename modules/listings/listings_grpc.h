// gRPC adapter of the listings module: rentwave.v1.Listings <->
// listings::Listings.
#pragma once

#include "modules/listings/listings.h"
#include "modules/platform/rpc.h"
#include "rentwave/v1/listings.grpc.pb.h"

namespace rentwave::listings {

class ListingsGrpc final : public v1::Listings::CallbackService {
 public:
  // Registers the service's methods with `gate`. Both must outlive this.
  ListingsGrpc(Listings& listings, platform::RpcGate& gate);

  grpc::ServerUnaryReactor* CreateListing(
      grpc::CallbackServerContext* ctx, const v1::CreateListingRequest* request,
      v1::Listing* response) override;
  grpc::ServerUnaryReactor* GetListing(grpc::CallbackServerContext* ctx,
                                       const v1::GetListingRequest* request,
                                       v1::Listing* response) override;
  grpc::ServerUnaryReactor* UpdateListing(
      grpc::CallbackServerContext* ctx, const v1::UpdateListingRequest* request,
      v1::Listing* response) override;
  grpc::ServerUnaryReactor* SetListingActive(
      grpc::CallbackServerContext* ctx,
      const v1::SetListingActiveRequest* request,
      v1::Listing* response) override;
  grpc::ServerUnaryReactor* DeleteListing(
      grpc::CallbackServerContext* ctx, const v1::DeleteListingRequest* request,
      v1::DeleteListingResponse* response) override;
  grpc::ServerUnaryReactor* ListMyListings(
      grpc::CallbackServerContext* ctx,
      const v1::ListMyListingsRequest* request,
      v1::ListListingsResponse* response) override;
  grpc::ServerUnaryReactor* GetBook(grpc::CallbackServerContext* ctx,
                                    const v1::GetBookRequest* request,
                                    v1::GetBookResponse* response) override;
  grpc::ServerUnaryReactor* SearchListings(
      grpc::CallbackServerContext* ctx,
      const v1::SearchListingsRequest* request,
      v1::ListListingsResponse* response) override;

 private:
  Listings& listings_;
  const platform::RpcGate& gate_;
};

}  // namespace rentwave::listings

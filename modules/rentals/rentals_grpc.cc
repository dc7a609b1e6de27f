#include "modules/rentals/rentals_grpc.h"

#include "modules/platform/proto_time.h"
#include "modules/platform/status.h"

namespace rentwave::rentals {
namespace {

using platform::Caller;

void ToProto(int64_t amount_minor, const std::string& currency,
             v1::Money* out) {
  out->set_amount_minor(amount_minor);
  out->set_currency(currency);
}

// The status is as of `now`, when the response is made.
void ToProto(const Rental& r, absl::Time now, v1::Rental* out) {
  out->set_id(r.id);
  out->set_listing_id(r.listing_id);
  out->set_renter_id(r.renter_id);
  out->set_owner_id(r.owner_id);
  out->set_status(static_cast<v1::RentalStatus>(r.StatusAt(now)));
  platform::ToProto(r.start, out->mutable_start_time());
  platform::ToProto(r.end, out->mutable_end_time());
  if (r.returned) platform::ToProto(*r.returned, out->mutable_returned_time());
  if (r.cancelled) {
    platform::ToProto(*r.cancelled, out->mutable_cancelled_time());
  }
  ToProto(r.price_minor, r.currency, out->mutable_price());
  ToProto(r.deposit_minor, r.currency, out->mutable_deposit());
  ToProto(r.late_fee_minor, r.currency, out->mutable_late_fee());
  out->set_late_periods_charged(r.late_periods_charged);
  ToProto(r.late_fees_charged_minor, r.currency,
          out->mutable_late_fees_charged());
  platform::ToProto(r.created, out->mutable_create_time());
  platform::ToProto(r.updated, out->mutable_update_time());
}

}  // namespace

RentalsGrpc::RentalsGrpc(Rentals& rentals, platform::RpcGate& gate)
    : rentals_(rentals), gate_(gate) {
  gate.AddService(v1::Rentals::service_full_name());
}

grpc::ServerUnaryReactor* RentalsGrpc::CreateRental(
    grpc::CallbackServerContext* ctx, const v1::CreateRentalRequest* request,
    v1::Rental* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RentalRequest r;
        r.request_id = request->request_id();
        r.listing_id = request->listing_id();
        if (request->has_start_time()) {
          r.start = platform::FromProto(request->start_time());
        }
        if (request->has_end_time()) {
          r.end = platform::FromProto(request->end_time());
        }
        if (request->has_duration()) {
          r.duration = platform::FromProto(request->duration());
        }
        RW_ASSIGN_OR_RETURN(Rental rental, rentals_.Create(caller.user_id, r));
        ToProto(rental, rentals_.Now(), response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RentalsGrpc::GetRental(
    grpc::CallbackServerContext* ctx, const v1::GetRentalRequest* request,
    v1::Rental* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(Rental rental,
                            rentals_.Get(caller.user_id, request->rental_id()));
        ToProto(rental, rentals_.Now(), response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RentalsGrpc::ListRentals(
    grpc::CallbackServerContext* ctx, const v1::ListRentalsRequest* request,
    v1::ListRentalsResponse* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        // Unknown enum values pass through as numbers; List rejects them.
        RW_ASSIGN_OR_RETURN(
            RentalPage page,
            rentals_.List(caller.user_id, static_cast<Role>(request->role()),
                          static_cast<Status>(request->status()),
                          {request->page_size(), request->page_token()}));
        const absl::Time now = rentals_.Now();
        for (const Rental& r : page.rentals) {
          ToProto(r, now, response->add_rentals());
        }
        response->set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RentalsGrpc::ReturnRental(
    grpc::CallbackServerContext* ctx, const v1::ReturnRentalRequest* request,
    v1::Rental* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Rental rental,
            rentals_.Return(caller.user_id, request->rental_id()));
        ToProto(rental, rentals_.Now(), response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RentalsGrpc::CancelRental(
    grpc::CallbackServerContext* ctx, const v1::CancelRentalRequest* request,
    v1::Rental* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Rental rental,
            rentals_.Cancel(caller.user_id, request->rental_id()));
        ToProto(rental, rentals_.Now(), response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* RentalsGrpc::ExtendRental(
    grpc::CallbackServerContext* ctx, const v1::ExtendRentalRequest* request,
    v1::Rental* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        if (!request->has_end_time()) {
          return absl::InvalidArgumentError("end_time: required");
        }
        RW_ASSIGN_OR_RETURN(
            Rental rental,
            rentals_.Extend(caller.user_id, request->rental_id(),
                            platform::FromProto(request->end_time()),
                            request->request_id()));
        ToProto(rental, rentals_.Now(), response);
        return absl::OkStatus();
      });
}

}  // namespace rentwave::rentals

#include "modules/listings/listings_grpc.h"

#include "modules/platform/proto_time.h"
#include "modules/platform/status.h"

namespace rentwave::listings {
namespace {

using platform::Caller;

platform::Money FromProto(const v1::Money& m) {
  return {m.amount_minor(), m.currency()};
}

void ToProto(const platform::Money& m, v1::Money* out) {
  out->set_amount_minor(m.amount_minor);
  out->set_currency(m.currency);
}

// Enum values pass through as numbers; validation rejects unknown ones.
Listing FromProto(const v1::Listing& p) {
  Listing l;
  l.id = p.id();
  l.kind = static_cast<Kind>(p.kind());
  l.title = p.title();
  l.description = p.description();
  l.price = FromProto(p.price());
  l.period = static_cast<Period>(p.billing_period());
  l.max_duration = platform::FromProto(p.max_duration());
  l.late_fee = FromProto(p.late_fee());
  l.deposit = FromProto(p.deposit());
  l.version = p.version();
  switch (p.details_case()) {
    case v1::Listing::kBook:
      l.book = Book{p.book().isbn(), p.book().title(), p.book().author()};
      break;
    case v1::Listing::kVehicle: {
      const v1::VehicleDetails& v = p.vehicle();
      l.vehicle = Vehicle{static_cast<VehicleType>(v.vehicle_type()), v.make(),
                          v.model(), v.seats(), v.boot_litres()};
      break;
    }
    case v1::Listing::kRoom: {
      const v1::RoomDetails& r = p.room();
      l.room = Room{r.city(), r.address(), r.max_guests(), r.beds()};
      break;
    }
    case v1::Listing::DETAILS_NOT_SET:
      break;
  }
  return l;
}

void ToProto(const Book& b, v1::Book* out) {
  out->set_isbn(b.isbn);
  out->set_title(b.title);
  out->set_author(b.author);
}

void ToProto(const Listing& l, v1::Listing* out) {
  out->set_id(l.id);
  out->set_owner_id(l.owner_id);
  out->set_kind(static_cast<v1::ListingKind>(l.kind));
  out->set_title(l.title);
  out->set_description(l.description);
  ToProto(l.price, out->mutable_price());
  out->set_billing_period(static_cast<v1::BillingPeriod>(l.period));
  platform::ToProto(l.max_duration, out->mutable_max_duration());
  ToProto(l.late_fee, out->mutable_late_fee());
  if (l.deposit.amount_minor != 0) ToProto(l.deposit, out->mutable_deposit());
  out->set_active(l.active);
  out->set_archived(l.archived);
  platform::ToProto(l.created, out->mutable_create_time());
  platform::ToProto(l.updated, out->mutable_update_time());
  out->set_version(l.version);
  if (l.book) {
    v1::BookDetails* b = out->mutable_book();
    b->set_isbn(l.book->isbn);
    b->set_title(l.book->title);
    b->set_author(l.book->author);
  } else if (l.vehicle) {
    v1::VehicleDetails* v = out->mutable_vehicle();
    v->set_vehicle_type(static_cast<v1::VehicleType>(l.vehicle->type));
    v->set_make(l.vehicle->make);
    v->set_model(l.vehicle->model);
    v->set_seats(l.vehicle->seats);
    v->set_boot_litres(l.vehicle->boot_litres);
  } else if (l.room) {
    v1::RoomDetails* r = out->mutable_room();
    r->set_city(l.room->city);
    r->set_address(l.room->address);
    r->set_max_guests(l.room->max_guests);
    r->set_beds(l.room->beds);
  }
}

void ToProto(const Page& page, v1::ListListingsResponse* out) {
  for (const Listing& l : page.listings) ToProto(l, out->add_listings());
  out->set_next_page_token(page.next_page_token);
}

SearchQuery FromProto(const v1::SearchListingsRequest& r) {
  SearchQuery q;
  q.text = r.query();
  q.kind = static_cast<Kind>(r.kind());
  q.min_price_minor = r.price().min_minor();
  q.max_price_minor = r.price().max_minor();
  q.currency = r.price().currency();
  q.period = static_cast<Period>(r.billing_period());
  q.vehicle_type = static_cast<VehicleType>(r.vehicle_type());
  q.min_seats = r.min_seats();
  q.city = r.city();
  q.min_guests = r.min_guests();
  q.isbn = r.isbn();
  q.owner_id = r.owner_id();
  if (r.has_available_from()) {
    q.available_from = platform::FromProto(r.available_from());
  }
  if (r.has_available_to()) {
    q.available_to = platform::FromProto(r.available_to());
  }
  q.order = static_cast<SearchOrder>(r.order_by());
  return q;
}

}  // namespace

ListingsGrpc::ListingsGrpc(Listings& listings, platform::RpcGate& gate)
    : listings_(listings), gate_(gate) {
  gate.AddService(v1::Listings::service_full_name());
}

grpc::ServerUnaryReactor* ListingsGrpc::CreateListing(
    grpc::CallbackServerContext* ctx, const v1::CreateListingRequest* request,
    v1::Listing* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(Listing listing,
                            listings_.CreateListing(
                                caller.user_id, FromProto(request->listing())));
        ToProto(listing, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ListingsGrpc::GetListing(
    grpc::CallbackServerContext* ctx, const v1::GetListingRequest* request,
    v1::Listing* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Listing listing,
            listings_.Get(caller.user_id, request->listing_id()));
        ToProto(listing, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ListingsGrpc::UpdateListing(
    grpc::CallbackServerContext* ctx, const v1::UpdateListingRequest* request,
    v1::Listing* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        std::vector<std::string> paths(request->update_mask().paths().begin(),
                                       request->update_mask().paths().end());
        Listing patch = FromProto(request->listing());
        patch.id = request->listing_id();
        RW_ASSIGN_OR_RETURN(Listing listing,
                            listings_.Update(caller.user_id, patch, paths));
        ToProto(listing, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ListingsGrpc::SetListingActive(
    grpc::CallbackServerContext* ctx,
    const v1::SetListingActiveRequest* request, v1::Listing* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Listing listing,
            listings_.SetActive(caller.user_id, request->listing_id(),
                                request->active()));
        ToProto(listing, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ListingsGrpc::DeleteListing(
    grpc::CallbackServerContext* ctx, const v1::DeleteListingRequest* request,
    v1::DeleteListingResponse* /*response*/) {
  return gate_.Serve(ctx, *request, [=, this](const Caller& caller) {
    return listings_.Archive(caller.user_id, request->listing_id());
  });
}

grpc::ServerUnaryReactor* ListingsGrpc::ListMyListings(
    grpc::CallbackServerContext* ctx, const v1::ListMyListingsRequest* request,
    v1::ListListingsResponse* response) {
  return gate_.Serve(
      ctx, *request, [=, this](const Caller& caller) -> absl::Status {
        RW_ASSIGN_OR_RETURN(
            Page page,
            listings_.ListOwned(caller.user_id,
                                {request->page_size(), request->page_token()},
                                request->show_archived()));
        ToProto(page, response);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* ListingsGrpc::GetBook(
    grpc::CallbackServerContext* ctx, const v1::GetBookRequest* request,
    v1::GetBookResponse* response) {
  return gate_.Serve(ctx, *request, [=, this](const Caller&) -> absl::Status {
    RW_ASSIGN_OR_RETURN(
        auto book_and_page,
        listings_.GetBook(request->isbn(),
                          {request->page_size(), request->page_token()}));
    auto& [book, page] = book_and_page;
    ToProto(book, response->mutable_book());
    for (const Listing& l : page.listings) ToProto(l, response->add_listings());
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ListingsGrpc::SearchListings(
    grpc::CallbackServerContext* ctx, const v1::SearchListingsRequest* request,
    v1::ListListingsResponse* response) {
  return gate_.Serve(ctx, *request, [=, this](const Caller&) -> absl::Status {
    RW_ASSIGN_OR_RETURN(Page page, listings_.Search(FromProto(*request),
                                                    {request->page_size(),
                                                     request->page_token()}));
    ToProto(page, response);
    return absl::OkStatus();
  });
}

}  // namespace rentwave::listings

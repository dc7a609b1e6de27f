"""The virtual users: what they do, and what they record of it.

Owns the operation mix (register, log in, list and search items, deposit,
withdraw, transfer, rent, extend, return on time and late, cancel, an owner
taking back an overdue item, replaying acknowledged requests) and, for each
acknowledged write, what goes into Acks for the checks afterwards. The
plumbing (channel, retries, identity) is client.py's.
"""

import time
import traceback

import grpc

from client import Client
from rpc import DAY, HOUR, RPC_TIMEOUT, TRANSIENT, Stop, micros


def isbn13(rng):
    digits = [9, 7, 8] + [rng.randrange(10) for _ in range(9)]
    check = (10 - sum(d * (1 if i % 2 == 0 else 3)
                      for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits + [check]))


class VirtualUser(Client):
    """Runs the mix until Stop; a crash is a client check failure."""

    # Operation weights.
    MIX = [("deposit", 10), ("transfer", 8), ("withdraw", 2),
           ("create_listing", 4), ("search_listings", 10),
           ("create_rental", 14), ("extend_rental", 5),
           ("return_rental", 9), ("cancel_rental", 4),
           ("owner_return", 3), ("get_wallet", 4), ("login", 1),
           ("register", 1), ("replay", 3)]

    def __init__(self, index, args, api, gate, stats, acks, registry):
        super().__init__(index, args, api, gate, stats, acks, registry)
        self.kinds, self.weights = zip(*self.MIX)

    # -- operations ------------------------------------------------------

    def op_register(self):
        # Now and then a new identity (the old one's rentals are left
        # behind, overdue: their owners take them back).
        if self.rng.random() < 0.2:
            self.register()

    def op_login(self):
        self.login()

    def op_get_wallet(self):
        self.call("get_wallet", "wallet", "GetWallet",
                  self.api.wallet.GetWalletRequest())

    def record_wallet(self, kind, request, tx, to=None):
        with self.acks.lock:
            self.acks.wallet.append({
                "kind": kind, "account": self.user_id,
                "request_id": request.request_id, "id": tx.id,
                "debit": tx.debit_account, "credit": tx.credit_account,
                "amount": tx.amount.amount_minor, "tx_kind": tx.kind,
                "to": to})

    def op_deposit(self):
        request = self.api.wallet.DepositRequest(
            request_id=self.next_id("d"),
            amount=self.api.money(self.rng.randrange(2000, 40000)))
        tx = self.call("deposit", "wallet", "Deposit", request)
        if tx is not None:
            self.record_wallet("deposit", request, tx)
            self.replayable.append(("deposit", "wallet", "Deposit", request,
                                    tx.id))

    def op_withdraw(self):
        request = self.api.wallet.WithdrawRequest(
            request_id=self.next_id("w"),
            amount=self.api.money(self.rng.randrange(100, 3000)))
        tx = self.call("withdraw", "wallet", "Withdraw", request)
        if tx is not None:
            self.record_wallet("withdraw", request, tx)

    def op_transfer(self):
        to = self.registry.other_user(self.rng, self.user_id)
        if to is None:
            return
        request = self.api.wallet.TransferRequest(
            request_id=self.next_id("t"), to_user_id=to,
            amount=self.api.money(self.rng.randrange(100, 2000)),
            memo="soak")
        tx = self.call("transfer", "wallet", "Transfer", request)
        if tx is not None:
            self.record_wallet("transfer", request, tx, to=to)
            self.replayable.append(("transfer", "wallet", "Transfer", request,
                                    tx.id))

    def op_create_listing(self):
        if self.my_listings >= 4:
            return self.op_search_listings()
        api, rng = self.api, self.rng
        kind = rng.choice(["book", "book", "vehicle", "room"])
        price = rng.randrange(100, 1500)
        common = dict(price=api.money(price),
                      deposit=api.money(rng.choice([0, 500, 2000])),
                      late_fee=api.money(rng.choice([0, 200, 500])),
                      description="soak test item")
        if kind == "book":
            listing = api.listings.Listing(
                kind=api.listings.LISTING_KIND_BOOK, title="Soak book",
                billing_period=api.listings.BILLING_PERIOD_DAY,
                max_duration=api.Duration(seconds=14 * DAY),
                book=api.listings.BookDetails(isbn=isbn13(rng),
                                              title="Soak book",
                                              author="A. Writer"), **common)
        elif kind == "vehicle":
            listing = api.listings.Listing(
                kind=api.listings.LISTING_KIND_VEHICLE, title="Soak car",
                billing_period=api.listings.BILLING_PERIOD_HOUR,
                max_duration=api.Duration(seconds=96 * HOUR),
                vehicle=api.listings.VehicleDetails(
                    vehicle_type=api.listings.VEHICLE_TYPE_CAR,
                    make="Toyota", model="Yaris", seats=5, boot_litres=286),
                **common)
        else:
            listing = api.listings.Listing(
                kind=api.listings.LISTING_KIND_ROOM, title="Soak room",
                billing_period=api.listings.BILLING_PERIOD_DAY,
                max_duration=api.Duration(seconds=30 * DAY),
                room=api.listings.RoomDetails(city="Lyon",
                                              address="1 Rue Exemple",
                                              max_guests=2, beds=1), **common)
        # No idempotency key: an unanswered create is abandoned, not retried.
        created = self.call("create_listing", "listings", "CreateListing",
                            api.listings.CreateListingRequest(listing=listing),
                            retry=False)
        if created is None:
            return
        self.my_listings += 1
        with self.acks.lock:
            self.acks.listings[created.id] = (self.user_id,
                                              created.price.amount_minor)
        self.registry.add_listing({
            "id": created.id, "owner": self.user_id,
            "period_s": HOUR if kind == "vehicle" else DAY,
            "max_s": created.max_duration.seconds})

    def op_search_listings(self):
        api = self.api
        request = api.listings.SearchListingsRequest(
            query=self.rng.choice(["", "soak", "book", "car", "room"]),
            page_size=20)
        response = self.call("search_listings", "listings", "SearchListings",
                             request)
        if response is None:
            return
        for l in response.listings:
            period = {api.listings.BILLING_PERIOD_HOUR: HOUR,
                      api.listings.BILLING_PERIOD_DAY: DAY}.get(
                          l.billing_period, DAY)
            self.registry.add_listing({"id": l.id, "owner": l.owner_id,
                                       "period_s": period,
                                       "max_s": l.max_duration.seconds})

    def remember_rental(self, rental, listing=None):
        self.clock_us = max(self.clock_us, micros(rental.update_time))
        with self.acks.lock:
            rec = self.acks.rental(rental.id)
            rec["renter"] = rental.renter_id
            rec["listing"] = rental.listing_id
            rec["end_us"] = max(rec["end_us"], micros(rental.end_time))
            rec["late_periods"] = max(rec["late_periods"],
                                      rental.late_periods_charged)
            if rental.status == self.api.rentals.RENTAL_STATUS_RETURNED:
                rec["returned"] = True
            if rental.status == self.api.rentals.RENTAL_STATUS_CANCELLED:
                rec["cancelled"] = True
        done = rental.status in (self.api.rentals.RENTAL_STATUS_RETURNED,
                                 self.api.rentals.RENTAL_STATUS_CANCELLED)
        if rental.renter_id != self.user_id:
            return
        if done:
            self.open_rentals.pop(rental.id, None)
        else:
            entry = self.open_rentals.setdefault(rental.id, {})
            if listing is not None:
                entry.update(max_s=listing["max_s"],
                             period_s=listing["period_s"])
            entry.update(start_us=micros(rental.start_time),
                         end_us=micros(rental.end_time))

    def op_create_rental(self):
        listing = self.registry.listing_for(self.rng, self.user_id)
        if listing is None:
            return self.op_search_listings()
        api = self.api
        periods = self.rng.randrange(1, 4)
        request = api.rentals.CreateRentalRequest(
            request_id=self.next_id("r"), listing_id=listing["id"],
            duration=api.Duration(seconds=periods * listing["period_s"]))
        if self.rng.random() < 0.3:
            # Starts later (can be cancelled); a clock jump in between may
            # put it in the past (INVALID_ARGUMENT, counted as rejected).
            now = self.call("get_time", "clock", "GetTime",
                            api.dev_clock.GetTimeRequest())
            if now is None:
                return
            self.clock_us = max(self.clock_us, micros(now.now))
            request.start_time.seconds = (now.now.seconds +
                                          self.rng.randrange(1, 4) * DAY)
        rental = self.call("create_rental", "rentals", "CreateRental",
                           request)
        if rental is None:
            return
        with self.acks.lock:
            self.acks.rental(rental.id)["request_id"] = request.request_id
        self.remember_rental(rental, listing)
        self.replayable.append(("create_rental", "rentals", "CreateRental",
                                request, rental.id))

    def pick_rental(self, late=False):
        if not self.open_rentals:
            return None, None
        candidates = sorted(self.open_rentals)
        if late:
            # Mostly the overdue ones, so that returns are late as often
            # as on time.
            now = max(self.clock_us, self.gate.clock_us)
            overdue = [r for r in candidates
                       if self.open_rentals[r]["end_us"] < now]
            if overdue and self.rng.random() < 0.7:
                candidates = overdue
            elif not overdue and self.rng.random() < 0.5:
                return None, None  # keep it a while: it may come back late
        rental_id = self.rng.choice(candidates)
        return rental_id, self.open_rentals[rental_id]

    def op_extend_rental(self):
        rental_id, info = self.pick_rental()
        if rental_id is None or "period_s" not in info:
            return self.op_create_rental()
        request = self.api.rentals.ExtendRentalRequest(
            rental_id=rental_id, request_id=self.next_id("x"))
        new_end = info["end_us"] // 1_000_000 + info["period_s"]
        request.end_time.seconds = new_end
        rental = self.call("extend_rental", "rentals", "ExtendRental",
                           request)
        if rental is None:
            return
        if micros(rental.end_time) != new_end * 1_000_000:
            self.stats.fail(f"extend {rental_id}: end {rental.end_time} "
                            f"!= {new_end}")
        with self.acks.lock:
            self.acks.rental(rental_id)["extends"].append(request.request_id)
        self.remember_rental(rental)

    def op_return_rental(self):
        rental_id, info = self.pick_rental(late=True)
        if rental_id is None:
            return self.op_search_listings()
        rental = self.call("return_rental", "rentals", "ReturnRental",
                           self.api.rentals.ReturnRentalRequest(
                               rental_id=rental_id))
        if rental is None:
            if self.last_code == grpc.StatusCode.FAILED_PRECONDITION:
                # Not started yet: cancel it instead.
                rental = self.call("cancel_rental", "rentals", "CancelRental",
                                   self.api.rentals.CancelRentalRequest(
                                       rental_id=rental_id))
            if rental is not None:
                self.remember_rental(rental)
            elif self.last_code is not None:
                self.open_rentals.pop(rental_id, None)
            return
        kind = ("returns_late"
                if micros(rental.returned_time) > micros(rental.end_time)
                else "returns_on_time")
        self.stats.add(self.stats.acked, kind)
        self.remember_rental(rental)

    def op_cancel_rental(self):
        now = max(self.clock_us, self.gate.clock_us)
        booked = [r for r, i in self.open_rentals.items()
                  if i["start_us"] > now]
        if not booked:
            return self.op_create_rental()
        rental_id = self.rng.choice(sorted(booked))
        rental = self.call("cancel_rental", "rentals", "CancelRental",
                           self.api.rentals.CancelRentalRequest(
                               rental_id=rental_id))
        if rental is not None:
            self.remember_rental(rental)
        elif self.last_code is not None:  # it started meanwhile
            self.open_rentals.pop(rental_id, None)

    def op_owner_return(self):
        # An owner takes back an overdue item.
        api = self.api
        response = self.call("list_rentals", "rentals", "ListRentals",
                             api.rentals.ListRentalsRequest(
                                 role=api.rentals.RENTAL_ROLE_OWNER,
                                 status=api.rentals.RENTAL_STATUS_OVERDUE,
                                 page_size=10))
        if response is None or not response.rentals:
            return
        target = self.rng.choice(list(response.rentals))
        rental = self.call("owner_return", "rentals", "ReturnRental",
                           api.rentals.ReturnRentalRequest(
                               rental_id=target.id))
        if rental is not None:
            self.remember_rental(rental)

    def op_replay(self):
        """An acknowledged request again: the same result, not a second
        effect; its id with other parameters: ALREADY_EXISTS."""
        if not self.replayable:
            return self.op_deposit()
        kind, service, method, request, result_id = self.rng.choice(
            self.replayable)
        if self.rng.random() < 0.2 and kind == "deposit":
            changed = type(request)()
            changed.CopyFrom(request)
            changed.amount.amount_minor += 1
            self.stats.add(self.stats.attempted, "replay_changed")
            try:
                self.connect()
                self.stub[service].Deposit(changed, metadata=self.auth,
                                           timeout=RPC_TIMEOUT)
                self.stats.fail(f"deposit {request.request_id} with another "
                                "amount was accepted")
            except ValueError:
                self.stats.add(self.stats.unacked, "replay_changed")
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.ALREADY_EXISTS:
                    self.stats.add(self.stats.acked, "replay_changed")
                elif e.code() in TRANSIENT or \
                        e.code() == grpc.StatusCode.UNAUTHENTICATED:
                    self.stats.add(self.stats.unacked, "replay_changed")
                else:
                    self.stats.reject("replay_changed", e.code(), e.details())
            return
        response = self.call("replay", service, method, request)
        if response is not None and response.id != result_id:
            self.stats.fail(f"replayed {kind} {request.request_id}: got "
                            f"{response.id}, first {result_id}")

    # -- the loop --------------------------------------------------------

    def run(self):
        try:
            while not self.register():
                time.sleep(0.2)
            self.op_deposit()
            while True:
                kind = self.rng.choices(self.kinds, self.weights)[0]
                getattr(self, "op_" + kind)()
                self.think()
        except Stop:
            pass
        except Exception:  # a harness bug: fail loudly, not silently
            self.stats.fail(f"{self.name} crashed:\n{traceback.format_exc()}")

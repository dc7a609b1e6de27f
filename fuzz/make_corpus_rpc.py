#!/usr/bin/python3
"""Writes the seed corpus of rpc_fuzzer to fuzz/corpus/rpc.

Each seed is: one byte naming the method (its index among every method of
proto/rentwave/v1/*.proto, sorted by full name), one byte of flags (caller,
tampered token, relative timestamps) and the request in protobuf wire format;
see rpc_input.h. Requests are written below in protobuf text format, with
the placeholders rpc_fuzzer replaces ($OWNER, $BIKE, $ACTIVE, ...).

Needs protoc and python3-protobuf (Debian: protobuf-compiler,
python3-protobuf). Rerun after editing SEEDS or adding an RPC (the method
indexes shift); every seed file is rewritten, and the files of seeds no
longer listed here are deleted. crash-* files are not made here.
"""
import os
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, text_format
from google.protobuf import message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTO = os.path.join(ROOT, "proto")
GOOGLEAPIS = "/usr/share/gocode/src/github.com/gogo/googleapis"
OUT = os.path.join(HERE, "corpus", "rpc")

ANON, OWNER, RENTER, ADMIN = 0, 1, 2, 3
TAMPERED = 4  # flag: a tampered token instead of the caller's
RELATIVE = 8  # flag: timestamps are relative to the server's clock
RAW = 16  # flag: bytes that do not parse are sent as they are

BIKE = """kind: LISTING_KIND_VEHICLE title: "Bike"
  price { amount_minor: 300 currency: "USD" } billing_period: BILLING_PERIOD_HOUR
  max_duration { seconds: 259200 } deposit { amount_minor: 1000 currency: "USD" }
  vehicle { vehicle_type: VEHICLE_TYPE_BICYCLE make: "B" model: "C" seats: 1 }"""
ROOM = """kind: LISTING_KIND_ROOM title: "Loft by the river"
  description: "Quiet, two beds" price { amount_minor: 9000 currency: "USD" }
  billing_period: BILLING_PERIOD_DAY max_duration { seconds: 1209600 }
  late_fee { amount_minor: 5000 currency: "USD" }
  room { city: "Oslo" address: "1 Main St" max_guests: 4 beds: 2 }"""
BOOK = """kind: LISTING_KIND_BOOK title: "Dune"
  price { amount_minor: 100 currency: "USD" } billing_period: BILLING_PERIOD_DAY
  max_duration { seconds: 2592000 }
  book { isbn: "0-441-17271-7" title: "Dune" author: "F. Herbert" }"""

# name -> (method, flags, request in text format). The replay runs them in
# file-name order, one server for all, so later seeds see what earlier ones
# did; zz-late-* runs last, when the clock moving on makes rentals overdue.
SEEDS = {
    "DevClock.Advance-renter-1m": ("DevClock/Advance", RENTER,
                                   "by { seconds: 60 }"),
    "zz-late-DevClock.Advance-renter-5d": ("DevClock/Advance", RENTER,
                                           "by { seconds: 432000 }"),
    "zz-late-Rentals.ListRentals-renter-overdue": (
        "Rentals/ListRentals", RENTER, "status: RENTAL_STATUS_OVERDUE"),
    "zz-late-Wallet.ListTransactions-renter-charges": (
        "Wallet/ListTransactions", RENTER, "kind: TRANSACTION_KIND_CHARGE"),
    "DevClock.Advance-owner-too-far": ("DevClock/Advance", OWNER,
                                       "by { seconds: 999999999999 }"),
    "DevClock.Advance-owner-negative": ("DevClock/Advance", OWNER,
                                        "by { seconds: -1 nanos: -5 }"),
    "DevClock.Advance-anonymous": ("DevClock/Advance", ANON,
                                   "by { seconds: 1 }"),
    "DevClock.GetTime-owner": ("DevClock/GetTime", OWNER, ""),
    "Events.ListEvents-admin": ("Events/ListEvents", ADMIN,
                                "after_seq: 0 page_size: 50"),
    "Events.ListEvents-admin-types": ("Events/ListEvents", ADMIN,
                                      'after_seq: -5 types: "rental.created" '
                                      'types: "" page_size: 100000'),
    "Events.ListEvents-owner": ("Events/ListEvents", OWNER, ""),
    "Events.TailEvents-admin": ("Events/TailEvents", ADMIN,
                                'after_seq: 3 types: "wallet.deposited"'),
    "Events.TailEvents-renter": ("Events/TailEvents", RENTER, ""),
    "Listings.CreateListing-owner-bike": ("Listings/CreateListing", OWNER,
                                          "listing { %s }" % BIKE),
    "Listings.CreateListing-renter-room": ("Listings/CreateListing", RENTER,
                                           "listing { %s }" % ROOM),
    "Listings.CreateListing-owner-book": ("Listings/CreateListing", OWNER,
                                          "listing { %s }" % BOOK),
    "Listings.CreateListing-owner-no-price": (
        "Listings/CreateListing", OWNER,
        'listing { kind: LISTING_KIND_BOOK title: "x" book { isbn: "1" } }'),
    "Listings.CreateListing-anonymous": ("Listings/CreateListing", ANON,
                                         "listing { %s }" % BIKE),
    "Listings.DeleteListing-renter": ("Listings/DeleteListing", RENTER,
                                      'listing_id: "$BIKE"'),
    "Listings.DeleteListing-owner-rented": ("Listings/DeleteListing", OWNER,
                                            'listing_id: "$BOOK"'),
    "Listings.GetBook-anonymous": ("Listings/GetBook", ANON,
                                   'isbn: "9780441172719" page_size: 2'),
    "Listings.GetBook-bad-isbn": ("Listings/GetBook", ANON,
                                  'isbn: "97804411727X9"'),
    "Listings.GetListing-anonymous": ("Listings/GetListing", ANON,
                                      'listing_id: "$BIKE"'),
    "Listings.GetListing-missing": ("Listings/GetListing", RENTER,
                                    'listing_id: "no-such-listing"'),
    "Listings.ListMyListings-owner": ("Listings/ListMyListings", OWNER,
                                      "page_size: 1 show_archived: true"),
    "Listings.ListMyListings-bad-token": ("Listings/ListMyListings", OWNER,
                                          'page_token: "AAAA"'),
    "Listings.SearchListings-query": ("Listings/SearchListings", ANON,
                                      'query: "dune" order_by: '
                                      "SEARCH_ORDER_RELEVANCE"),
    "Listings.SearchListings-filters": (
        "Listings/SearchListings", RENTER | RELATIVE,
        "kind: LISTING_KIND_VEHICLE price { min_minor: 1 max_minor: 500 "
        'currency: "USD" } billing_period: BILLING_PERIOD_HOUR '
        "vehicle_type: VEHICLE_TYPE_BICYCLE min_seats: 1 "
        'owner_id: "$OWNER" available_from { seconds: 3600 } '
        "available_to { seconds: 7200 } order_by: "
        "SEARCH_ORDER_PRICE_ASCENDING page_size: 3"),
    "Listings.SearchListings-room": ("Listings/SearchListings", ANON,
                                     'kind: LISTING_KIND_ROOM city: "oslo" '
                                     "min_guests: 2 order_by: "
                                     "SEARCH_ORDER_NEWEST"),
    "Listings.SearchListings-fts-syntax": ("Listings/SearchListings", ANON,
                                           'query: "\\"du* OR NEAR(a b) -x"'),
    "Listings.SetListingActive-owner": ("Listings/SetListingActive", OWNER,
                                        'listing_id: "$BOOK" active: true'),
    "Listings.UpdateListing-owner": (
        "Listings/UpdateListing", OWNER,
        'listing_id: "$BIKE" listing { title: "Renamed" price { '
        'amount_minor: 350 currency: "USD" } } update_mask { paths: "title" '
        'paths: "price" }'),
    "Listings.UpdateListing-renter": ("Listings/UpdateListing", RENTER,
                                      'listing_id: "$BIKE" listing { title: '
                                      '"Mine" } update_mask { paths: "title" }'),
    "Listings.UpdateListing-bad-mask": ("Listings/UpdateListing", OWNER,
                                        'listing_id: "$BOOK" update_mask { '
                                        'paths: "owner_id" paths: "" }'),
    "Notifications.ListNotifications-owner": (
        "Notifications/ListNotifications", OWNER,
        "unread_only: true page_size: 10"),
    "Notifications.MarkRead-owner": ("Notifications/MarkRead", OWNER,
                                     'ids: "$NOTE" ids: "someone-elses"'),
    "Notifications.WatchNotifications-owner": (
        "Notifications/WatchNotifications", OWNER, ""),
    "Notifications.WatchNotifications-anonymous": (
        "Notifications/WatchNotifications", ANON, ""),
    "Rentals.CancelRental-renter": ("Rentals/CancelRental", RENTER,
                                    'rental_id: "$FUTURE"'),
    "Rentals.CreateRental-renter": (
        "Rentals/CreateRental", RENTER | RELATIVE,
        'request_id: "seed-1" listing_id: "$BOOK" start_time { seconds: '
        "259200 } duration { seconds: 86400 }"),
    "Rentals.CreateRental-renter-end-time": (
        "Rentals/CreateRental", RENTER | RELATIVE,
        'request_id: "seed-2" listing_id: "$BIKE" start_time { seconds: '
        "86400 } end_time { seconds: 90000 }"),
    "Rentals.CreateRental-owner-own": ("Rentals/CreateRental", OWNER,
                                       'request_id: "seed-3" listing_id: '
                                       '"$BIKE" duration { seconds: 3600 }'),
    "Rentals.CreateRental-admin-too-long": (
        "Rentals/CreateRental", ADMIN,
        'request_id: "seed-4" listing_id: "$BIKE" duration { seconds: '
        "315360000000 nanos: 999999999 }"),
    "Rentals.ExtendRental-renter": (
        "Rentals/ExtendRental", RENTER | RELATIVE,
        'rental_id: "$ACTIVE" end_time { seconds: 14400 } request_id: "x1"'),
    "Rentals.GetRental-owner": ("Rentals/GetRental", OWNER,
                                'rental_id: "$ACTIVE"'),
    "Rentals.GetRental-admin": ("Rentals/GetRental", ADMIN,
                                'rental_id: "$FUTURE"'),
    "Rentals.ListRentals-renter": ("Rentals/ListRentals", RENTER,
                                   "role: RENTAL_ROLE_RENTER page_size: 1"),
    "Rentals.ListRentals-owner-status": ("Rentals/ListRentals", OWNER,
                                         "role: RENTAL_ROLE_OWNER status: "
                                         "RENTAL_STATUS_OVERDUE"),
    "Rentals.ReturnRental-renter": ("Rentals/ReturnRental", RENTER,
                                    'rental_id: "$ACTIVE"'),
    "Rentals.ReturnRental-owner-again": ("Rentals/ReturnRental", OWNER,
                                         'rental_id: "$ACTIVE"'),
    "Users.GetMe-owner": ("Users/GetMe", OWNER, ""),
    "Users.GetMe-tampered-token": ("Users/GetMe", OWNER | TAMPERED, ""),
    "Users.GetMe-not-a-token": ("Users/GetMe", ANON | TAMPERED, ""),
    "Users.GetUser-anonymous": ("Users/GetUser", ANON,
                                'user_id: "$RENTER"'),
    "Users.Login-owner": ("Users/Login", ANON, 'username: "fz_owner" '
                          'password: "fuzz-password-1"'),
    "Users.Login-wrong-password": ("Users/Login", ANON,
                                   'username: "fz_renter" password: "x"'),
    "Users.Logout-admin": ("Users/Logout", ADMIN, ""),
    "Users.Register-new": (
        "Users/Register", ANON,
        'username: "seed_user" password: "correct horse battery" '
        'display_name: "Seed" email: "seed@example.com" address { '
        'line1: "1 Main St" city: "Oslo" country_code: "NO" }'),
    "Users.Register-taken": ("Users/Register", ANON,
                             'username: "fz_owner" password: "whatever12345"'),
    "Users.Register-short-password": ("Users/Register", ANON,
                                      'username: "shorty" password: "a"'),
    "Users.UpdateMe-renter": ("Users/UpdateMe", RENTER,
                              'user { display_name: "Rene" email: '
                              '"r@example.com" } update_mask { paths: '
                              '"display_name" paths: "email" }'),
    "Users.UpdateMe-bad-mask": ("Users/UpdateMe", OWNER,
                                'user { username: "root" } update_mask { '
                                'paths: "username" }'),
    "Wallet.Deposit-renter": ("Wallet/Deposit", RENTER,
                              'request_id: "d1" amount { amount_minor: 2500 '
                              'currency: "USD" }'),
    "Wallet.Deposit-wrong-currency": ("Wallet/Deposit", OWNER,
                                      'request_id: "d2" amount { '
                                      'amount_minor: 1 currency: "EUR" }'),
    "Wallet.Deposit-huge": ("Wallet/Deposit", OWNER,
                            'request_id: "d3" amount { amount_minor: '
                            '9223372036854775807 currency: "USD" }'),
    "Wallet.GetTransaction-renter": ("Wallet/GetTransaction", RENTER,
                                     'transaction_id: "$DEPOSIT"'),
    "Wallet.GetWallet-renter": ("Wallet/GetWallet", RENTER, ""),
    "Wallet.ListTransactions-renter": ("Wallet/ListTransactions", RENTER,
                                       "page_size: 2 kind: "
                                       "TRANSACTION_KIND_HOLD"),
    "Wallet.Transfer-renter": ("Wallet/Transfer", RENTER,
                               'request_id: "t1" to_user_id: "$OWNER" amount '
                               '{ amount_minor: 100 currency: "USD" } memo: '
                               '"thanks"'),
    "Wallet.Transfer-self": ("Wallet/Transfer", OWNER,
                             'request_id: "t2" to_user_id: "$OWNER" amount { '
                             'amount_minor: 100 currency: "USD" }'),
    "Wallet.Withdraw-owner-too-much": ("Wallet/Withdraw", OWNER,
                                       'request_id: "w1" amount { '
                                       'amount_minor: 9999999 currency: '
                                       '"USD" }'),
}

# name -> (method, flags, raw bytes after the two header bytes): requests
# that do not parse (sent as they are), or parse into something odd.
GARBAGE = {
    "garbage-Rentals.CreateRental-truncated": (
        "Rentals/CreateRental", RENTER | RAW, b"\x12\x50abc"),
    "garbage-Users.Register-invalid-utf8": (
        "Users/Register", ANON | RAW, b"\x0a\x03\xff\xfe\x80\x12\x02pw"),
    "garbage-Wallet.Deposit-bad-wire-type": (
        "Wallet/Deposit", RENTER | RAW, b"\x0f\xff\xff\xff\xff\xff"),
    "garbage-Listings.SearchListings-unknown-fields": (
        "Listings/SearchListings", ANON, b"\xf8\x07\x01\xfa\x07\x00\x08\x80"
        b"\x80\x80\x80\x80\x80\x80\x80\x80\x01"),
    "garbage-Events.TailEvents-bad": ("Events/TailEvents", ADMIN | RAW,
                                      b"\x08"),
    # Not raw: the fields before the error (username) are sent.
    "garbage-Users.Register-salvaged": (
        "Users/Register", ANON, b"\x0a\x08salvaged\x12\x40short"),
}


def load_pool():
    """The descriptors of proto/rentwave/v1/*.proto, compiled by protoc."""
    files = sorted(f for f in os.listdir(os.path.join(PROTO, "rentwave", "v1"))
                   if f.endswith(".proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.pb")
        subprocess.run(
            ["protoc", "-I", PROTO, "-I", GOOGLEAPIS, "--include_imports",
             "--descriptor_set_out=" + out] +
            ["rentwave/v1/" + f for f in files], check=True)
        with open(out, "rb") as f:
            fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for fd in fds.file:
        pool.Add(fd)
    methods = []
    for f in files:
        fd = pool.FindFileByName("rentwave/v1/" + f)
        for service in fd.services_by_name.values():
            for method in service.methods:
                methods.append(method)
    methods.sort(key=lambda m: m.full_name)
    return methods


def main():
    methods = load_pool()
    index = {m.containing_service.name + "/" + m.name: i
             for i, m in enumerate(methods)}
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    for name, (method, flags, text) in SEEDS.items():
        m = methods[index[method]]
        request = message_factory.MessageFactory(m.input_type.file.pool) \
            .GetPrototype(m.input_type)()
        text_format.Parse(text, request)
        seeds[name] = bytes([index[method], flags]) + \
            request.SerializeToString()
    for name, (method, flags, raw) in GARBAGE.items():
        seeds[name] = bytes([index[method], flags]) + raw
    # Every method has a seed.
    missing = set(index) - {method for method, _, _ in SEEDS.values()}
    if missing:
        sys.exit("no seed for " + ", ".join(sorted(missing)))
    for old in os.listdir(OUT):
        if old not in seeds and not old.startswith("crash-"):
            os.remove(os.path.join(OUT, old))
    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("wrote %d seeds for %d methods to %s" % (len(seeds), len(methods),
                                                    OUT))


if __name__ == "__main__":
    main()

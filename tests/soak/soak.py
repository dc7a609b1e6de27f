#!/usr/bin/python3
"""Soak test: a mixed workload against the real binary while it is SIGKILLed.

Virtual users (threads, each its own account and gRPC channel, stubs
generated from proto/ with Debian's grpc_tools) register, log in, list and
search items, deposit, withdraw, transfer, rent, extend, return (on time and
late), cancel, and replay acknowledged requests, against `rentwave serve
--dev-clock` on loopback with a temporary database. A supervisor (the main
thread) advances the development clock so that rentals fall due and the
late-fee timer charges them, and SIGKILLs the server at random intervals,
restarting it on the same database and ports (and moving its clock, which
restarts at the real time, back to where it was) before it lets the users
go on.

Every operation the server acknowledged (an OK response) is recorded. A
call that fails without an answer (UNAVAILABLE while the server is down, a
deadline) is retried with the same request: request ids make money
movements, rentals and extensions idempotent, returns and cancellations are
harmless to repeat; a listing or a registration is never retried blindly.

Afterwards, with the server stopped, the database is opened read-only and
checked: every acknowledged write is there (users, listings, wallet
transactions with their request ids, rentals created, extended, returned and
cancelled); nothing is half-applied (every rental's holds exist and are in
the state its own state implies, no orphan hold, request record or transfer;
each rental has the events its state implies); charges per rental match
late_periods_charged and its late fees and are periods 1..n; no two rentals
of a listing overlapped while both were open; the event log is gap-free;
PRAGMA integrity_check and foreign_key_check are clean; and `rentwave
verify` exits 0. A report follows; the exit code is 1 if any check failed,
77 (ctest: skipped) if python3-grpcio or python3-grpc-tools is missing.

  /usr/bin/python3 tests/soak/soak.py RENTWAVE PROTO_DIR GOOGLEAPIS_DIR \
      [--duration 60] [--users 10] [--min-kill-interval 3] \
      [--max-kill-interval 8] [--min-kills 5] [--seed N] [--keep]

`make soak DURATION=600` runs it longer. Run it with Debian's
/usr/bin/python3 (python3-grpcio, python3-grpc-tools, python3-protobuf).
"""

import argparse
import collections
import ctypes
import importlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback

try:
    import grpc
    import grpc_tools  # noqa: F401 (run as a module by generate_stubs)
except ImportError as e:
    print(f"SKIPPED: {e} (python3-grpcio, python3-grpc-tools: "
          "scripts/install-deps.sh; run with /usr/bin/python3)")
    sys.exit(77)

PROTOS = ["common", "users", "listings", "wallet", "rentals", "dev_clock"]
HOUR, DAY = 3600, 86400
CURRENCY = "USD"
RPC_TIMEOUT = 10  # seconds per call
# No answer: the call may or may not have been applied.
TRANSIENT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
             grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN}
# Codes no well-formed request of this harness should ever get.
UNEXPECTED = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNIMPLEMENTED,
              grpc.StatusCode.DATA_LOSS, grpc.StatusCode.PERMISSION_DENIED,
              grpc.StatusCode.RESOURCE_EXHAUSTED}


class Stop(Exception):
    """The run is over (deadline or Ctrl-C)."""


class Interrupted(Exception):
    """SIGTERM (e.g. ctest's timeout): clean up like on Ctrl-C."""


def on_sigterm(signum, frame):
    raise Interrupted()


# --------------------------------------------------------------------------
# Stubs


class Api:
    """The generated modules, loaded once."""

    def __init__(self, proto_dir, googleapis_dir, out_dir):
        files = [f"rentwave/v1/{p}.proto" for p in PROTOS]
        files += ["google/api/annotations.proto", "google/api/http.proto"]
        result = subprocess.run(
            [sys.executable, "-m", "grpc_tools.protoc", f"-I{proto_dir}",
             f"-I{googleapis_dir}", f"--python_out={out_dir}",
             f"--grpc_python_out={out_dir}", *files],
            capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"grpc_tools.protoc failed:\n{result.stderr}")
        sys.path.insert(0, out_dir)
        for name in PROTOS:
            setattr(self, name,
                    importlib.import_module(f"rentwave.v1.{name}_pb2"))
            if name != "common":
                setattr(self, name + "_grpc", importlib.import_module(
                    f"rentwave.v1.{name}_pb2_grpc"))
        from google.protobuf import duration_pb2, timestamp_pb2
        self.Duration = duration_pb2.Duration
        self.Timestamp = timestamp_pb2.Timestamp

    def money(self, minor):
        return self.common.Money(amount_minor=minor, currency=CURRENCY)

    def stubs(self, channel):
        return {"users": self.users_grpc.UsersStub(channel),
                "listings": self.listings_grpc.ListingsStub(channel),
                "wallet": self.wallet_grpc.WalletStub(channel),
                "rentals": self.rentals_grpc.RentalsStub(channel),
                "clock": self.dev_clock_grpc.DevClockStub(channel)}


def micros(ts):
    return ts.seconds * 1_000_000 + ts.nanos // 1000


# --------------------------------------------------------------------------
# The server


try:
    _LIBC = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _LIBC = None


def _die_with_parent():
    """In the child: SIGKILL if the harness dies (even by SIGKILL). libc is
    loaded before forking: no dlopen in a child of a threaded process."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Server:
    """`rentwave serve --dev-clock` on one database, killed and restarted.

    Only the main thread starts it (PR_SET_PDEATHSIG follows the thread that
    forked), so it never outlives the harness."""

    def __init__(self, binary, work_dir):
        self.binary = binary
        self.work_dir = work_dir
        self.db = os.path.join(work_dir, "rentwave.db")
        self.process = None
        self.grpc_port = 0
        self.http_port = 0
        self.starts = 0
        self.log_path = None

    def start(self):
        for attempt in range(2):
            # The same ports as before if possible (clients keep their
            # address); port 0 if those are taken.
            grpc_port = self.grpc_port if attempt == 0 else 0
            http_port = self.http_port if attempt == 0 else 0
            self.starts += 1
            self.log_path = os.path.join(self.work_dir,
                                         f"server-{self.starts}.log")
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("RENTWAVE_")}
            with open(self.log_path, "w") as log:
                self.process = subprocess.Popen(
                    [self.binary, "serve", "--db", self.db,
                     "--grpc-listen", f"127.0.0.1:{grpc_port}",
                     "--http-listen", f"127.0.0.1:{http_port}",
                     "--dev-clock", "--password-cost", "minimum",
                     "--user-rate", "0", "--address-rate", "0",
                     "--db-synchronous", "full", "--shutdown-grace", "2",
                     "--log-level", "warn"],
                    stdout=log, stderr=subprocess.STDOUT, env=env,
                    stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
            ports = self._wait_for_ports()
            if ports is not None:
                self.grpc_port, self.http_port = ports
                return
            if attempt == 0 and self.grpc_port != 0:
                continue
        raise RuntimeError(f"rentwave did not start:\n{self.log_tail()}")

    def _wait_for_ports(self):
        grpc_prefix = "rentwave: serving gRPC on port "
        http_prefix = "rentwave: serving HTTP on port "
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            grpc_port = http_port = None
            with open(self.log_path) as log:
                for line in log:
                    if line.startswith(grpc_prefix):
                        grpc_port = int(line[len(grpc_prefix):])
                    if line.startswith(http_prefix):
                        http_port = int(line[len(http_prefix):])
            if grpc_port and http_port:
                return grpc_port, http_port
            if self.process.poll() is not None:
                return None
            time.sleep(0.01)
        self.kill()
        return None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        if self.alive():
            self.process.kill()
        if self.process is not None:
            self.process.wait()

    def stop(self):
        """SIGTERM; the exit code (None if it had to be killed)."""
        if not self.alive():
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def log_tail(self, lines=30):
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except (OSError, TypeError):
            return ""


# --------------------------------------------------------------------------
# Shared state


class Stats:
    """Per operation kind: attempted, acknowledged, rejected (by code),
    unacknowledged (no answer, then abandoned), retries."""

    def __init__(self):
        self.lock = threading.Lock()
        self.attempted = collections.Counter()
        self.acked = collections.Counter()
        self.rejected = collections.defaultdict(collections.Counter)
        self.unacked = collections.Counter()
        self.retries = collections.Counter()
        self.unexpected = []  # (kind, code, details)
        self.examples = {}    # (kind, code name) -> the first details
        self.failures = []    # client-side check failures

    def add(self, counter, kind, n=1):
        with self.lock:
            counter[kind] += n

    def reject(self, kind, code, details):
        with self.lock:
            self.rejected[kind][code.name] += 1
            self.examples.setdefault((kind, code.name), details)
            if code in UNEXPECTED and len(self.unexpected) < 50:
                self.unexpected.append((kind, code.name, details))

    def fail(self, what):
        with self.lock:
            self.failures.append(what)


class Acks:
    """What the server acknowledged, for the checks afterwards."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}       # user id -> username
        self.listings = {}    # listing id -> (owner id, price minor)
        self.wallet = []      # dicts: kind, account, request_id, tx
        # rental id -> dict(renter, listing, request_id, end_us, returned,
        # cancelled, late_periods, extends: [request ids])
        self.rentals = {}

    def rental(self, rental_id):
        return self.rentals.setdefault(rental_id, {
            "renter": None, "listing": None, "request_id": None, "end_us": 0,
            "returned": False, "cancelled": False, "late_periods": 0,
            "extends": []})


class Gate:
    """Open while the server is up with its clock restored; the generation
    changes with every start, and clients open a new channel for it.

    Once the server is killed, every client channel is closed: a call queued
    on one would otherwise reach the new process on the same port before
    its clock is restored."""

    def __init__(self):
        self.cond = threading.Condition()
        self.open = False
        self.generation = 0
        self.address = None
        self.stopping = False
        self.clock_us = 0  # the development clock, as last moved
        self.channels = []

    def channel(self, generation):
        """A new channel to the server of `generation` if it is current."""
        with self.cond:
            while not self.open and not self.stopping:
                self.cond.wait(0.5)
            if self.stopping:
                raise Stop()
            if generation == self.generation:
                return None, generation
            channel = grpc.insecure_channel(self.address)
            self.channels.append(channel)
            return channel, self.generation

    def close_channels(self):
        with self.cond:
            channels, self.channels = self.channels, []
        for channel in channels:
            channel.close()  # cancels what is in flight or queued on it

    def set_open(self, address):
        with self.cond:
            self.generation += 1
            self.address = address
            self.open = True
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.open = False

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()


class Registry:
    """Users and listings every virtual user can see (ids only)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = []
        self.listings = []  # dicts: id, owner, period_s, max_s

    def add_user(self, user_id):
        with self.lock:
            self.users.append(user_id)

    def add_listing(self, listing):
        with self.lock:
            if all(l["id"] != listing["id"] for l in self.listings):
                self.listings.append(listing)

    def other_user(self, rng, me):
        with self.lock:
            others = [u for u in self.users if u != me]
        return rng.choice(others) if others else None

    def listing_for(self, rng, me):
        with self.lock:
            theirs = [l for l in self.listings if l["owner"] != me]
        return rng.choice(theirs) if theirs else None


# --------------------------------------------------------------------------
# Virtual users


def isbn13(rng):
    digits = [9, 7, 8] + [rng.randrange(10) for _ in range(9)]
    check = (10 - sum(d * (1 if i % 2 == 0 else 3)
                      for i, d in enumerate(digits)) % 10) % 10
    return "".join(map(str, digits + [check]))


class VirtualUser(threading.Thread):
    # Operation weights.
    MIX = [("deposit", 10), ("transfer", 8), ("withdraw", 2),
           ("create_listing", 4), ("search_listings", 10),
           ("create_rental", 14), ("extend_rental", 5),
           ("return_rental", 9), ("cancel_rental", 4),
           ("owner_return", 3), ("get_wallet", 4), ("login", 1),
           ("register", 1), ("replay", 3)]

    def __init__(self, index, args, api, gate, stats, acks, registry):
        super().__init__(name=f"vu-{index}", daemon=True)
        self.index = index
        self.args = args
        self.api = api
        self.gate = gate
        self.stats = stats
        self.acks = acks
        self.registry = registry
        self.rng = random.Random(args.seed * 1000 + index)
        self.generation = None
        self.channel = None
        self.stub = None
        self.user_id = None
        self.username = None
        self.auth = None
        self.counter = 0
        self.last_code = None   # the status of the last rejected call
        self.open_rentals = {}  # rental id -> dict(listing, start_us, end_us, max_s, period_s)
        self.my_listings = 0
        self.clock_us = 0       # the latest server time seen
        self.replayable = []    # (kind, stub name, method, request, result id)
        self.kinds, self.weights = zip(*self.MIX)

    # -- plumbing --------------------------------------------------------

    def next_id(self, prefix):
        self.counter += 1
        return f"{prefix}-{self.args.seed}-{self.index}-{self.counter}"

    def connect(self):
        channel, self.generation = self.gate.channel(self.generation)
        if channel is not None:
            self.channel = channel
            self.stub = self.api.stubs(channel)

    def call(self, kind, service, method, request, retry=True, auth=True,
             count=True):
        """The response, or None if rejected or abandoned unanswered.

        Unanswered calls are retried with the same request while `retry`;
        UNAUTHENTICATED (the clock moved past the token) logs in again."""
        if count:
            self.stats.add(self.stats.attempted, kind)
        self.last_code = None
        for attempt in range(50):
            if attempt:
                self.stats.add(self.stats.retries, kind)
            try:
                self.connect()
            except Stop:
                if count:
                    self.stats.add(self.stats.unacked, kind)
                raise
            fn = getattr(self.stub[service], method)
            try:
                response = fn(request, metadata=self.auth if auth else None,
                              timeout=RPC_TIMEOUT)
            except (grpc.RpcError, ValueError) as e:
                # ValueError: the channel was closed under us (a kill).
                code = (e.code() if isinstance(e, grpc.RpcError)
                        else grpc.StatusCode.CANCELLED)
                if code in TRANSIENT and retry:
                    time.sleep(0.05)
                    continue
                if code in TRANSIENT:
                    if count:
                        self.stats.add(self.stats.unacked, kind)
                    return None
                if code == grpc.StatusCode.UNAUTHENTICATED and auth:
                    self.login()
                    continue
                if code == grpc.StatusCode.ABORTED:
                    continue
                if count:
                    self.stats.reject(kind, code, e.details())
                self.last_code = code
                return None
            if count:
                self.stats.add(self.stats.acked, kind)
            return response
        if count:
            self.stats.add(self.stats.unacked, kind)
        return None

    def think(self):
        if self.args.think_ms:
            time.sleep(self.rng.uniform(0, 2 * self.args.think_ms) / 1000)

    # -- identity --------------------------------------------------------

    def register(self):
        self.username = f"vu{self.index}_{self.counter}_{self.args.seed % 997}"
        self.counter += 1
        password = f"{self.username}-password"
        request = self.api.users.RegisterRequest(
            username=self.username, password=password)
        self.stats.add(self.stats.attempted, "register")
        for _ in range(50):
            self.connect()
            try:
                user = self.stub["users"].Register(request,
                                                   timeout=RPC_TIMEOUT).user
            except ValueError:  # the channel was closed under us (a kill)
                continue
            except grpc.RpcError as e:
                if e.code() in TRANSIENT:
                    time.sleep(0.05)
                    continue
                if e.code() == grpc.StatusCode.ALREADY_EXISTS:
                    # An unanswered earlier attempt did it; Login tells.
                    self.stats.add(self.stats.unacked, "register")
                    break
                self.stats.reject("register", e.code(), e.details())
                return False
            self.stats.add(self.stats.acked, "register")
            with self.acks.lock:
                self.acks.users[user.id] = self.username
            break
        else:
            self.stats.add(self.stats.unacked, "register")
            return False
        self.open_rentals = {}
        self.my_listings = 0
        self.replayable = []
        if not self.login():
            return False
        self.registry.add_user(self.user_id)
        return True

    def login(self):
        request = self.api.users.LoginRequest(
            username=self.username, password=f"{self.username}-password")
        response = self.call("login", "users", "Login", request, auth=False)
        if response is None:
            self.stats.fail(f"{self.username}: cannot log in")
            return False
        self.auth = [("authorization", f"Bearer {response.access_token}")]
        if self.user_id != response.user_id:
            self.user_id = response.user_id
            with self.acks.lock:  # a login proves the account exists
                self.acks.users[response.user_id] = self.username
        return True

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


# --------------------------------------------------------------------------
# The supervisor


class Supervisor:
    """Starts, kills and restarts the server; moves the development clock."""

    def __init__(self, args, api, server, gate):
        self.args = args
        self.api = api
        self.server = server
        self.gate = gate
        self.rng = random.Random(args.seed)
        self.kills = 0
        self.restarts = 0
        self.advances = 0
        self.advanced_s = 0
        self.unexpected_exits = []
        self.clock_target = None  # datetime in micros the clock must reach
        self.channel = None
        self.auth = None
        self.started = False
        self.down_s = 0.0

    def _rpc(self, service, method, request, auth=True):
        for _ in range(100):
            try:
                return getattr(self.stub[service], method)(
                    request, metadata=self.auth if auth else None,
                    timeout=RPC_TIMEOUT)
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.UNAUTHENTICATED and auth:
                    self._login()
                    continue
                if e.code() in TRANSIENT:
                    time.sleep(0.05)
                    continue
                raise
        raise RuntimeError(f"supervisor: {method} keeps failing")

    def _login(self):
        users = self.api.users
        if not self.started:
            self.started = True
            self._rpc("users", "Register", users.RegisterRequest(
                username="soak_supervisor", password="supervisor-pw"),
                auth=False)
        login = self._rpc("users", "Login", users.LoginRequest(
            username="soak_supervisor", password="supervisor-pw"), auth=False)
        self.auth = [("authorization", f"Bearer {login.access_token}")]

    def _advance(self, seconds_us):
        d = self.api.Duration(seconds=seconds_us // 1_000_000,
                              nanos=(seconds_us % 1_000_000) * 1000)
        now = self._rpc("clock", "Advance",
                        self.api.dev_clock.AdvanceRequest(by=d)).now
        self.clock_target = max(self.clock_target or 0, micros(now))
        self.gate.clock_us = self.clock_target

    def start_server(self):
        """Starts it, restores the clock, opens the gate."""
        t0 = time.monotonic()
        self.server.start()
        address = f"127.0.0.1:{self.server.grpc_port}"
        if self.channel is not None:
            self.channel.close()
        self.channel = grpc.insecure_channel(address)
        self.stub = self.api.stubs(self.channel)
        self._login()
        # The development clock restarts at the real time: move it back to
        # where it was, so that tokens, rentals and charges see time go on.
        now = micros(self._rpc("clock", "GetTime",
                               self.api.dev_clock.GetTimeRequest()).now)
        if self.clock_target is None:
            self.clock_target = now
        elif self.clock_target > now:
            self._advance(self.clock_target - now)
        self.gate.set_open(address)
        return time.monotonic() - t0

    def kill_and_restart(self):
        self.gate.close()
        t0 = time.monotonic()
        if self.server.alive():
            self.server.process.send_signal(signal.SIGKILL)
            self.kills += 1
        self.server.kill()  # reaps it
        self.gate.close_channels()
        self.start_server()
        self.restarts += 1
        self.down_s += time.monotonic() - t0

    def advance_clock(self):
        step = self.rng.randrange(2 * HOUR, 30 * HOUR)
        self._advance(step * 1_000_000)
        self.advances += 1
        self.advanced_s += step

    def run(self, deadline):
        args = self.args
        next_kill = time.monotonic() + self.rng.uniform(
            args.min_kill_interval, args.max_kill_interval)
        next_advance = time.monotonic() + args.clock_interval
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = time.monotonic()
            if not self.server.alive():
                # Not our doing: a crash. Keep going, fail at the end.
                self.unexpected_exits.append(
                    (self.server.process.returncode, self.server.log_tail()))
                self.gate.close()
                self.server.kill()
                self.gate.close_channels()
                self.start_server()
                self.restarts += 1
                continue
            if now >= next_kill:
                self.kill_and_restart()
                next_kill = time.monotonic() + self.rng.uniform(
                    args.min_kill_interval, args.max_kill_interval)
            elif now >= next_advance:
                self.advance_clock()
                next_advance = now + self.rng.uniform(
                    0.5 * args.clock_interval, 1.5 * args.clock_interval)

    def close(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None


# --------------------------------------------------------------------------
# Checks afterwards


class Checker:
    def __init__(self, db_path):
        self.db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        self.problems = []
        self.checked = collections.Counter()

    def problem(self, what):
        if len(self.problems) < 200:
            self.problems.append(what)
        elif len(self.problems) == 200:
            self.problems.append("... (more)")

    def one(self, sql, *params):
        return self.db.execute(sql, params).fetchone()

    def all(self, sql, *params):
        return self.db.execute(sql, params).fetchall()

    def acknowledged(self, acks):
        for user_id, username in acks.users.items():
            self.checked["users"] += 1
            row = self.one("SELECT username FROM users_accounts WHERE id = ?",
                           user_id)
            if row is None or row[0] != username:
                self.problem(f"acknowledged user {username} ({user_id}) "
                             f"missing: {row}")
        for listing_id, (owner, price) in acks.listings.items():
            self.checked["listings"] += 1
            row = self.one("SELECT owner_id, price_minor FROM listings_items "
                           "WHERE id = ?", listing_id)
            if row != (owner, price):
                self.problem(f"acknowledged listing {listing_id} missing or "
                             f"different: {row}")
        for w in acks.wallet:
            self.checked["wallet transactions"] += 1
            row = self.one("SELECT kind, debit_account, credit_account, "
                           "amount_minor, request_id FROM wallet_transfers "
                           "WHERE id = ?", w["id"])
            want = (w["tx_kind"], w["debit"], w["credit"], w["amount"],
                    w["request_id"])
            if row != want:
                self.problem(f"acknowledged {w['kind']} {w['request_id']} "
                             f"({w['id']}): row {row}, acknowledged {want}")
            expected = {"deposit": ("world", w["account"]),
                        "withdraw": (w["account"], "world"),
                        "transfer": (w["account"], w["to"])}[w["kind"]]
            if (w["debit"], w["credit"]) != expected:
                self.problem(f"{w['kind']} {w['request_id']}: moved "
                             f"{w['debit']} -> {w['credit']}")
            req = self.one("SELECT transfer_id FROM wallet_requests WHERE "
                           "account_id = ? AND request_id = ?",
                           w["account"], w["request_id"])
            if req is None or req[0] != w["id"]:
                self.problem(f"{w['kind']} {w['request_id']}: idempotency "
                             f"record {req}, acknowledged {w['id']}")
        for rental_id, r in acks.rentals.items():
            self.checked["rentals"] += 1
            row = self.one("SELECT listing_id, renter_id, end_us, "
                           "returned_us, cancelled_us, late_periods_charged "
                           "FROM rentals_items WHERE id = ?", rental_id)
            if row is None:
                self.problem(f"acknowledged rental {rental_id} missing")
                continue
            listing, renter, end_us, returned, cancelled, late = row
            if (listing, renter) != (r["listing"], r["renter"]):
                self.problem(f"rental {rental_id}: {listing}/{renter}, "
                             f"acknowledged {r['listing']}/{r['renter']}")
            if end_us < r["end_us"]:
                self.problem(f"rental {rental_id}: ends {end_us}, an "
                             f"extension to {r['end_us']} was acknowledged")
            if r["returned"]:
                self.checked["returns"] += 1
                if returned is None:
                    self.problem(f"rental {rental_id}: acknowledged return "
                                 "lost")
            if r["cancelled"]:
                self.checked["cancellations"] += 1
                if cancelled is None:
                    self.problem(f"rental {rental_id}: acknowledged "
                                 "cancellation lost")
            if late < r["late_periods"]:
                self.problem(f"rental {rental_id}: {late} late periods, "
                             f"{r['late_periods']} acknowledged")
            for request_id in ([r["request_id"]] if r["request_id"] else []) \
                    + r["extends"]:
                self.checked["rental requests"] += 1
                req = self.one("SELECT rental_id FROM rentals_requests WHERE "
                               "renter_id = ? AND request_id = ?", renter,
                               request_id)
                if req is None or req[0] != rental_id:
                    self.problem(f"rental request {request_id}: record {req},"
                                 f" acknowledged {rental_id}")

    def bookings(self, rentals):
        """Replays the rentals' events in order (they are written in the
        transaction of what they record): no rental is ever booked or
        extended over another open rental of its listing, or booked while
        one is overdue; and the replay ends where rentals_items is."""
        listing_of = {}
        open_by_listing = collections.defaultdict(dict)  # id -> [start, end]
        final = {}  # id -> [start, end, closed]
        for seq, kind, rid, payload, at in self.all(
                "SELECT seq, type, aggregate_id, payload, created_at_us FROM "
                "events WHERE type IN ('rental.created', 'rental.extended', "
                "'rental.returned', 'rental.cancelled') ORDER BY seq"):
            p = json.loads(payload)
            if kind == "rental.created":
                listing_of[rid] = p["listing_id"]
                final[rid] = [p["start_us"], p["end_us"], None]
                others = open_by_listing[p["listing_id"]]
                for other, (start, end) in others.items():
                    if end < at:
                        self.problem(f"event {seq}: rental {rid} booked while "
                                     f"{other} was overdue")
                others[rid] = [p["start_us"], p["end_us"]]
            elif rid not in final:
                self.problem(f"event {seq}: {kind} of rental {rid} before "
                             "rental.created")
                continue
            elif kind == "rental.extended":
                final[rid][1] = p["end_us"]
                if rid in open_by_listing[listing_of[rid]]:
                    open_by_listing[listing_of[rid]][rid][1] = p["end_us"]
                else:
                    self.problem(f"event {seq}: closed rental {rid} extended")
            else:
                final[rid][2] = kind.split(".")[1]
                open_by_listing[listing_of[rid]].pop(rid, None)
            if kind in ("rental.created", "rental.extended"):
                start, end = final[rid][:2]
                for other, (o_start, o_end) in \
                        open_by_listing[listing_of[rid]].items():
                    if other != rid and o_start < end and start < o_end:
                        self.problem(
                            f"event {seq} ({kind}): rental {rid} "
                            f"[{start},{end}) overlaps open rental {other} "
                            f"[{o_start},{o_end}) of listing "
                            f"{listing_of[rid]}")
        for (rid, listing, renter, start, end, returned, cancelled, *_) \
                in rentals:
            state = ("returned" if returned is not None else
                     "cancelled" if cancelled is not None else None)
            if final.get(rid) != [start, end, state] or \
                    listing_of.get(rid) != listing:
                self.problem(f"rental {rid}: row {[start, end, state]} "
                             f"{listing}, its events say {final.get(rid)} "
                             f"{listing_of.get(rid)}")

    def whole(self):
        """Invariants over every row, acknowledged or not."""
        holds = {h[0]: h for h in self.all(
            "SELECT id, account_id, amount_minor, remaining_minor, state, "
            "reference FROM wallet_holds")}
        rentals = self.all(
            "SELECT id, listing_id, renter_id, start_us, end_us, returned_us, "
            "cancelled_us, price_minor, deposit_minor, price_hold_id, "
            "deposit_hold_id, late_periods_charged, late_fees_charged_minor, "
            "created_at_us, seq FROM rentals_items ORDER BY seq")
        current_holds = set()
        events = collections.Counter(
            (t, a) for t, a in self.all(
                "SELECT type, aggregate_id FROM events "
                "WHERE type LIKE 'rental.%'"))
        charges = collections.defaultdict(list)
        for rental_id, period, amount, tx in self.all(
                "SELECT rental_id, period, amount_minor, transaction_id "
                "FROM rentals_charges"):
            charges[rental_id].append((period, amount, tx))
        charge_txs = {row[0]: row[1:] for row in self.all(
            "SELECT id, kind, amount_minor FROM wallet_transfers "
            "WHERE kind = 7")}
        for (rid, listing, renter, start, end, returned, cancelled, price,
             deposit, price_hold, deposit_hold, late, late_minor, created,
             seq) in rentals:
            self.checked["rentals (all)"] += 1
            state = ("returned" if returned is not None else
                     "cancelled" if cancelled is not None else "open")
            want_price = {"open": "open", "returned": "posted",
                          "cancelled": "voided"}[state]
            want_deposit = {"open": "open", "returned": "voided",
                            "cancelled": "voided"}[state]
            for what, hold_id, want, amount in (
                    ("price", price_hold, want_price, price),
                    ("deposit", deposit_hold, want_deposit, deposit)):
                if what == "deposit" and deposit == 0:
                    if hold_id:
                        self.problem(f"rental {rid}: a deposit hold without "
                                     "a deposit")
                    continue
                current_holds.add(hold_id)
                h = holds.get(hold_id)
                if h is None:
                    self.problem(f"rental {rid} ({state}): its {what} hold "
                                 f"{hold_id!r} does not exist")
                    continue
                if h[1] != renter or h[5] != f"rental:{rid}" or \
                        h[2] != amount:
                    self.problem(f"rental {rid}: {what} hold {h} does not "
                                 f"match (renter {renter}, {amount})")
                if h[4] != want:
                    self.problem(f"rental {rid} ({state}): {what} hold is "
                                 f"{h[4]}, expected {want}")
            # The outbox: the events the rental's state implies.
            for event, want in (("rental.created", 1),
                                ("rental.returned", int(state == "returned")),
                                ("rental.cancelled",
                                 int(state == "cancelled"))):
                if events[(event, rid)] != want:
                    self.problem(f"rental {rid} ({state}): "
                                 f"{events[(event, rid)]} {event} events")
            mine = sorted(charges.get(rid, []))
            self.checked["charges"] += len(mine)
            if [p for p, _, _ in mine] != list(range(1, late + 1)):
                self.problem(f"rental {rid}: late_periods_charged {late}, "
                             f"charged periods {[p for p, _, _ in mine]}")
            if sum(a for _, a, _ in mine) != late_minor:
                self.problem(f"rental {rid}: late fees {late_minor}, charges "
                             f"sum to {sum(a for _, a, _ in mine)}")
            for period, amount, tx in mine:
                if charge_txs.get(tx) != (7, amount):
                    self.problem(f"rental {rid} period {period}: charge "
                                 f"transaction {tx} is {charge_txs.get(tx)}")
            if events[("rental.late", rid)] > late:
                self.problem(f"rental {rid}: {events[('rental.late', rid)]} "
                             f"rental.late events, {late} periods")
        # Holds of rentals that are no longer a rental's current ones were
        # replaced by an extension: voided. An open one is half-applied.
        rental_ids = {r[0] for r in rentals}
        for h in holds.values():
            self.checked["holds"] += 1
            if not h[5].startswith("rental:"):
                self.problem(f"hold {h[0]} has reference {h[5]!r}")
                continue
            if h[5][len("rental:"):] not in rental_ids:
                self.problem(f"hold {h[0]} of a rental that does not exist: "
                             f"{h}")
            elif h[0] not in current_holds and h[4] != "voided":
                self.problem(f"hold {h[0]} replaced but {h[4]}: {h}")
        self.bookings(rentals)
        # Idempotency records point at what they made.
        for account, request_id, transfer in self.all(
                "SELECT r.account_id, r.request_id, r.transfer_id "
                "FROM wallet_requests r LEFT JOIN wallet_transfers t "
                "ON t.id = r.transfer_id WHERE t.id IS NULL OR "
                "(t.debit_account <> r.account_id AND "
                "t.credit_account <> r.account_id) OR "
                "t.request_id <> r.request_id"):
            self.problem(f"wallet request {account}/{request_id} -> "
                         f"{transfer}: no such transfer of that account")
        for row in self.all(
                "SELECT t.id, t.kind, t.request_id FROM wallet_transfers t "
                "WHERE t.kind IN (1, 2, 3) AND NOT EXISTS (SELECT 1 FROM "
                "wallet_requests r WHERE r.transfer_id = t.id)"):
            self.problem(f"transfer {row} without its idempotency record")
        for row in self.all(
                "SELECT q.renter_id, q.request_id, q.rental_id FROM "
                "rentals_requests q LEFT JOIN rentals_items i ON "
                "i.id = q.rental_id WHERE i.id IS NULL OR "
                "i.renter_id <> q.renter_id"):
            self.problem(f"rental request {row}: no such rental of that "
                         "renter")
        # The event log: 1..n without gaps.
        lo, hi, n = self.one("SELECT min(seq), max(seq), count(*) FROM events")
        self.checked["events"] = n
        if n and (lo != 1 or hi != n):
            self.problem(f"events: seq {lo}..{hi} but {n} rows (gaps)")
        check = self.all("PRAGMA integrity_check")
        if check != [("ok",)]:
            self.problem(f"integrity_check: {check[:5]}")
        fk = self.all("PRAGMA foreign_key_check")
        if fk:
            self.problem(f"foreign_key_check: {fk[:5]}")


# --------------------------------------------------------------------------


def parse_args():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("rentwave")
    p.add_argument("proto_dir")
    p.add_argument("googleapis_dir")
    p.add_argument("--duration", type=float, default=60,
                   help="seconds of load (default 60)")
    p.add_argument("--users", type=int, default=10,
                   help="virtual users, one thread each (default 10)")
    p.add_argument("--min-kill-interval", type=float, default=3,
                   help="least seconds between SIGKILLs (default 3)")
    p.add_argument("--max-kill-interval", type=float, default=8,
                   help="most seconds between SIGKILLs (default 8)")
    p.add_argument("--min-kills", type=int, default=5,
                   help="fail unless at least this many kills (default 5)")
    p.add_argument("--clock-interval", type=float, default=1.5,
                   help="seconds between development clock advances of 2-30 "
                        "hours (default 1.5)")
    p.add_argument("--think-ms", type=float, default=15,
                   help="mean pause of a virtual user between calls, in ms "
                        "(default 15: keeps CPU modest; 0: flat out)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed (default: from the time; printed)")
    p.add_argument("--verbose", action="store_true",
                   help="an example message of each rejection in the report")
    p.add_argument("--keep", action="store_true",
                   help="keep the work directory (database, server logs)")
    args = p.parse_args()
    if args.seed is None:
        args.seed = int(time.time()) % 100000
    if args.max_kill_interval < args.min_kill_interval:
        p.error("--max-kill-interval is less than --min-kill-interval")
    return args


def report(args, stats, sup, checker, verify, runtime, failed):
    print(f"\n=== soak report (seed {args.seed}, {args.users} virtual users, "
          f"{args.duration:.0f} s of load) ===")
    kinds = sorted(set(stats.attempted) | set(stats.acked))
    print("(acked: an OK answer, perhaps after retries of the same request;"
          " unacked: abandoned\n without an answer; returns_late/on_time "
          "split the acknowledged returns)")
    print(f"{'operation':<18}{'attempted':>10}{'acked':>8}{'unacked':>9}"
          f"{'retries':>9}  rejected")
    for k in kinds:
        rejected = ", ".join(f"{c} {n}" for c, n in
                             sorted(stats.rejected[k].items()))
        attempted = stats.attempted[k] if k in stats.attempted else "-"
        print(f"{k:<18}{attempted:>10}{stats.acked[k]:>8}"
              f"{stats.unacked[k]:>9}{stats.retries[k]:>9}  {rejected}")
    print(f"{'total':<18}{sum(stats.attempted.values()):>10}"
          f"{sum(v for k, v in stats.acked.items() if k in stats.attempted):>8}"
          f"{sum(stats.unacked.values()):>9}{sum(stats.retries.values()):>9}")
    print(f"server: {sup.kills} SIGKILLs, {sup.restarts} restarts "
          f"({sup.down_s:.1f} s down in all), "
          f"{len(sup.unexpected_exits)} unexpected exits; clock advanced "
          f"{sup.advances} times by {sup.advanced_s / 86400:.1f} days")
    if checker is not None:
        print("checked in the database (acknowledged writes, then every "
              "row): " + ", ".join(
            f"{k} {v}" for k, v in checker.checked.items()))
    print(f"rentwave verify: {verify}")
    print(f"runtime: {runtime:.1f} s")
    if args.verbose:
        for (kind, code), details in sorted(stats.examples.items()):
            print(f"e.g. {kind} {code}: {details}")
    for kind, code, details in stats.unexpected[:10]:
        print(f"UNEXPECTED {kind}: {code} {details}")
    for f in stats.failures[:20]:
        print(f"CLIENT CHECK FAILED: {f}")
    for rc, tail in sup.unexpected_exits[:3]:
        print(f"SERVER EXITED BY ITSELF (code {rc}):\n{tail}")
    if checker is not None:
        for p in checker.problems:
            print(f"DATABASE CHECK FAILED: {p}")
    print("RESULT: " + ("FAILED: " + "; ".join(failed) if failed else "PASSED"))


def main():
    args = parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    started = time.monotonic()
    work_dir = tempfile.mkdtemp(prefix="rentwave-soak-")
    server = Server(args.rentwave, work_dir)
    gate = Gate()
    stats, acks, registry = Stats(), Acks(), Registry()
    sup = None
    users = []
    failed = []
    try:
        print(f"soak: seed {args.seed}, work dir {work_dir}", flush=True)
        stubs = os.path.join(work_dir, "stubs")
        os.mkdir(stubs)
        api = Api(args.proto_dir, args.googleapis_dir, stubs)
        sup = Supervisor(args, api, server, gate)
        sup.start_server()
        users = [VirtualUser(i, args, api, gate, stats, acks, registry)
                 for i in range(args.users)]
        for u in users:
            u.start()
        sup.run(time.monotonic() + args.duration)
        gate.stop()
        for u in users:
            u.join(timeout=RPC_TIMEOUT * 3)
            if u.is_alive():
                failed.append(f"{u.name} did not stop")
        gate.close_channels()
        sup.close()
        # A clean stop at the end: that must work after all the kills too.
        rc = server.stop()
        if rc != 0:
            failed.append(f"final SIGTERM: exit code {rc}")
        result = subprocess.run([args.rentwave, "verify", "--db", server.db],
                                capture_output=True, text=True)
        verify = (f"exit {result.returncode}: " +
                  (result.stdout + result.stderr).strip())
        if result.returncode != 0:
            failed.append("rentwave verify")
        checker = Checker(server.db)
        checker.acknowledged(acks)
        checker.whole()
        checker.db.close()
        if checker.problems:
            failed.append(f"{len(checker.problems)} database check(s)")
        if sup.kills < args.min_kills:
            failed.append(f"{sup.kills} kills, fewer than {args.min_kills}")
        if sup.unexpected_exits:
            failed.append(f"{len(sup.unexpected_exits)} unexpected server "
                          "exits")
        if stats.unexpected:
            failed.append(f"{len(stats.unexpected)} unexpected status codes")
        if stats.failures:
            failed.append(f"{len(stats.failures)} client check(s)")
        if sum(stats.acked[k] for k in ("create_rental", "return_rental",
                                        "deposit", "transfer")) == 0:
            failed.append("nothing was acknowledged")
        report(args, stats, sup, checker, verify, time.monotonic() - started,
               failed)
        return 1 if failed else 0
    except (KeyboardInterrupt, Interrupted):
        print("soak: interrupted; cleaning up", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        print(f"soak: harness error; last server log:\n{server.log_tail()}",
              file=sys.stderr)
        return 1
    finally:
        gate.stop()
        gate.close_channels()
        server.kill()
        if sup is not None:
            sup.close()
        if args.keep:
            print(f"soak: kept {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

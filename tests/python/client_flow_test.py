#!/usr/bin/python3
"""Generated Python clients against the real binary.

Generates Python stubs from proto/ with grpc_tools (Debian's
python3-grpc-tools; rentwave_stubs.py, shared with tests/soak/), starts
`rentwave serve --dev-clock` on free ports with a temporary database, and
runs register -> login -> list -> deposit -> rent -> return (a day late)
through them, checking the balances at the end and the ledger with
`rentwave verify` after shutdown.

  /usr/bin/python3 client_flow_test.py RENTWAVE_BINARY PROTO_DIR GOOGLEAPIS_DIR

Run it with Debian's /usr/bin/python3: it needs python3-grpc-tools,
python3-grpcio and python3-protobuf (scripts/install-deps.sh). Exits 77
(ctest: skipped) only if those are not installed.
"""

import os
import signal
import subprocess
import sys
import tempfile
import unittest

import rentwave_ports
import rentwave_stubs

rentwave_stubs.require_grpc()  # exits 77 without them
import grpc  # noqa: E402

if len(sys.argv) != 4:
    sys.exit(__doc__)
RENTWAVE, PROTO_DIR, GOOGLEAPIS_DIR = sys.argv[1:4]

DAY = 86400
PRICE, DEPOSIT, LATE_FEE = 150, 2000, 500  # USD cents; per day
TOP_UP = 5000
FEE_BASIS_POINTS = 1000  # the platform keeps 10% of the price


class Server:
    """`rentwave serve` on free ports, with a database in `work_dir`."""

    def __init__(self, work_dir):
        self.db = os.path.join(work_dir, "rentwave.db")
        self.log_path = os.path.join(work_dir, "server.log")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("RENTWAVE_")}
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [RENTWAVE, "serve", "--db", self.db,
                 "--grpc-listen", "127.0.0.1:0",
                 "--http-listen", "127.0.0.1:0", "--dev-clock",
                 "--password-cost", "minimum",
                 "--fee-basis-points", str(FEE_BASIS_POINTS)],
                stdout=log, stderr=subprocess.STDOUT, env=env)
        ports = rentwave_ports.wait_for_ports(self.process, self.log_path,
                                              protocols=["gRPC"], timeout=20)
        if ports is None:
            self.kill()
            raise RuntimeError(f"rentwave did not start:\n{self.log()}")
        self.port = ports["gRPC"]

    def log(self):
        with open(self.log_path) as log:
            return log.read()

    def stop(self):
        """SIGTERM; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class ClientFlowTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # Class cleanups run last to first, even if setUpClass fails.
        cls.work_dir = tempfile.TemporaryDirectory(prefix="rentwave-python-")
        cls.addClassCleanup(cls.work_dir.cleanup)
        stubs = os.path.join(cls.work_dir.name, "stubs")
        os.mkdir(stubs)
        cls.api = rentwave_stubs.Api(PROTO_DIR, GOOGLEAPIS_DIR, stubs)
        # self.users, self.users_grpc, ..., self.Duration
        for name, module in vars(cls.api).items():
            setattr(cls, name, module)

        cls.server = Server(cls.work_dir.name)
        cls.addClassCleanup(cls.server.kill)
        cls.channel = grpc.insecure_channel(f"127.0.0.1:{cls.server.port}")
        cls.addClassCleanup(cls.channel.close)

    def money(self, minor):
        return self.api.money(minor)

    def sign_up(self, username):
        users = self.users_grpc.UsersStub(self.channel)
        user = users.Register(self.users.RegisterRequest(
            username=username, password=f"{username}-password-1"),
            timeout=10).user
        self.assertEqual(user.username, username)
        return self.log_in(username)

    def log_in(self, username):
        """Call metadata with a fresh access token."""
        users = self.users_grpc.UsersStub(self.channel)
        login = users.Login(self.users.LoginRequest(
            username=username, password=f"{username}-password-1"), timeout=10)
        return [("authorization", f"Bearer {login.access_token}")]

    def balance(self, auth):
        wallet = self.wallet_grpc.WalletStub(self.channel)
        return wallet.GetWallet(self.wallet.GetWalletRequest(),
                                metadata=auth, timeout=10)

    def test_register_list_deposit_rent_return_late(self):
        listings = self.listings_grpc.ListingsStub(self.channel)
        wallet = self.wallet_grpc.WalletStub(self.channel)
        rentals = self.rentals_grpc.RentalsStub(self.channel)
        clock = self.dev_clock_grpc.DevClockStub(self.channel)
        owner = self.sign_up("py_owner")
        renter = self.sign_up("py_renter")

        listing = listings.CreateListing(self.listings.CreateListingRequest(
            listing=self.listings.Listing(
                kind=self.listings.LISTING_KIND_BOOK, title="Dune",
                price=self.money(PRICE),
                billing_period=self.listings.BILLING_PERIOD_DAY,
                max_duration=self.Duration(seconds=14 * DAY),
                deposit=self.money(DEPOSIT), late_fee=self.money(LATE_FEE),
                book=self.listings.BookDetails(
                    isbn="0-441-17271-7", title="Dune",
                    author="Frank Herbert"))),
            metadata=owner, timeout=10)
        self.assertTrue(listing.active)

        # Not enough money yet: the generated client sees the gRPC code.
        with self.assertRaises(grpc.RpcError) as raised:
            rentals.CreateRental(self.rentals.CreateRentalRequest(
                request_id="py-rent-0", listing_id=listing.id,
                duration=self.Duration(seconds=2 * DAY)),
                metadata=renter, timeout=10)
        self.assertEqual(raised.exception.code(),
                         grpc.StatusCode.FAILED_PRECONDITION)

        deposit = self.wallet.DepositRequest(request_id="py-deposit-1",
                                             amount=self.money(TOP_UP))
        first = wallet.Deposit(deposit, metadata=renter, timeout=10)
        retry = wallet.Deposit(deposit, metadata=renter, timeout=10)
        self.assertEqual(first.id, retry.id)  # idempotent by request_id
        self.assertEqual(self.balance(renter).balance.amount_minor, TOP_UP)

        rental = rentals.CreateRental(self.rentals.CreateRentalRequest(
            request_id="py-rent-1", listing_id=listing.id,
            duration=self.Duration(seconds=2 * DAY)),
            metadata=renter, timeout=10)
        rent = 2 * PRICE
        self.assertEqual(rental.price.amount_minor, rent)
        self.assertEqual(self.balance(renter).held.amount_minor,
                         rent + DEPOSIT)

        # Three days on: one day late. Tokens (an hour) follow the same
        # clock, so both sign in again.
        clock.Advance(self.dev_clock.AdvanceRequest(
            by=self.Duration(seconds=3 * DAY)), metadata=renter, timeout=10)
        with self.assertRaises(grpc.RpcError) as raised:
            self.balance(renter)
        self.assertEqual(raised.exception.code(),
                         grpc.StatusCode.UNAUTHENTICATED)
        owner, renter = self.log_in("py_owner"), self.log_in("py_renter")
        returned = rentals.ReturnRental(
            self.rentals.ReturnRentalRequest(rental_id=rental.id),
            metadata=renter, timeout=10)
        self.assertEqual(returned.status, self.rentals.RENTAL_STATUS_RETURNED)
        self.assertEqual(returned.late_periods_charged, 1)
        self.assertEqual(returned.late_fees_charged.amount_minor, LATE_FEE)

        renter_wallet = self.balance(renter)
        self.assertEqual(renter_wallet.balance.amount_minor,
                         TOP_UP - rent - LATE_FEE)
        self.assertEqual(renter_wallet.held.amount_minor, 0)
        self.assertEqual(renter_wallet.available.amount_minor,
                         TOP_UP - rent - LATE_FEE)
        fee = rent * FEE_BASIS_POINTS // 10000
        self.assertEqual(self.balance(owner).balance.amount_minor,
                         rent - fee + LATE_FEE)

        # After a clean shutdown the ledger checks out. (The channel is
        # closed first: an idle client connection holds a SIGTERM up for
        # about 5 s.)
        self.channel.close()
        self.assertEqual(self.server.stop(), 0, self.server.log())
        verify = subprocess.run([RENTWAVE, "verify", "--db", self.server.db],
                                capture_output=True, text=True)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)

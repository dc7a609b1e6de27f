"""Python gRPC stubs for the RentWave API, generated at test time.

Owns what every Python suite needs before it can talk to the binary: the
check that Debian's python3-grpcio and python3-grpc-tools are there (exit
77, ctest's "skipped", if not), running grpc_tools.protoc over proto/ and the
google/api annotation protos, and loading the generated modules. Used by
tests/python/client_flow_test.py and tests/soak/ (which puts this directory
on sys.path).

  rentwave_stubs.require_grpc()        # before anything imports grpc
  api = rentwave_stubs.Api(PROTO_DIR, GOOGLEAPIS_DIR, out_dir)
  api.users.RegisterRequest(...); api.users_grpc.UsersStub(channel)
"""

import importlib
import subprocess
import sys

PROTOS = ["common", "users", "listings", "wallet", "rentals", "dev_clock"]
CURRENCY = "USD"


def require_grpc():
    """Exits 77 (ctest: skipped) unless grpcio and grpc_tools import."""
    try:
        import grpc  # noqa: F401
        import grpc_tools  # noqa: F401 (run as a module by generate)
    except ImportError as e:
        print(f"SKIPPED: {e} (python3-grpcio, python3-grpc-tools: "
              "scripts/install-deps.sh; run with /usr/bin/python3)")
        sys.exit(77)


def generate(proto_dir, googleapis_dir, out_dir):
    """Runs grpc_tools.protoc over the API and the google/api protos into
    out_dir, and puts out_dir first on sys.path."""
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


class Api:
    """The generated modules, loaded once: `users` (users_pb2),
    `users_grpc` (users_pb2_grpc), ... for every proto in PROTOS (`common`
    has no service), and the well-known `Duration` and `Timestamp`."""

    def __init__(self, proto_dir, googleapis_dir, out_dir):
        generate(proto_dir, googleapis_dir, out_dir)
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
        """A client of every service on `channel`, by short name."""
        return {"users": self.users_grpc.UsersStub(channel),
                "listings": self.listings_grpc.ListingsStub(channel),
                "wallet": self.wallet_grpc.WalletStub(channel),
                "rentals": self.rentals_grpc.RentalsStub(channel),
                "clock": self.dev_clock_grpc.DevClockStub(channel)}

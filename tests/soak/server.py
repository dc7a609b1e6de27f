"""The server under test and its supervisor.

Owns the `rentwave serve --dev-clock` process (started on the same database
and ports each time, dying with the harness) and the Supervisor, the main
thread's loop that SIGKILLs and restarts it at random intervals, moves the
development clock forward (and back to where it was after a restart, since
it restarts at the real time), and opens the Gate for the virtual users only
once the clock is restored.
"""

import os
import random
import signal
import subprocess
import time

import grpc

import rentwave_ports
from rpc import HOUR, RPC_TIMEOUT, TRANSIENT, micros

# The server gets SIGKILL if the harness dies (even by SIGKILL): util-linux's
# setpriv sets PR_SET_PDEATHSIG and execs it. Not a preexec_fn: Python code
# between fork and exec in this threaded process (the virtual users' gRPC
# threads) can deadlock the child before exec, and Popen with it; that hung
# about one soak run in ten under the sanitizers.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"]


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
                    DIE_WITH_PARENT + [
                        self.binary, "serve", "--db", self.db,
                        "--grpc-listen", f"127.0.0.1:{grpc_port}",
                        "--http-listen", f"127.0.0.1:{http_port}",
                        "--dev-clock", "--password-cost", "minimum",
                        "--user-rate", "0", "--address-rate", "0",
                        "--db-synchronous", "full", "--shutdown-grace", "2",
                        "--log-level", "warn"],
                    stdout=log, stderr=subprocess.STDOUT, env=env,
                    stdin=subprocess.DEVNULL)
            ports = rentwave_ports.wait_for_ports(self.process, self.log_path)
            if ports is not None:
                self.grpc_port, self.http_port = ports["gRPC"], ports["HTTP"]
                return
            self.kill()
            if attempt == 0 and self.grpc_port != 0:
                continue
        raise RuntimeError(f"rentwave did not start:\n{self.log_tail()}")

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


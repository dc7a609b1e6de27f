"""One virtual user's connection and identity (workload.py says what it does).

Owns the thread's channel, renewed for every server generation the Gate
announces; `call`, which retries a request that got no answer with the same
request (request ids make that safe), logs in again on UNAUTHENTICATED and
counts the outcome in Stats; and registering and logging in, recording the
acknowledged account in Acks and the Registry.
"""

import random
import threading
import time

import grpc

from rpc import RPC_TIMEOUT, TRANSIENT, Stop


class Client(threading.Thread):
    """A thread with its own account and channel; subclasses add run()."""

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
        # What this identity holds (reset by register(); workload.py's).
        self.open_rentals = {}  # rental id -> dict(listing, start_us, end_us, max_s, period_s)
        self.my_listings = 0
        self.clock_us = 0       # the latest server time seen
        self.replayable = []    # (kind, stub name, method, request, result id)

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

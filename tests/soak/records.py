"""What the virtual users record while the workload runs.

Stats counts every kind of operation for the report (attempted, acknowledged,
rejected by code, unacknowledged, retries, client-side check failures); Acks
holds every write the server acknowledged, for the database checks
afterwards (checks.py); Registry is what every virtual user can see of the
others (user and listing ids). All are shared between threads, under locks.
"""

import collections
import threading

from rpc import UNEXPECTED

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


"""The checks after the run, on the database opened read-only.

Owns Checker: every acknowledged write is there (acknowledged()); nothing is
half-applied, charges match the rentals, idempotency records point at what
they made, the event log is gap-free and SQLite's own checks are clean
(whole()); replaying the rental events, no two rentals of a listing
overlapped while both were open (bookings()). Problems are collected for
the report, not raised.
"""

import collections
import json
import sqlite3


class Checker:
    """Problems found (at most 200) and what was checked, by kind."""

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
        # The time its rules were checked at: the event's own timestamp is
        # read later, and the development clock can jump in between.
        booked_at = dict(self.all(
            "SELECT id, created_at_us FROM rentals_items"))
        for seq, kind, rid, payload, _ in self.all(
                "SELECT seq, type, aggregate_id, payload, created_at_us FROM "
                "events WHERE type IN ('rental.created', 'rental.extended', "
                "'rental.returned', 'rental.cancelled') ORDER BY seq"):
            p = json.loads(payload)
            if kind == "rental.created":
                listing_of[rid] = p["listing_id"]
                final[rid] = [p["start_us"], p["end_us"], None]
                others = open_by_listing[p["listing_id"]]
                at = booked_at.get(rid, 0)
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
            "reference, keep_minor FROM wallet_holds")}
        rentals = self.all(
            "SELECT id, listing_id, renter_id, start_us, end_us, returned_us, "
            "cancelled_us, price_minor, deposit_minor, hold_id, "
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
             deposit, hold, deposit_hold, late, late_minor, created,
             seq) in rentals:
            self.checked["rentals (all)"] += 1
            state = ("returned" if returned is not None else
                     "cancelled" if cancelled is not None else "open")
            want_hold = {"open": "open", "returned": "posted",
                         "cancelled": "voided"}[state]
            # One hold of price and deposit keeping the price from late
            # fees; rentals booked before migration 0009 hold the deposit
            # apart.
            expected = [("", hold, want_hold, price + deposit, (price,))]
            if deposit_hold:
                # Its price hold keeps the price once the rental is extended.
                expected = [("price ", hold, want_hold, price, (0, price)),
                            ("deposit ", deposit_hold,
                             "open" if state == "open" else "voided",
                             deposit, (0,))]
            for what, hold_id, want, amount, keep in expected:
                current_holds.add(hold_id)
                h = holds.get(hold_id)
                if h is None:
                    self.problem(f"rental {rid} ({state}): its {what}hold "
                                 f"{hold_id!r} does not exist")
                    continue
                if h[1] != renter or h[5] != f"rental:{rid}" or \
                        h[2] != amount or h[6] not in keep:
                    self.problem(f"rental {rid}: {what}hold {h} does not "
                                 f"match (renter {renter}, {amount}, keeping "
                                 f"one of {keep})")
                if h[4] != want:
                    self.problem(f"rental {rid} ({state}): {what}hold is "
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

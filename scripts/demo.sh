#!/usr/bin/env bash
# A guided tour of RentWave over REST with curl: `make demo`.
#
# Starts `rentwave serve --dev-clock` on a scratch database (in a temporary
# folder, on free ports), then plays one story, printing every request and
# every response:
#
#   alice and bob register and log in; alice lists a book for rent; bob finds
#   it, tops up his wallet and rents it for 2 days; alice is notified; the
#   development clock jumps 4 days ahead, so bob brings the book back 2 days
#   late and pays two late fees out of his deposit; both wallets and both
#   notification lists are shown; alice, an administrator, reads the event
#   log, then follows it live for a moment.
#
# Every step checks its HTTP status, and the end checks the money: any
# surprise fails the script (exit 1). The test suite runs it (ctest -R demo).
#
#   scripts/demo.sh [RENTWAVE_BINARY]    (default: build/app/rentwave)
#
# Needs curl and jq (scripts/install-deps.sh installs them).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rentwave=${1:-$root/build/app/rentwave}
[[ -x $rentwave ]] || {
  echo "demo: no rentwave binary at $rentwave (run make build first)" >&2
  exit 1
}
for tool in curl jq; do
  command -v "$tool" >/dev/null || {
    echo "demo: $tool is missing (scripts/install-deps.sh)" >&2
    exit 1
  }
done

# --- The story's numbers (USD, in cents) ------------------------------------
PRICE=150      # per day
DEPOSIT=2000   # held while the book is out; late fees come out of it first
LATE_FEE=500   # per started day past the end
FEE_BP=1000    # the platform keeps 10% of the price (--fee-basis-points)
TOP_UP=5000    # bob's deposit into his wallet
DAYS=2         # the rental
LATE_DAYS=2    # how late the book comes back

RENT=$((PRICE * DAYS))                                  # 300
LATE=$((LATE_FEE * LATE_DAYS))                          # 1000
PLATFORM_FEE=$((RENT * FEE_BP / 10000))                 # 30
BOB_EXPECTED=$((TOP_UP - RENT - LATE))                  # 3700
ALICE_EXPECTED=$((RENT - PLATFORM_FEE + LATE))          # 1270

# --- A scratch server --------------------------------------------------------
# Only the flags below configure it, whatever RENTWAVE_* is set outside.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^RENTWAVE_' || true)

dir=$(mktemp -d "${TMPDIR:-/tmp}/rentwave-demo-XXXXXX")
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "demo: FAILED: $*" >&2
  echo "--- server log (last 30 lines):" >&2
  tail -n 30 "$dir/server.log" >&2 || true
  exit 1
}

# Ports 0: the kernel picks free ones, and the server prints them.
# --password-cost minimum only makes the demo quick; never use it for real.
: >"$dir/server.log"
"$rentwave" serve --db "$dir/demo.db" \
  --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  --dev-clock --admins alice --fee-basis-points "$FEE_BP" \
  --password-cost minimum >>"$dir/server.log" 2>&1 &
pid=$!

# shellcheck source=scripts/wait_for_serving.sh
source "$root/scripts/wait_for_serving.sh"
http_port=$(wait_for_serving "$dir/server.log" HTTP "$pid") ||
  fail "rentwave did not start"
base=http://127.0.0.1:$http_port

# --- Helpers -----------------------------------------------------------------
bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
[[ -t 1 ]] || bold='' dim='' off=''

step() { printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"; }

# call WHO EXPECTED_STATUS METHOD PATH [JSON_BODY]
# WHO is alice, bob or - (anonymous). Prints the request and the response
# (through the jq filter $summary if set, where $alice and $bob are their
# user ids) and leaves the response body in $resp; fails unless the status
# matches.
resp='' summary=''
# The jq function `who`: a user id as a name ($alice, $bob are jq's).
# shellcheck disable=SC2016
who='def who: if . == $alice then "alice" elif . == $bob then "bob" else . end;'
call() {
  local who=$1 want=$2 method=$3 path=$4 body=${5-}
  local args=(-sS -o "$dir/resp" -w '%{http_code}' -X "$method" "$base$path")
  case $who in
    alice) args+=(-H "authorization: Bearer $alice_token") ;;
    bob) args+=(-H "authorization: Bearer $bob_token") ;;
  esac
  printf '\n%s%s%s %s%s\n' "$bold" "$method" "$off" "$path" \
    "$([[ $who == - ]] || echo "   ${dim}(as $who)$off")"
  if [[ -n $body ]]; then
    args+=(-H 'content-type: application/json' -d "$body")
    jq . <<<"$body" | sed 's/^/  /'
  fi
  local status
  status=$(curl "${args[@]}") || fail "$method $path: curl failed"
  resp=$(cat "$dir/resp")
  printf '%s-> %s%s\n' "$dim" "$status" "$off"
  if [[ -n $resp ]]; then
    jq -r --arg alice "$alice_id" --arg bob "$bob_id" "${summary:-.}" <<<"$resp" 2>/dev/null |
      sed 's/^/  /' || printf '  %s\n' "$resp"
  fi
  [[ $status == "$want" ]] || fail "$method $path: HTTP $status, expected $want"
}

# field JQ_FILTER: a value from the last response ("" if absent).
field() { jq -r "$1 // empty" <<<"$resp"; }
# amount JQ_FILTER: the amountMinor of a Money in the last response (JSON
# leaves out zeros, so absent means 0).
amount() { jq -r "$1.amountMinor // \"0\"" <<<"$resp"; }

# expect WHAT ACTUAL WANTED
expect() {
  [[ $2 == "$3" ]] || fail "$1 is $2, expected $3"
  printf '%s   ok: %s = %s%s\n' "$dim" "$1" "$3" "$off"
}

# Sets $alice_token, $bob_token (access tokens live one hour), $alice_id
# and $bob_id.
alice_token='' bob_token='' alice_id='' bob_id=''
log_in_both() {
  call - 200 POST /v1/auth:login '{"username":"alice","password":"alice-secret-1"}'
  alice_token=$(field .accessToken) alice_id=$(field .userId)
  call - 200 POST /v1/auth:login '{"username":"bob","password":"bob-secret-1"}'
  bob_token=$(field .accessToken) bob_id=$(field .userId)
  [[ -n $alice_token && -n $bob_token ]] || fail "login gave no token"
}

echo "RentWave demo: the server runs on $base (gRPC and REST), database $dir/demo.db"
grep -m1 'DEVELOPMENT CLOCK' "$dir/server.log" | sed 's/^/server log: /' || true

step "1. alice and bob register and log in"
call - 200 POST /v1/users '{"username":"alice","password":"alice-secret-1","displayName":"Alice"}'
call - 200 POST /v1/users '{"username":"bob","password":"bob-secret-1","displayName":"Bob"}'
log_in_both

step "2. alice lists a book: $PRICE cents a day, deposit $DEPOSIT, late fee $LATE_FEE a day"
call alice 200 POST /v1/listings "{
  \"kind\": \"LISTING_KIND_BOOK\", \"title\": \"Dune\",
  \"description\": \"First edition paperback, a little worn\",
  \"price\": {\"amountMinor\": \"$PRICE\", \"currency\": \"USD\"},
  \"billingPeriod\": \"BILLING_PERIOD_DAY\", \"maxDuration\": \"1209600s\",
  \"deposit\": {\"amountMinor\": \"$DEPOSIT\", \"currency\": \"USD\"},
  \"lateFee\": {\"amountMinor\": \"$LATE_FEE\", \"currency\": \"USD\"},
  \"book\": {\"isbn\": \"0-441-17271-7\", \"title\": \"Dune\", \"author\": \"Frank Herbert\"}}"
listing_id=$(field .id)

step "3. bob searches for it (a keyword prefix, a kind, a price cap), and by ISBN"
echo "(listings as one line each from here on: id, title, price per period)"
summary='.listings[] | "\(.id)  \(.title)  \(.price.amountMinor) \(.price.currency) per \(.billingPeriod | ltrimstr("BILLING_PERIOD_"))"'
call bob 200 GET '/v1/listings?query=dun&kind=LISTING_KIND_BOOK&price.maxMinor=500'
expect "the search's first hit" "$(field '.listings[0].id')" "$listing_id"
summary='"\(.book.isbn): \(.book.title) by \(.book.author)", (.listings[] | "  \(.id)  \(.title)")'
call bob 200 GET /v1/books/9780441172719
summary=''
expect "the book's author" "$(field .book.author)" "Frank Herbert"

step "4. bob deposits $TOP_UP cents (requestId makes a retry harmless)"
call bob 200 POST /v1/wallet:deposit "{\"requestId\":\"demo-deposit-1\",\"amount\":{\"amountMinor\":\"$TOP_UP\",\"currency\":\"USD\"}}"

step "5. bob rents it for $DAYS days: the price and the deposit are held"
call bob 200 POST /v1/rentals "{\"requestId\":\"demo-rent-1\",\"listingId\":\"$listing_id\",\"duration\":\"$((DAYS * 86400))s\"}"
rental_id=$(field .id)
expect "the rental's price" "$(amount .price)" "$RENT"
call bob 200 GET /v1/wallet
expect "bob's held money" "$(amount .held)" "$((RENT + DEPOSIT))"
echo "bob renting again with a fresh requestId overlaps his own rental:"
call bob 400 POST /v1/rentals "{\"requestId\":\"demo-rent-2\",\"listingId\":\"$listing_id\",\"duration\":\"86400s\"}"

step "6. alice's notifications: her book has been rented"
call alice 200 GET /v1/notifications
jq -e '.notifications[] | select(.kind == "rental.created")' <<<"$resp" >/dev/null ||
  fail "alice was not notified of the rental"

step "7. the development clock jumps $((DAYS + LATE_DAYS)) days: the book is $LATE_DAYS days overdue"
call alice 200 POST /v1/devclock:advance "{\"by\":\"$(((DAYS + LATE_DAYS) * 86400))s\"}"

echo "four days on, their one-hour tokens have expired too (the same clock): they log in again"
call bob 401 GET /v1/wallet
log_in_both

step "8. bob returns it: $LATE_DAYS late fees come out of his deposit, alice is paid"
call bob 200 POST "/v1/rentals/$rental_id:return" '{}'
expect "the rental's status" "$(field .status)" RENTAL_STATUS_RETURNED
expect "late periods charged" "$(field .latePeriodsCharged)" "$LATE_DAYS"
expect "late fees charged" "$(amount .lateFeesCharged)" "$LATE"

step "9. the wallets: bob paid $RENT + $LATE, alice got $RENT - $PLATFORM_FEE (platform fee) + $LATE"
call bob 200 GET /v1/wallet
expect "bob's balance" "$(amount .balance)" "$BOB_EXPECTED"
expect "bob's held money" "$(amount .held)" 0
call alice 200 GET /v1/wallet
expect "alice's balance" "$(amount .balance)" "$ALICE_EXPECTED"
echo "bob's ledger, newest first (kind, amount, from -> to; holds and releases move no balance):"
summary="$who"'.transactions[] | "\(.kind | ltrimstr("TRANSACTION_KIND_"))  \(.amount.amountMinor)  \(.debitAccount | who) -> \(.creditAccount | who)"'
call bob 200 GET '/v1/wallet/transactions?pageSize=10'
summary=''

step "10. everyone's notifications"
call bob 200 GET /v1/notifications
call alice 200 GET /v1/notifications

step "11. the event log: alice is an administrator (--admins alice), bob is not"
call bob 403 GET /v1/events
echo "the rental's own events, in full:"
call alice 200 GET '/v1/events?types=rental.created&types=rental.late&types=rental.returned'
expect "rental events" "$(jq -r '[.events[].type] | join(" ")' <<<"$resp")" \
  "rental.created rental.late rental.late rental.returned"
echo "the whole log, one line per event (seq, type, aggregate id):"
summary="$who"'.events[] | "\(.seq)  \(.type)  \(.aggregateId | who)"'
call alice 200 GET '/v1/events?pageSize=100'
summary=
last_seq=$(jq -r '[.events[].seq | tonumber] | max' <<<"$resp")

step "12. following the log live: the last 3 events, then new ones as they come (1 s)"
printf '\n%sGET%s /v1/events:tail?afterSeq=%s   %s(as alice, newline-delimited JSON)%s\n' \
  "$bold" "$off" "$((last_seq - 3))" "$dim" "$off"
code=0
curl -s -N --max-time 1 -H "authorization: Bearer $alice_token" \
  "$base/v1/events:tail?afterSeq=$((last_seq - 3))" >"$dir/tail" || code=$?
# 28: the --max-time ran out, which is how a follower stops here.
[[ $code -eq 0 || $code -eq 28 ]] || fail "events:tail: curl exit $code"
sed 's/^/  /' "$dir/tail"
expect "events streamed" "$(wc -l <"$dir/tail" | tr -d ' ')" 3

# --- Done --------------------------------------------------------------------
step "done"
kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
[[ $code -eq 0 ]] || fail "rentwave exited $code after SIGTERM"
echo "The server stopped cleanly. DEMO OK: bob paid $((RENT + LATE)) cents ($RENT rent + $LATE late fees), alice received $ALICE_EXPECTED, the platform $PLATFORM_FEE."

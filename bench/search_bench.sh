#!/usr/bin/env bash
# SearchListings on a seeded database: a keyword plus two filters, page size
# 20, over gRPC, with 1 and with 16 clients; the bare callback greeter at the
# same concurrency is the baseline of the same run. Medians of R rounds.
# Usage: bench/search_bench.sh [build_dir=./build] [rounds=5] [seconds=3]
# COUNT (default 100000) listings are created first through CreateListing
# (bench/seed_listings), and the seeding rate and database size reported.
set -euo pipefail

build="${1:-./build}"
rounds="${2:-5}"
seconds="${3:-3}"
count="${COUNT:-100000}"
# "kakavi" is seed_listings' vocabulary word 7: in ~1.5% of the listings.
query='{"query":"kakavi","kind":"LISTING_KIND_VEHICLE","price":{"maxMinor":"5000"},"pageSize":20}'
source "$(dirname "$0")/lib.sh"
start_rentwave
start_greeter

seeded=$("$build/bench/seed_listings" --target "127.0.0.1:$grpc_port" --count "$count")
echo "seeding: $seeded" >&2
db_bytes=$(cat "$work"/bench.db* | wc -c)

# Checks the query finds something, so the benchmark measures real work.
found=$(curl -sf "http://127.0.0.1:$http_port/v1/listings?query=kakavi&kind=LISTING_KIND_VEHICLE&price.maxMinor=5000&pageSize=20" |
  grep -o '"id"' | wc -l)
[ "$found" -gt 0 ] || { echo "the benchmark query finds nothing" >&2; exit 1; }

for round in $(seq "$rounds"); do
  for clients in 1 16; do
    line=$("$build/bench/rpc_bench" --target "127.0.0.1:$grpc_port" \
      --method /rentwave.v1.Listings/SearchListings --json "$query" \
      --inflight "$clients" --seconds "$seconds")
    echo "round $round search x$clients:  $line" >&2
    [ "$(field errors "$line")" = "0" ] || { echo "search calls failed" >&2; exit 1; }
    for f in calls_per_sec p50_us p99_us; do field "$f" "$line" >>"$work/search$clients.$f"; done
    line=$("$build/bench/greeter_bench" client --target="127.0.0.1:$greeter_port" \
      --inflight="$clients" --seconds="$seconds")
    echo "round $round greeter x$clients: $line" >&2
    field calls_per_sec "$line" >>"$work/greeter$clients.calls_per_sec"
  done
done

echo "seeded $count listings: $(field per_sec "$seeded") listings/s through CreateListing; database $((db_bytes / 1048576)) MiB"
echo "SearchListings (keyword + kind + max price, page 20), medians of $rounds rounds:"
for clients in 1 16; do
  awk -v c="$clients" -v r="$(median "search$clients.calls_per_sec")" \
    -v p50="$(median "search$clients.p50_us")" -v p99="$(median "search$clients.p99_us")" \
    -v g="$(median "greeter$clients.calls_per_sec")" 'BEGIN {
    printf "  %2d clients: %7.0f calls/s  p50 %6.2f ms  p99 %6.2f ms  (search/greeter %.3f)\n",
      c, r, p50/1000, p99/1000, r/g }'
done

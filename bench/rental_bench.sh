#!/usr/bin/env bash
# CreateRental over gRPC, 64 renters each renting one at a time, each on
# listings of their own (consecutive future windows, never overlapping)
# against RentWave with synchronous=FULL, beside a bare SQLite program doing
# a rental's transaction shape (listing, overlap check, a hold, rental row
# with its timer column, idempotency row, events, notification) with one
# commit per rental, in the same run on this machine (same disk): medians of
# R rounds, and their ratio. Group commit is what lets RentWave beat the
# bare one-commit-per-rental rate.
# Usage: bench/rental_bench.sh [build_dir=./build] [rounds=5] [seconds=3]
set -euo pipefail

build="${1:-./build}"
rounds="${2:-5}"
seconds="${3:-3}"
renters="${RENTERS:-64}"
source "$(dirname "$0")/lib.sh"
start_rentwave --db-synchronous full

for round in $(seq "$rounds"); do
  line=$("$build/bench/rental_bench" --target "127.0.0.1:$grpc_port" \
    --renters "$renters" --seconds "$seconds") || true  # errors: below
  echo "round $round rentwave: $line" >&2
  [ "$(field errors "$line")" = "0" ] || { echo "rentals failed" >&2; exit 1; }
  field calls_per_sec "$line" >>"$work/rentwave.rate"
  field p99_us "$line" >>"$work/rentwave.p99"

  line=$("$build/bench/sqlite_rental_bench" --db "$work/bare.db" \
    --renters "$renters" --seconds "$seconds")
  echo "round $round bare:     $line" >&2
  field calls_per_sec "$line" >>"$work/bare.rate"
  field p99_us "$line" >>"$work/bare.p99"
done

awk -v r="$(median rentwave.rate)" -v rp="$(median rentwave.p99)" \
  -v b="$(median bare.rate)" -v bp="$(median bare.p99)" -v n="$rounds" -v c="$renters" 'BEGIN {
  printf "CreateRental, synchronous=FULL, medians of %d rounds:\n", n
  printf "  RentWave gRPC (%d renters)  %7.0f rentals/s  p99 %6.2f ms\n", c, r, rp/1000
  printf "  bare SQLite, 1 commit each  %7.0f rentals/s  p99 %6.2f ms\n", b, bp/1000
  printf "  RentWave/bare %.2f (target >= 2)\n", r/b }'

#!/usr/bin/env bash
# Wallet Transfers between random wallets over gRPC (64 in flight) against
# RentWave with synchronous=FULL, beside a bare SQLite program doing the same
# transaction shape with one commit per transfer, in the same run on this
# machine (same disk): medians of R rounds, and their ratio. Group commit is
# what lets RentWave beat the bare one-commit-per-transfer rate.
# Usage: bench/wallet_bench.sh [build_dir=./build] [rounds=5] [seconds=3]
set -euo pipefail

build="${1:-./build}"
rounds="${2:-5}"
seconds="${3:-3}"
conns="${CONNECTIONS:-64}"
source "$(dirname "$0")/lib.sh"
start_rentwave --db-synchronous full

for round in $(seq "$rounds"); do
  line=$("$build/bench/transfer_bench" --target "127.0.0.1:$grpc_port" \
    --inflight "$conns" --seconds "$seconds")
  echo "round $round rentwave: $line" >&2
  [ "$(field errors "$line")" = "0" ] || { echo "transfers failed" >&2; exit 1; }
  field calls_per_sec "$line" >>"$work/rentwave.rate"
  field p99_us "$line" >>"$work/rentwave.p99"

  line=$("$build/bench/sqlite_transfer_bench" --db "$work/bare.db" --seconds "$seconds")
  echo "round $round bare:     $line" >&2
  field calls_per_sec "$line" >>"$work/bare.rate"
  field p99_us "$line" >>"$work/bare.p99"
done

awk -v r="$(median rentwave.rate)" -v rp="$(median rentwave.p99)" \
  -v b="$(median bare.rate)" -v bp="$(median bare.p99)" -v n="$rounds" -v c="$conns" 'BEGIN {
  printf "Transfers, synchronous=FULL, medians of %d rounds:\n", n
  printf "  RentWave gRPC (%d in flight) %7.0f transfers/s  p99 %6.2f ms\n", c, r, rp/1000
  printf "  bare SQLite, 1 commit each   %7.0f transfers/s  p99 %6.2f ms\n", b, bp/1000
  printf "  RentWave/bare %.2f\n", r/b }'

#!/usr/bin/env bash
# The late-fee timer with a million rentals in the table: RENTALS rentals of
# which DUE fall due within the same second D (bench/timer_seed makes them
# through the modules' APIs; D is about LEAD seconds after seeding ends).
# Then the real `rentwave serve` (system clock, synchronous=FULL) starts on
# that database, and this reports:
#   startup-to-ready   exec until /readyz answers 200     (target < 1 s)
#   penalty lag p99    charge written - rental end        (target < 1 s)
#   charges/s          DUE over the time from D to the last charge
#   peak RSS           the server's VmHWM                 (target < 256 MB)
# SAME_INSTANT=1 ends all DUE rentals at D exactly instead of spread over
# the second. A small run: bench/timer_bench.sh build 20000 1000
# Usage: bench/timer_bench.sh [build_dir=./build] [rentals=1000000] [due=10000]
set -euo pipefail

build="${1:-./build}"
rentals="${2:-1000000}"
due="${3:-10000}"
lead="${LEAD:-20}"
source "$(dirname "$0")/lib.sh"

flags=()
[ "${SAME_INSTANT:-0}" = "1" ] && flags+=(--same-instant)
seeded=$("$build/bench/timer_seed" --db "$work/bench.db" --rentals "$rentals" \
  --due "$due" --lead "$lead" "${flags[@]}" 2>"$work/seed.log") ||
  { cat "$work/seed.log" >&2; exit 1; }
echo "seeding: $seeded" >&2
due_us=$(field due_us "$seeded")
db_mb=$(($(cat "$work"/bench.db* | wc -c) / 1048576))

# Ready: the HTTP port is printed once the server is up; /readyz then says
# whether it takes traffic. Polled every 5 ms.
: >"$work/out"
start_ns=$(date +%s%N)
"$build/app/rentwave" serve --db "$work/bench.db" --grpc-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
pids+=("$server")
ready_ns=""
for _ in $(seq 2000); do
  port=$(sed -n 's/^rentwave: serving HTTP on port //p' "$work/out")
  if [ -n "$port" ] && curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; then
    ready_ns=$(date +%s%N)
    break
  fi
  sleep 0.005
done
[ -n "$ready_ns" ] || { echo "rentwave did not become ready" >&2; cat "$work/err" >&2; exit 1; }
ready_ms=$(((ready_ns - start_ns) / 1000000))
echo "ready after ${ready_ms} ms; D in $(((due_us / 1000 - ready_ns / 1000000) / 1000)) s" >&2

waited=$("$build/bench/timer_report" wait --db "$work/bench.db" --due-us "$due_us" \
  --count "$due" --timeout $((lead + 120)))
hwm_kb=$(awk '/^VmHWM/ {print $2}' "/proc/$server/status")
kill "$server"
wait "$server" || true
lag=$("$build/bench/timer_report" lag --db "$work/bench.db" --due-us "$due_us")
echo "charges: $lag; $waited" >&2

awk -v n="$rentals" -v d="$due" -v seed="$seeded" -v db="$db_mb" -v r="$ready_ms" \
  -v p50="$(field lag_p50_ms "$lag")" -v p99="$(field lag_p99_ms "$lag")" \
  -v mx="$(field lag_max_ms "$lag")" -v cps="$(field charges_per_sec "$lag")" \
  -v all="$(field all_committed_after_ms "$waited")" -v hwm="$hwm_kb" \
  -v spread="$([ "${SAME_INSTANT:-0}" = "1" ] && echo "all at one instant" || echo "spread over one second")" 'BEGIN {
  split(seed, f, /[ =]/)
  printf "Late-fee timer, %d rentals in the table, %d due within one second (%s):\n", n, d, spread
  printf "  seeding            %s rentals/s through Rentals::Create; database %d MiB\n", f[6], db
  printf "  startup to ready   %5d ms          (target < 1000)\n", r
  printf "  penalty lag        p50 %.0f ms  p99 %.0f ms  max %.0f ms  (target p99 < 1000)\n", p50, p99, mx
  printf "  charges/s          %5.0f            (all %d committed %.0f ms after D)\n", cps, d, all
  printf "  peak RSS (VmHWM)   %5.1f MB         (target < 256)\n", hwm / 1024 }'

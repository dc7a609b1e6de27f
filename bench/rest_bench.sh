#!/usr/bin/env bash
# REST vs gRPC on one small resource (GetUser), and gRPC vs a bare callback
# greeter, all in the same run on this machine: medians of R rounds.
# Usage: bench/rest_bench.sh [build_dir=./build] [rounds=5] [seconds=3]
# REST load comes from wrk (-c 64 connections), gRPC load from rpc_bench and
# greeter_bench (64 calls in flight); every server and client shares 2 cores.
set -euo pipefail

build="${1:-./build}"
rounds="${2:-5}"
seconds="${3:-3}"
conns="${CONNECTIONS:-64}"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_line FILE SED_EXPR: prints what SED_EXPR extracts from FILE once
# it appears (at most 10 s).
wait_for_line() {
  local value
  for _ in $(seq 100); do
    value=$(sed -n "$2" "$1")
    [ -n "$value" ] && { echo "$value"; return; }
    sleep 0.1
  done
}

"$build/app/rentwave" serve --db "$work/bench.db" --grpc-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 --password-cost minimum >"$work/out" 2>/dev/null &
pids+=($!)
http_port=$(wait_for_line "$work/out" 's/^rentwave: serving HTTP on port //p')
grpc_port=$(sed -n 's/^rentwave: serving gRPC on port //p' "$work/out")
[ -n "$http_port" ] || { echo "rentwave did not start" >&2; exit 1; }

user_id=$(curl -sf -XPOST "http://127.0.0.1:$http_port/v1/users" \
  -H 'content-type: application/json' \
  -d '{"username":"benchuser","password":"benchmark-password"}' |
  sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$user_id" ] || { echo "could not register the bench user" >&2; exit 1; }

"$build/bench/greeter_bench" server --api=callback --listen=127.0.0.1:0 >"$work/greeter" &
pids+=($!)
greeter_port=$(wait_for_line "$work/greeter" 's/^port=//p')
[ -n "$greeter_port" ] || { echo "greeter did not start" >&2; exit 1; }

# wrk's "99%  1.23ms" -> microseconds.
to_us() { awk '{v=$1; u=$1; gsub(/[0-9.]/,"",u); sub(/[a-z]+$/,"",v);
  m = (u=="us")?1:(u=="ms")?1000:(u=="s")?1000000:1; printf "%.0f", v*m}'; }

for round in $(seq "$rounds"); do
  line=$("$build/bench/rpc_bench" --target "127.0.0.1:$grpc_port" \
    --method /rentwave.v1.Users/GetUser --json "{\"userId\":\"$user_id\"}" \
    --inflight "$conns" --seconds "$seconds")
  echo "round $round grpc:    $line" >&2
  echo "$line" | sed -n 's/.*calls_per_sec=\([0-9]*\).*/\1/p' >>"$work/grpc.rate"
  echo "$line" | sed -n 's/.*p99_us=\([0-9]*\).*/\1/p' >>"$work/grpc.p99"

  wrk -t2 -c"$conns" -d"${seconds}s" --latency \
    "http://127.0.0.1:$http_port/v1/users/$user_id" >"$work/wrk" 2>&1
  rate=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$work/wrk")
  p99=$(awk '$1=="99%"{print $2}' "$work/wrk" | to_us)
  non2xx=$(awk '/Non-2xx/{print $NF}' "$work/wrk")
  echo "round $round rest:    calls_per_sec=$rate p99_us=$p99 non2xx=${non2xx:-0}" >&2
  [ -z "$non2xx" ] || { echo "REST calls failed" >&2; exit 1; }
  echo "$rate" >>"$work/rest.rate"
  echo "$p99" >>"$work/rest.p99"

  line=$("$build/bench/greeter_bench" client --target="127.0.0.1:$greeter_port" \
    --inflight="$conns" --seconds="$seconds")
  echo "round $round greeter: $line" >&2
  echo "$line" | sed -n 's/.*calls_per_sec=\([0-9]*\).*/\1/p' >>"$work/greeter.rate"
done

median() { sort -n "$work/$1" | awk '{v[NR]=$1} END {print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
g=$(median grpc.rate) r=$(median rest.rate) b=$(median greeter.rate)
awk -v g="$g" -v r="$r" -v b="$b" -v gp="$(median grpc.p99)" -v rp="$(median rest.p99)" \
  -v n="$rounds" -v c="$conns" 'BEGIN {
  printf "GetUser, %d connections/calls in flight, medians of %d rounds:\n", c, n
  printf "  gRPC     %7.0f calls/s  p99 %6.2f ms\n", g, gp/1000
  printf "  REST     %7.0f calls/s  p99 %6.2f ms  (REST/gRPC %.2f)\n", r, rp/1000, r/g
  printf "  greeter  %7.0f calls/s  (bare callback greeter; gRPC/greeter %.2f)\n", b, g/b }'

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
source "$(dirname "$0")/lib.sh"
start_rentwave

user_id=$(curl -sf -XPOST "http://127.0.0.1:$http_port/v1/users" \
  -H 'content-type: application/json' \
  -d '{"username":"benchuser","password":"benchmark-password"}' |
  sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
[ -n "$user_id" ] || { echo "could not register the bench user" >&2; exit 1; }

start_greeter

# wrk's "99%  1.23ms" -> microseconds.
to_us() { awk '{v=$1; u=$1; gsub(/[0-9.]/,"",u); sub(/[a-z]+$/,"",v);
  m = (u=="us")?1:(u=="ms")?1000:(u=="s")?1000000:1; printf "%.0f", v*m}'; }

for round in $(seq "$rounds"); do
  line=$("$build/bench/rpc_bench" --target "127.0.0.1:$grpc_port" \
    --method /rentwave.v1.Users/GetUser --json "{\"userId\":\"$user_id\"}" \
    --inflight "$conns" --seconds "$seconds")
  echo "round $round grpc:    $line" >&2
  field calls_per_sec "$line" >>"$work/grpc.rate"
  field p99_us "$line" >>"$work/grpc.p99"

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
  field calls_per_sec "$line" >>"$work/greeter.rate"
done

g=$(median grpc.rate) r=$(median rest.rate) b=$(median greeter.rate)
awk -v g="$g" -v r="$r" -v b="$b" -v gp="$(median grpc.p99)" -v rp="$(median rest.p99)" \
  -v n="$rounds" -v c="$conns" 'BEGIN {
  printf "GetUser, %d connections/calls in flight, medians of %d rounds:\n", c, n
  printf "  gRPC     %7.0f calls/s  p99 %6.2f ms\n", g, gp/1000
  printf "  REST     %7.0f calls/s  p99 %6.2f ms  (REST/gRPC %.2f)\n", r, rp/1000, r/g
  printf "  greeter  %7.0f calls/s  (bare callback greeter; gRPC/greeter %.2f)\n", b, g/b }'

#!/usr/bin/env bash
# CPU cost per GetUser call, REST and gRPC, as instructions counted by
# valgrind's callgrind: unlike calls/s, noise-free on a shared machine, and
# what to compare before and after a change to the request path.
# Usage: bench/getuser_callgrind.sh [build_dir=./build] [rest_calls=2000]
#                                   [grpc_seconds=5] [out_dir=$PWD]
# Runs rentwave under callgrind with instrumentation off, warms up, then
# counts REST calls (curl, 8 keep-alive connections) and gRPC calls
# (rpc_bench, 8 in flight) separately; calls are counted by /metrics, so
# every instruction of the process (all threads) is divided by the calls
# that caused it. Leaves getuser.<pid>.{1,2} (REST, gRPC) in out_dir for
# callgrind_annotate.
set -euo pipefail

build="${1:-./build}"
rest_calls="${2:-2000}"
grpc_seconds="${3:-5}"
out="${4:-$PWD}"
connections=8
for tool in valgrind callgrind_control callgrind_annotate curl; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done

work="$(mktemp -d)"
vpid=""
cleanup() {
  [ -z "$vpid" ] || { kill "$vpid" 2>/dev/null || true; wait "$vpid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$out/getuser.%p" \
  "$build/app/rentwave" serve --db "$work/bench.db" --grpc-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 --password-cost minimum >"$work/out" 2>"$work/err" &
vpid=$!
for _ in $(seq 600); do
  grep -q "serving HTTP" "$work/out" 2>/dev/null && break
  sleep 0.2
done
http_port=$(sed -n 's/^rentwave: serving HTTP on port //p' "$work/out")
grpc_port=$(sed -n 's/^rentwave: serving gRPC on port //p' "$work/out")
[ -n "$http_port" ] || { echo "rentwave did not start" >&2; exit 1; }
user_id=$(curl -sf -XPOST "http://127.0.0.1:$http_port/v1/users" \
  -H 'content-type: application/json' \
  -d '{"username":"benchuser","password":"benchmark-password"}' |
  sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
url="http://127.0.0.1:$http_port/v1/users/$user_id"

# calls PROTOCOL: GetUser calls served so far, from /metrics.
calls() {
  curl -sf "http://127.0.0.1:$http_port/metrics" | awk -v p="$1" '
    /^rentwave_requests_total/ && index($0, "protocol=\"" p "\"") &&
    /GetUser/ { n += $NF } END { print n + 0 }'
}
# rest N: N GET calls over $connections keep-alive connections.
rest() {
  local per=$(($1 / connections)) clients=()
  for _ in $(seq "$connections"); do
    curl -sf $(yes "$url" | head -n "$per") >/dev/null &
    clients+=($!)
  done
  wait "${clients[@]}"  # not the server
}
grpc() {
  "$build/bench/rpc_bench" --target "127.0.0.1:$grpc_port" \
    --method /rentwave.v1.Users/GetUser --json "{\"userId\":\"$user_id\"}" \
    --inflight "$connections" --seconds "$1" --warmup 0 >/dev/null
}
# measure NAME CMD...: runs CMD with instrumentation on and dumps.
measure() {
  local name=$1 proto=$2; shift 2
  local before after
  before=$(calls "$proto")
  callgrind_control -z "$vpid" >/dev/null 2>&1
  callgrind_control -i on "$vpid" >/dev/null 2>&1
  "$@"
  callgrind_control -i off "$vpid" >/dev/null 2>&1
  callgrind_control -d "$name" "$vpid" >/dev/null 2>&1
  after=$(calls "$proto")
  echo $((after - before)) >"$work/$name.calls"
}

rest 400 && grpc 1  # warm-up, not counted
measure rest http rest "$rest_calls"
measure grpc grpc grpc "$grpc_seconds"

part=1
for name in rest grpc; do
  file="$out/getuser.$vpid.$part"
  n=$(cat "$work/$name.calls")
  ir=$(callgrind_annotate "$file" 2>/dev/null |
    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  awk -v name="$name" -v n="$n" -v ir="$ir" -v f="$file" 'BEGIN {
    printf "%-4s GetUser: %6d calls  %8.0f instructions/call  (%s)\n",
      name, n, ir / n, f }'
  part=$((part + 1))
done

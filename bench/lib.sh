# Shared by the benchmark scripts (source it after `set -euo pipefail`).
# Needs $build; sets $work (a temporary directory) and kills what
# start_rentwave / start_greeter started, on exit, after printing the
# server's peak RSS.
work="$(mktemp -d)"
pids=()
rentwave_pid=""
cleanup() {
  if [ -n "$rentwave_pid" ] && [ -r "/proc/$rentwave_pid/status" ]; then
    awk '/^VmHWM/ {printf "  rentwave peak RSS (VmHWM) %.1f MB\n", $2 / 1024}' \
      "/proc/$rentwave_pid/status"
  fi
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

# start_rentwave [FLAGS...]: serves $work/bench.db on free ports; sets
# $grpc_port and $http_port. No rate limits: all load comes from one address.
start_rentwave() {
  "$build/app/rentwave" serve --db "$work/bench.db" --grpc-listen 127.0.0.1:0 \
    --http-listen 127.0.0.1:0 --password-cost minimum \
    --user-rate 0 --address-rate 0 "$@" >"$work/out" 2>/dev/null &
  rentwave_pid=$!
  pids+=($!)
  http_port=$(wait_for_line "$work/out" 's/^rentwave: serving HTTP on port //p')
  grpc_port=$(sed -n 's/^rentwave: serving gRPC on port //p' "$work/out")
  [ -n "$http_port" ] || { echo "rentwave did not start" >&2; exit 1; }
}

# start_greeter: a bare callback-API greeter, the RPC-layer baseline; sets
# $greeter_port.
start_greeter() {
  "$build/bench/greeter_bench" server --api=callback --listen=127.0.0.1:0 >"$work/greeter" &
  pids+=($!)
  greeter_port=$(wait_for_line "$work/greeter" 's/^port=//p')
  [ -n "$greeter_port" ] || { echo "greeter did not start" >&2; exit 1; }
}

# field NAME LINE: the value of NAME=... in a load client's result line.
field() { echo "$2" | sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

# median FILE: the median of the numbers in $work/FILE, one per line.
median() { sort -n "$work/$1" | awk '{v[NR]=$1} END {print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }

# shellcheck shell=bash
# Sourced by scripts that start `rentwave serve` on port 0 (scripts/demo.sh,
# tests/blackbox/buf_test.sh).
#
# wait_for_serving LOG KIND PID: prints the port from the line
# "rentwave: serving KIND on port N" (KIND: gRPC or HTTP) once it is in LOG;
# returns 1, saying why on stderr, if process PID exits first or 20 s pass.
wait_for_serving() {
  local log=$1 kind=$2 pid=$3 port deadline=$((SECONDS + 20))
  while :; do
    port=$(sed -n "s/^rentwave: serving $kind on port \([0-9][0-9]*\)\$/\1/p" "$log")
    [[ -n $port ]] && { echo "$port"; return 0; }
    kill -0 "$pid" 2>/dev/null || { echo "rentwave exited before it was ready" >&2; return 1; }
    ((SECONDS < deadline)) || { echo "rentwave not ready after 20 s" >&2; return 1; }
    sleep 0.02
  done
}

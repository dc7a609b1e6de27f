#!/usr/bin/env bash
# Compares Greeter throughput of gRPC's callback and sync server APIs.
# Usage: bench/greeter_bench.sh [build_dir=./build] [rounds=5] [seconds=3]
# Each round runs a callback server, then a sync server, each in its own
# process and loaded by a client process over 127.0.0.1; builds nothing.
set -euo pipefail

build_dir="${1:-./build}"
rounds="${2:-5}"
measure_seconds="${3:-3}"
inflight="${INFLIGHT:-64}"
bin="${build_dir}/bench/greeter_bench"
[[ -x "${bin}" ]] || { echo "no ${bin}; build target greeter_bench" >&2; exit 1; }

work_dir="$(mktemp -d)"
server_pid=""
stop_server() {
  if [[ -n "${server_pid}" ]]; then
    kill "${server_pid}" 2>/dev/null || true
    wait "${server_pid}" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "${work_dir}"' EXIT
trap 'exit 130' INT TERM

# start_server API: starts a server in the background, sets server_pid and port.
start_server() {
  local out
  out="$(mktemp -p "${work_dir}")"  # Fresh file: never read a stale port.
  "${bin}" server --api="$1" --listen=127.0.0.1:0 >"${out}" &
  server_pid=$!
  port=""
  for _ in $(seq 100); do
    port="$(sed -n 's/^port=//p' "${out}")"
    [[ -n "${port}" ]] && return
    kill -0 "${server_pid}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$1 server did not report its port" >&2
  exit 1
}

# measure API: appends the calls/s of one run to work_dir/API.rates.
measure() {
  start_server "$1"
  local line rc=0
  line="$("${bin}" client --target="127.0.0.1:${port}" \
    --inflight="${inflight}" --seconds="${measure_seconds}")" || rc=$?
  stop_server
  if ((rc != 0)); then
    echo "round ${round} $1: client exited ${rc}: ${line}" >&2
    exit 1
  fi
  echo "round ${round} $1: ${line}" >&2
  local rate="${line#calls_per_sec=}"
  echo "${rate%% *}" >>"${work_dir}/$1.rates"
}

# median API: the median of work_dir/API.rates.
median() {
  sort -n "${work_dir}/$1.rates" | awk '{v[NR] = $1}
    END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

for round in $(seq "${rounds}"); do
  measure callback
  measure sync
done

callback="$(median callback)"
sync="$(median sync)"
awk -v c="${callback}" -v s="${sync}" 'BEGIN {
  printf "callback median %.0f calls/s, sync median %.0f calls/s, ratio %.2f\n",
    c, s, c / s }'

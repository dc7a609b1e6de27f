#!/usr/bin/env bash
# Runs every benchmark in bench/ and writes docs/PERFORMANCE.md from what
# they print: the machine, the commands, and each benchmark's summary
# (medians of several rounds, ratios against baselines measured in the same
# run, the server's peak RSS), verbatim.
# Usage: bench/report.sh [build_dir=./build] [output=docs/PERFORMANCE.md]
# TIMER_RENTALS / TIMER_DUE scale the timer benchmark (default 1M / 10k).
set -euo pipefail

build="${1:-./build}"
output="${2:-docs/PERFORMANCE.md}"
here="$(cd "$(dirname "$0")" && pwd)"
sections="$(mktemp)"
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
trap 'rm -f "$sections"' EXIT

# run TITLE COMMAND...: runs one benchmark, its summary (stdout) into the
# report, its progress (stderr) to the terminal.
run() {
  local title="$1"
  shift
  echo "== $title: $*" >&2
  local started ended summary
  started=$(date +%s)
  summary=$("$@")
  ended=$(date +%s)
  echo "$summary"
  {
    echo "## $title"
    echo
    echo "\`$*\` ($((ended - started)) s)"
    echo
    echo '```'
    echo "$summary"
    echo '```'
    echo
  } >>"$sections"
}

run "RPC layer: callback vs sync greeter" "$here/greeter_bench.sh" "$build"
run "REST vs gRPC (GetUser)" "$here/rest_bench.sh" "$build"
run "Search (100k listings)" "$here/search_bench.sh" "$build"
run "Wallet transfers vs bare SQLite" "$here/wallet_bench.sh" "$build"
run "CreateRental vs bare SQLite" "$here/rental_bench.sh" "$build"
run "Late-fee timer" "$here/timer_bench.sh" "$build" \
  "${TIMER_RENTALS:-1000000}" "${TIMER_DUE:-10000}"

mkdir -p "$(dirname "$output")"
{
  echo "# RentWave performance"
  echo
  echo "Written by \`make bench\` (\`bench/report.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "at commit $(git -C "$here/.." rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Every number below is what the benchmark printed in that run. These"
  echo "machines are shared and noisy: compare the ratios (each against a"
  echo "baseline measured in the same run), not absolute rates across runs."
  echo
  echo "Machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)),"
  echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr),"
  echo "load average at the start ${load_at_start}, at the end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  cat "$sections"
} >"$output"
echo "wrote $output" >&2

#!/usr/bin/env bash
# Fuzzes one libFuzzer target of a RENTWAVE_FUZZ build for a bounded time,
# starting from its checked-in seed corpus. Used by `make fuzz` (long runs)
# and `make test` (a short one per target).
# Usage: fuzz/run.sh FUZZ_BUILD_DIR transcoder|rpc SECONDS
#
# New inputs go to FUZZ_BUILD_DIR/fuzz/corpus-TARGET (the checked-in corpus
# is never written); a crash, sanitizer report, timeout or out-of-memory
# fails the run and leaves the input in FUZZ_BUILD_DIR/fuzz/artifacts-TARGET/.
set -euo pipefail

build="$1" target="$2" seconds="$3"
here="$(cd "$(dirname "$0")" && pwd)"
case "$target" in
  transcoder) per_input_timeout=5 ;;
  # One input is one RPC on a whole server; the first runs set it up.
  rpc) per_input_timeout=30 ;;
  *) echo "fuzz/run.sh: unknown target '$target' (transcoder or rpc)" >&2
     exit 2 ;;
esac

out="$build/fuzz"
rm -rf "$out/corpus-$target"
mkdir -p "$out/corpus-$target" "$out/artifacts-$target"
cp "$here/corpus/$target"/* "$out/corpus-$target/"
echo "fuzz/run.sh: ${target}_fuzzer for ${seconds}s"
"$out/${target}_fuzzer" "$out/corpus-$target" \
  -dict="$here/$target.dict" -max_total_time="$seconds" \
  -max_len=4096 -timeout="$per_input_timeout" -print_final_stats=1 \
  -artifact_prefix="$out/artifacts-$target/"

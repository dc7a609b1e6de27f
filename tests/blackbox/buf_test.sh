#!/usr/bin/env bash
# Talks to the real binary with a third-party client, `buf curl`, which finds
# the API through server reflection.
#   buf_test.sh RENTWAVE_BINARY BUF_BINARY
# Exits 77 (ctest: skipped) only if buf is not installed.
set -euo pipefail

rentwave=$1
buf=$2
if [[ ! -x $buf ]]; then
  echo "SKIPPED: buf not installed at $buf (scripts/install-deps.sh)"
  exit 77
fi

# The flags alone configure the server.
while read -r var; do unset "$var"; done < <(compgen -e | grep '^RENTWAVE_' || true)

dir=$(mktemp -d "${TMPDIR:-/tmp}/rentwave-buf-XXXXXX")
export BUF_CACHE_DIR=$dir/buf-cache
pid=
cleanup() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "--- server stderr:"
  cat "$dir/stderr" || true
  exit 1
}

# Created here: the background job's redirections happen only once it runs.
: >"$dir/stdout"
: >"$dir/stderr"
"$rentwave" serve --db "$dir/rentwave.db" --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  --password-cost minimum --log-level info >"$dir/stdout" 2>"$dir/stderr" &
pid=$!

# shellcheck source=scripts/wait_for_serving.sh
source "$(dirname "$0")/../../scripts/wait_for_serving.sh"
port=$(wait_for_serving "$dir/stdout" gRPC "$pid") || fail "rentwave did not start"
url=http://127.0.0.1:$port

bufcurl() {
  "$buf" curl --protocol grpc --http2-prior-knowledge "$@"
}

services=$(bufcurl --list-services "$url") || fail "--list-services failed"
echo "services: $services"
for s in rentwave.v1.Users grpc.health.v1.Health \
  grpc.reflection.v1alpha.ServerReflection; do
  grep -qx "$s" <<<"$services" || fail "service $s not listed"
done

out=$(bufcurl -d '{"username": "Buf_User", "password": "buf-password-1"}' \
  "$url/rentwave.v1.Users/Register") || fail "Register failed: $out"
echo "Register: $out"
grep -q '"username": *"buf_user"' <<<"$out" || fail "Register: no username"

out=$(bufcurl -d '{"username": "buf_user", "password": "buf-password-1"}' \
  "$url/rentwave.v1.Users/Login") || fail "Login failed: $out"
echo "Login: $out"
token=$(sed -n 's/.*"accessToken": *"\([^"]*\)".*/\1/p' <<<"$out")
[[ -n $token ]] || fail "Login: no accessToken"

out=$(bufcurl -H "authorization: Bearer $token" -d '{}' \
  "$url/rentwave.v1.Users/GetMe") || fail "GetMe failed: $out"
echo "GetMe: $out"
grep -q '"username": *"buf_user"' <<<"$out" || fail "GetMe: wrong user"

# Errors reach a third-party client with their gRPC code.
if out=$(bufcurl -d '{}' "$url/rentwave.v1.Users/GetMe" 2>&1); then
  fail "GetMe without a token succeeded: $out"
fi
echo "GetMe without a token: $out"
grep -qi 'unauthenticated' <<<"$out" || fail "GetMe: not UNAUTHENTICATED"

out=$(bufcurl -d '{"username": "buf_user", "password": "wrong-password"}' \
  "$url/rentwave.v1.Users/Login" 2>&1) && fail "bad Login succeeded: $out"
grep -qi 'unauthenticated' <<<"$out" || fail "bad Login: $out"

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
[[ $code -eq 0 ]] || fail "exit code $code after SIGTERM"
echo "PASS"

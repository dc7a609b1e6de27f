#!/usr/bin/env bash
# Installs exactly the Debian packages and npm tools RentWave needs that are
# missing. Idempotent: a second run installs nothing and touches no network.
set -euo pipefail

# Build dependencies (Debian 12 package names). The Dockerfile's build stage
# installs the same list; tests/dockerfile_test.sh checks they agree.
BUILD_PACKAGES=(
  cmake g++ make pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  grpc-proto golang-github-gogo-googleapis-dev
  libsqlitecpp-dev libsqlite3-dev libspdlog-dev libgtest-dev
  libsodium-dev libssl-dev libcli11-dev libcpp-httplib-dev libabsl-dev
  nlohmann-json3-dev
)
# Only for tests, fuzzing, benchmarks and `make demo` (curl, jq). The Python
# client test runs Debian's /usr/bin/python3 (a python3 earlier on PATH may
# not see these packages).
TEST_PACKAGES=(
  clang libclang-rt-14-dev wrk openssl curl jq
  python3-grpc-tools python3-grpcio python3-protobuf
)

missing=()
for p in "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# npm may come from Debian or from a NodeSource nodejs that already bundles it.
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# buf is the third-party gRPC client the black-box tests use (server
# reflection, like grpcurl). It lives in the repo-local tools/ folder.
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -x "$here/tools/node_modules/.bin/buf" ]; then
  echo "install-deps: installing @bufbuild/buf with npm"
  mkdir -p "$here/tools"
  npm install --silent --no-audit --no-fund --prefix "$here/tools" @bufbuild/buf >/dev/null
fi

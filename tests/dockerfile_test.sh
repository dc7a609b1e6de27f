#!/usr/bin/env bash
# No Docker engine runs here, so this checks what a docker build would rely on:
#  1. the build stage installs exactly scripts/install-deps.sh's
#     BUILD_PACKAGES (its TEST_PACKAGES are for tests only);
#  2. the runtime stage installs every Debian package the built binary links
#     (found with ldd + dpkg -S), except those in every Debian base image;
#  3. the image runs as a non-root user, exposes 50051 and 8080, declares
#     /data as a volume and health-checks with `rentwave healthcheck`.
# Usage: dockerfile_test.sh <repo root> <path to the built rentwave binary>
set -euo pipefail
root=$1 binary=$2
dockerfile=$root/Dockerfile
fail=0
problem() { echo "FAIL: $*"; fail=1; }

# Package names listed in an `apt-get install` of one stage (1 = build, 2 = runtime).
stage_packages() {
  awk -v want="$1" '
    /^FROM /{stage++}
    stage==want && /apt-get install/{grab=1}
    grab{print; if ($0 !~ /\\$/) grab=0}
  ' "$dockerfile" | tr ' \\' '\n\n' |
    grep -E '^[a-z0-9][a-z0-9.+-]+$' |
    grep -vxE 'apt-get|install|rm|update|DEBIAN_FRONTEND=noninteractive|useradd|mkdir|chown' |
    sort -u
}

script_packages=$(sed -n '/^BUILD_PACKAGES=(/,/^)/p' "$root/scripts/install-deps.sh" |
  grep -v '^BUILD_PACKAGES=(' | grep -v '^)' | tr ' ' '\n' | grep -E '^[a-z0-9]' | sort -u)
build_packages=$(stage_packages 1)
if [ "$script_packages" != "$build_packages" ]; then
  problem "build stage and scripts/install-deps.sh disagree:"
  diff <(echo "$script_packages") <(echo "$build_packages") || true
fi

runtime_packages=$(stage_packages 2)
base_image="libc6 libgcc-s1 libstdc++6"
for lib in $(ldd "$binary" | awk '/=>/{print $3}'); do
  pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null ||
        dpkg -S "/usr$lib" 2>/dev/null || echo "?")
  pkg=${pkg%%:*}
  case " $base_image " in *" $pkg "*) continue ;; esac
  if [ "$pkg" = "?" ]; then
    problem "no Debian package provides $lib"
  elif ! grep -qx "$pkg" <<<"$runtime_packages"; then
    problem "runtime stage lacks $pkg (provides $lib)"
  fi
done

grep -q '^USER rentwave$' "$dockerfile" || problem "runtime does not run as user rentwave"
grep -q '^EXPOSE 50051 8080$' "$dockerfile" || problem "EXPOSE 50051 8080 missing"
grep -q '^VOLUME /data$' "$dockerfile" || problem "VOLUME /data missing"
grep -q 'rentwave", "healthcheck"' "$dockerfile" || problem "HEALTHCHECK does not call rentwave healthcheck"
grep -q '^FROM debian:bookworm AS build$' "$dockerfile" || problem "build stage is not Debian bookworm"

if [ "$fail" = 0 ]; then echo "Dockerfile agrees with install-deps.sh and the binary's libraries"; fi
exit "$fail"

#!/bin/sh
# deps.sh: installs the Debian 12 packages mycert needs, only when missing.
# Runs apt-get as root (or through sudo); does nothing when all are there.
set -eu

# Build: compiler, libraries and their headers.
BUILD_PKGS="gcc make pkg-config libssl-dev libsqlite3-dev libp11-dev \
libp11-kit-dev libcunit1-dev libcurl4-openssl-dev libmicrohttpd-dev"
# Run: the token and its tools.
RUN_PKGS="softhsm2 opensc openssl sqlite3"
# Tests: the real clients that must open a store, a real SMTP server, the
# browser of tests/browser (driven by playwright-core from npm; Node.js 20
# and npm come with the machine), the relying service that checks client
# certificates against the CRL (nginx, test_status_web.sh).
TEST_PKGS="openjdk-17-jre-headless libnss3-tools gnutls-bin strace \
procps python3 python3-aiosmtpd chromium nginx curl"
# Proof under stress (make check): clang and its runtime for the fuzz
# targets (libFuzzer) and sanitizers, valgrind for make check-valgrind,
# testssl.sh for the TLS posture, systemd-analyze and mandoc for the
# installed unit and man pages.
PROOF_PKGS="clang libclang-rt-14-dev valgrind testssl.sh systemd mandoc"
# Bench and load tests: the load generator (nginx above is also
# bench/front.sh's reference server).
BENCH_PKGS="wrk"

missing=""
for p in $BUILD_PKGS $RUN_PKGS $TEST_PKGS $PROOF_PKGS $BENCH_PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: missing packages:$missing; install them as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
$SUDO apt-get update -q >/dev/null || {
	echo "deps: apt-get update failed; check the network or mirrors" >&2
	exit 1
}
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null || {
	echo "deps: apt-get install failed for:$missing" >&2
	exit 1
}
echo "deps: done"

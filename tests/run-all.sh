#!/bin/sh
# run-all.sh CHECK_DIR: provisions a fresh throwaway token with the
# project's own scripts, then runs the unit tests and every integration
# test against it.  Prints one summary line; exits non-zero on any failure.
set -eu

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
CHECK_DIR=$1
cd "$ROOT"

rm -rf "$CHECK_DIR"
mkdir -p "$CHECK_DIR"
CHECK_DIR=$(CDPATH='' cd -- "$CHECK_DIR" && pwd)
SETUP="$CHECK_DIR/setup"

echo "check: provisioning a test token in $SETUP"
if ! sh provisioning/provision-dev.sh "$SETUP" >"$CHECK_DIR/provision.log" 2>&1; then
	cat "$CHECK_DIR/provision.log" >&2
	echo "check: provisioning failed (log above)" >&2
	exit 1
fi
MYCERT_TEST_SETUP=$SETUP
export MYCERT_TEST_SETUP

suites=0
failed_suites=""

echo "check: unit tests"
suites=$((suites + 1))
if ! build/unit-tests; then
	failed_suites="$failed_suites unit-tests"
fi

for t in tests/integration/test_*.sh; do
	suites=$((suites + 1))
	echo "check: $t"
	if ! TMPDIR="$CHECK_DIR" sh "$t"; then
		failed_suites="$failed_suites $(basename "$t" .sh)"
	fi
done

failed=$(echo "$failed_suites" | wc -w)
echo "check: $((suites - failed)) passed, $failed failed"
if [ "$failed" -ne 0 ]; then
	echo "check: failing suites:$failed_suites" >&2
	exit 1
fi

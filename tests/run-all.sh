#!/bin/sh
# run-all.sh CHECK_DIR: provisions a fresh throwaway token with the
# project's own scripts, then runs the unit tests and every integration
# test against it.  Prints one summary line; exits non-zero on any failure.
#
# MYCERT_BUILD names the folder of the binaries under test (default
# build/; make check-sanitize points it at the sanitizer build).  When
# MYCERT_SANITIZER_LOGS names a folder, every sanitizer report written
# there (ASAN_OPTIONS/UBSAN_OPTIONS log_path) fails the run, whichever
# process wrote it: a daemon's report at exit does not reach any test.
#
# Tests that inject a fault or an attack record what they observed with
# outcome (tests/lib.sh); the run renders those rows as
# CHECK_DIR/RESILIENCE.md (tests/outcomes.sh).
set -eu

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
CHECK_DIR=$1
cd "$ROOT"

BIN=${MYCERT_BUILD:-$ROOT/build}
MYCERT_BUILD=$(CDPATH='' cd -- "$BIN" && pwd)
MYCERT_ADMIN=$MYCERT_BUILD/mycert-admin
export MYCERT_BUILD MYCERT_ADMIN

rm -rf "$CHECK_DIR"
mkdir -p "$CHECK_DIR"
CHECK_DIR=$(CDPATH='' cd -- "$CHECK_DIR" && pwd)
SETUP="$CHECK_DIR/setup"
MYCERT_OUTCOMES="$CHECK_DIR/outcomes.tsv"
: >"$MYCERT_OUTCOMES"
export MYCERT_OUTCOMES

echo "check: binaries of $MYCERT_BUILD"
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
# MYCERT_UNIT_WRAPPER (optional): a command the unit tests run under
# (make check-valgrind: valgrind's memcheck).
# shellcheck disable=SC2086 # the wrapper is a command line
if ! ${MYCERT_UNIT_WRAPPER:-} "$MYCERT_BUILD/unit-tests"; then
	failed_suites="$failed_suites unit-tests"
fi

# MYCERT_SUITES (optional): a space-separated subset of the integration
# suites, by name (test_web_flow ...), to run while working on them;
# "none" runs the unit tests only.
for t in tests/integration/test_*.sh; do
	name=$(basename "$t" .sh)
	if [ -n "${MYCERT_SUITES:-}" ]; then
		case " $MYCERT_SUITES " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	suites=$((suites + 1))
	echo "check: $t"
	if ! TMPDIR="$CHECK_DIR" sh "$t"; then
		failed_suites="$failed_suites $name"
	fi
done

if [ -n "${MYCERT_SANITIZER_LOGS:-}" ]; then
	suites=$((suites + 1))
	reports=$(find "$MYCERT_SANITIZER_LOGS" -type f 2>/dev/null | sort)
	if [ -n "$reports" ]; then
		for r in $reports; do
			echo "check: sanitizer report $r:" >&2
			cat "$r" >&2
		done
		failed_suites="$failed_suites sanitizer-reports"
	else
		echo "check: no sanitizer report in $MYCERT_SANITIZER_LOGS"
	fi
fi

sh tests/outcomes.sh "$MYCERT_OUTCOMES" >"$CHECK_DIR/RESILIENCE.md"

failed=$(echo "$failed_suites" | wc -w)
echo "check: $((suites - failed)) passed, $failed failed"
if [ -n "${MYCERT_SANITIZER_LOGS:-}" ]; then
	nreports=$(find "$MYCERT_SANITIZER_LOGS" -type f 2>/dev/null | wc -l)
	state=held
	[ "$failed" -eq 0 ] || state="FAILED:$failed_suites"
	printf 'sanitizer\trun-all\t%s\t%s\t%s\n' \
		"every unit and integration suite on the ASan+UBSan build, leak detection on" \
		"$((suites - failed - 1)) of $((suites - 1)) suites passed; $nreports sanitizer reports" \
		"$state" >"$CHECK_DIR/sanitizer.tsv"
fi
if [ "$failed" -ne 0 ]; then
	echo "check: failing suites:$failed_suites" >&2
	exit 1
fi

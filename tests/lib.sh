#!/bin/sh
# lib.sh: helpers for mycert's integration tests (POSIX sh, sourced).
# shellcheck disable=SC2034 # ADMIN, PROBE: used by the sourcing scripts
#
# Each test script sources this file, calls check/ok/not_ok for each
# assertion under a stable name, and ends with finish, which prints
# "N passed, N failed" and exits non-zero on any failure.

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/../.." && pwd)
# MYCERT_BUILD: the folder of the binaries under test (build/, or the
# sanitizer build of make check).
BIN=${MYCERT_BUILD:-$ROOT/build}
ADMIN="$BIN/mycert-admin"
PROBE="$BIN/p11-probe"
PASSED=0
FAILED=0
TEST_NAME=$(basename "$0" .sh)

log() {
	printf '%s: %s\n' "$TEST_NAME" "$*" >&2
}

fatal() {
	printf '%s: FATAL: %s\n' "$TEST_NAME" "$*" >&2
	exit 2
}

ok() {
	PASSED=$((PASSED + 1))
	printf 'ok   %s: %s\n' "$TEST_NAME" "$1"
}

not_ok() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s: %s\n' "$TEST_NAME" "$1"
	[ -z "${2:-}" ] || printf '     %s\n' "$2"
}

# check NAME COMMAND...: passes when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name" "command failed: $*"
	fi
}

finish() {
	printf '%s: %d passed, %d failed\n' "$TEST_NAME" "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ]
}

# The provisioned setup the run made (tests/run-all.sh).
setup_dir() {
	[ -n "${MYCERT_TEST_SETUP:-}" ] ||
		fatal "MYCERT_TEST_SETUP is not set; run through make check"
	printf '%s\n' "$MYCERT_TEST_SETUP"
}

# copy_setup DST: a private copy of the provisioned setup (token included)
# with every path rewritten, for tests that break or change it.
copy_setup() {
	src=$(setup_dir)
	mkdir -p "$(dirname "$1")"
	cp -a "$src" "$1" || fatal "cannot copy $src to $1"
	for f in "$1/mycertd.conf" "$1/softhsm2.conf"; do
		if ! sed "s|$src|$1|g" "$f" >"$f.new" || ! mv "$f.new" "$f"; then
			fatal "cannot rewrite $f"
		fi
	done
	chmod 600 "$1/mycertd.conf"
}

# conf_value CONF KEY: the value of KEY in a mycertd.conf.
conf_value() {
	sed -n "s/^[[:space:]]*$2[[:space:]]*=[[:space:]]*//p" "$1" | tail -n 1
}

# set_conf CONF KEY VALUE: sets (or adds) KEY in CONF.
set_conf() {
	grep -v "^[[:space:]]*$2[[:space:]]*=" "$1" >"$1.new" || true
	printf '%s = %s\n' "$2" "$3" >>"$1.new"
	mv "$1.new" "$1"
}

# db_fingerprint DB: a digest of every row of the database (or "none").
db_fingerprint() {
	if [ ! -f "$1" ]; then
		echo none
		return
	fi
	# The audit log records refusals too (issue 5): a refusal leaves the
	# state unchanged but adds its own audit entry, so those rows are
	# left out here; tests of the audit log check them directly.
	sqlite3 "$1" .dump | grep -v '^INSERT INTO "\{0,1\}audit_' |
		sha256sum | cut -d' ' -f1
}

# fails COMMAND...: succeeds when COMMAND fails (for check).
fails() {
	! "$@"
}

# outcome AREA WHAT OBSERVED: records one fault or attack that a test
# tried (WHAT) and what the product did (OBSERVED, as measured by the
# test) for the generated table docs/RESILIENCE.md (tests/outcomes.sh).
# Call it right after the checks that prove OBSERVED: the row says
# "held" only when none of the checks since the previous outcome failed.
# AREA groups rows: fault, attack, load, posture, fuzz, sanitizer,
# service.
OUTCOME_MARK=0
outcome() {
	_oc_state=held
	if [ "$FAILED" -gt "$OUTCOME_MARK" ]; then
		_oc_state="FAILED ($((FAILED - OUTCOME_MARK)) checks)"
	fi
	OUTCOME_MARK=$FAILED
	[ -n "${MYCERT_OUTCOMES:-}" ] || return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$TEST_NAME" "$2" "$3" \
		"$_oc_state" | tr -d '\r' >>"$MYCERT_OUTCOMES"
}

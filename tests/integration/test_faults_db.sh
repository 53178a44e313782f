#!/bin/sh
# test_faults_db.sh: the database cannot be written while the daemon
# serves: locked by another process, read-only, out of space.
#
# The copy's database lives on a small ext4 filesystem that the test
# makes and loop-mounts (as root; without mount the read-only and full
# faults are skipped, said in the output).  Locked: a sqlite3 process
# holds BEGIN EXCLUSIVE longer than the daemon's busy timeout.  Read-only:
# the database file and its WAL are made immutable (chattr +i), which
# makes the kernel refuse writes through the daemon's open files, as a
# filesystem gone read-only does (a tmpfs cannot be remounted read-only
# while files are open for writing).  Full: the WAL is truncated and
# filler files take every free block.  During each fault, requests that
# write (sign in, the code that starts a generation, deactivation) must
# get the front's 503 page ("Nothing was changed") within the request
# timeout, pages that only read must still work (home, OCSP; under the
# read-only fault also from request threads that open their connection
# then), and nothing may change; once the fault goes, the same requests
# succeed without a restart: the code starts a generation that makes a
# store, the deactivation revokes, parallel sign-ins all succeed.  After
# each: integrity check, the audit log verifies, nothing half-issued.
# Prints "N passed, N failed".

# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"
# shellcheck source=tests/faults.sh
. "$(dirname "$0")/../faults.sh"

[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"
[ -x "$AUDIT" ] || fatal "$AUDIT is missing; run: make"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/faults-db.XXXXXX")
S="$WORK/setup"
MNT="$WORK/mnt"
MOUNTED=""
LOCK_PID=""

cleanup() {
	: >"$WORK/unlock"
	if [ -n "$LOCK_PID" ]; then
		kill "$LOCK_PID" 2>/dev/null || true
		wait "$LOCK_PID" 2>/dev/null || true
	fi
	stop_daemon
	if [ -n "$MOUNTED" ]; then
		chattr -i "$MNT"/* 2>/dev/null || true
		umount "$MNT" || log "cannot unmount $MNT"
	fi
	if [ "$FAILED" -ne 0 ] && [ -f "$S/mycertd.log" ]; then
		log "last lines of the daemon's log:"
		grep -v 'request' "$S/mycertd.log" | tail -n 25 >&2
	fi
	if [ -n "${MYCERT_KEEP_WORK:-}" ]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

prepare_daemon "$S"
DB=$(conf_value "$CONF" database)
OUTBOX=$(conf_value "$CONF" mail_outbox)
CRL_URL=$(conf_value "$CONF" crl_url)

# A small filesystem of our own for the database (no reserved blocks:
# the daemon runs as root and would use them).
mkdir -p "$MNT"
if [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null &&
	truncate -s 16M "$WORK/fs.img" &&
	mkfs.ext4 -q -F -m 0 "$WORK/fs.img" >/dev/null 2>&1 &&
	mount -o loop "$WORK/fs.img" "$MNT" 2>/dev/null; then
	MOUNTED=yes
	cp -p "$DB" "$MNT/mycert.db" || fatal "cannot copy $DB to $MNT"
	rm -f "$DB" "$DB-wal" "$DB-shm"
	DB="$MNT/mycert.db"
	set_conf "$CONF" database "$DB"
else
	log "cannot make and mount a small filesystem (needs root, mkfs.ext4" \
		"and loop devices): the read-only and full faults are skipped"
fi
set_conf "$CONF" store_key_type p256
set_conf "$CONF" checkpoint_entries 1
# Many request threads, each with its own connection opened at its first
# request: under the read-only fault, parallel requests make several
# open theirs then (SQLite opens it read-only, and such a connection
# stays read-only), which they must not keep.  Parallel sign-ins need a
# rate limit above the test's.
set_conf "$CONF" web_threads 16
set_conf "$CONF" assertions_per_minute 1000
run_daemon

JA="$WORK/a.jar"
check "a first holder gets a store before any fault" \
	issue_store "$JA" 8400000001 a
SA=$SERIAL

# timed_web JAR METHOD PATH ARGS...: web, with its duration in seconds
# in WEB_SECONDS.
timed_web() {
	_tw_t0=$(now_s)
	web "$@"
	WEB_SECONDS=$(since_s "$_tw_t0")
}

# under_fault NAME HOLDER_JAR HOLDER_SERIAL WAITING_JAR NEW_ID: the
# requests of the test during a fault.  WAITING_JAR is at the code page
# with $WAIT_CODE; HOLDER_JAR holds a store; NEW_ID has never signed in.
# Sets SUMMARY for the outcome row.
under_fault() {
	_uf_before=$(db_fingerprint "$DB")
	timed_web "$4" POST /code -d "csrf=$WAIT_CSRF" -d "code=$WAIT_CODE"
	T_CODE=$WEB_SECONDS
	check "$1: the code that starts a generation gets the 503 page" page_503
	S_CODE=$WEB_STATUS
	_uf_as=$(assertion doctor --sub "$5")
	timed_web "" POST /sso --data-urlencode "assertion=$_uf_as"
	T_SSO=$WEB_SECONDS
	S_SSO=$WEB_STATUS
	check "$1: signing in gets the 503 page" page_503
	web "$2" GET /
	S_HOME=$WEB_STATUS
	check "$1: home (a read) still answers 200" [ "$S_HOME" = 200 ]
	web "$2" GET /deactivate
	_uf_csrf=$(web_csrf)
	timed_web "$2" POST /deactivate -d "csrf=$_uf_csrf" \
		-d confirm=yes -d reason=5
	T_DEACT=$WEB_SECONDS
	check "$1: deactivation gets the 503 page" page_503
	S_DEACT=$WEB_STATUS
	web "" GET /healthz
	S_HEALTH=$WEB_STATUS
	check "$1: OCSP still says good for the holder's store" \
		ocsp_says "$WORK/$3.pem" good
	check "$1: every answer came within the 30 s request timeout" \
		awk -v a="$T_CODE" -v b="$T_SSO" -v c="$T_DEACT" \
		'BEGIN { exit !(a < 30 && b < 30 && c < 30) }'
	check "$1: the daemon is still running" kill -0 "$DAEMON_PID"
	SUMMARY="code $S_CODE in ${T_CODE}s, sign-in $S_SSO in ${T_SSO}s, deactivation $S_DEACT in ${T_DEACT}s; home $S_HOME, healthz $S_HEALTH, OCSP good"
	_uf_after=$(db_fingerprint "$DB")
	check "$1: nothing changed in the database" \
		[ "$_uf_before" = "$_uf_after" ]
}

# after_recovery NAME WAITING_JAR HOLDER_JAR HOLDER_SERIAL NEW_ID STORE:
# once the fault is gone: the waiting code starts a generation that makes
# STORE, a new person signs in, the holder deactivates.
after_recovery() {
	_ar_t0=$(now_s)
	web "$2" POST /code -d "csrf=$WAIT_CSRF" -d "code=$WAIT_CODE"
	RECOVER=$(since_s "$_ar_t0")
	check "$1 gone: the same code now starts the generation" \
		redirect_to /progress
	web_wait_generation "$2" 60
	check "$1 gone: which makes a store that downloads and opens" \
		sh -c '[ "$1" = 303 ]' _ "$WEB_STATUS"
	fetch_store "$2" "$6" || not_ok "$1 gone: the store cannot be fetched"
	check "$1 gone: a new person signs in" \
		web_login "$WORK/new-$5.jar" doctor --sub "$5"
	web "$3" GET /deactivate
	CSRF=$(web_csrf)
	web "$3" POST /deactivate -d "csrf=$CSRF" -d confirm=yes -d reason=5
	check "$1 gone: the holder deactivates" \
		redirect_to "/?notice=deactivated"
	check "$1 gone: the revocation is recorded" \
		[ "$(db_sql "SELECT status FROM certificates
			WHERE serial = '$4'")" = revoked ]
	check "$1 gone: and the CRL lists it within 15 s" \
		wait_for 15 crl_lists "$4"
	after_fault "$1"
}

# parallel N JAR METHOD PATH [CURL_ARGS...]: N requests at once (the
# browser JAR only read); prints their statuses, sorted and counted.
parallel() {
	_pa_n=$1
	_pa_jar=$2
	shift 2
	_pa_i=0
	while [ "$_pa_i" -lt "$_pa_n" ]; do
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
			--cacert "$S/tls.pem" ${_pa_jar:+-b "$_pa_jar"} \
			-H "Origin: $BASE" -X "$@" >"$WORK/par.$_pa_i" 2>/dev/null &
		_pa_i=$((_pa_i + 1))
	done
	wait
	cat "$WORK"/par.* | sort | uniq -c | awk '{ printf "%s%sx%s", s, $1, $2; s = " " }'
	rm -f "$WORK"/par.*
}

# parallel_sign_ins N FIRST_ID: N new people sign in at once.
parallel_sign_ins() {
	_ps_i=0
	while [ "$_ps_i" -lt "$1" ]; do
		_ps_as=$(assertion doctor --sub "$(($2 + _ps_i))")
		curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
			--cacert "$S/tls.pem" -H "Origin: $BASE" \
			--data-urlencode "assertion=$_ps_as" \
			"$BASE/sso" >"$WORK/par.$_ps_i" 2>/dev/null &
		_ps_i=$((_ps_i + 1))
	done
	wait
	cat "$WORK"/par.* | sort | uniq -c | awk '{ printf "%s%sx%s", s, $1, $2; s = " " }'
	rm -f "$WORK"/par.*
}

# wait_at_code JAR ID: a person at the code page, for the next fault.
wait_at_code() {
	to_code "$1" "$2" || fatal "person $2 cannot reach the code page"
	WAIT_CODE=$CODE
	WAIT_CSRF=$CSRF
}

# --- locked by another process ----------------------------------------------
JB="$WORK/b.jar"
wait_at_code "$JB" 8400000002
# BEGIN EXCLUSIVE (waiting its turn behind the daemon's own writes),
# held until the test says so, at most 90 s; the file locked says the
# lock is taken.
{
	echo '.timeout 10000'
	echo 'BEGIN EXCLUSIVE;'
	echo ".shell touch '$WORK/locked'"
	_n=0
	while [ ! -e "$WORK/unlock" ] && [ "$_n" -lt 450 ]; do
		sleep 0.2
		_n=$((_n + 1))
	done
	echo 'ROLLBACK;'
} | sqlite3 -bail "$DB" &
LOCK_PID=$!
wait_for 15 test -e "$WORK/locked" ||
	fatal "the sqlite3 process did not take the lock"
write_refused() {
	! sqlite3 "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' 2>/dev/null
}
check "another process holds the lock: writes are refused" write_refused
under_fault "locked" "$JA" a "$JB" 8400000012
: >"$WORK/unlock"
wait "$LOCK_PID"
LOCK_PID=""
rm -f "$WORK/unlock"
after_recovery "locked" "$JB" "$JA" "$SA" 8400000022 b
SB=$SERIAL
outcome fault "database locked by another process (BEGIN EXCLUSIVE held past the 5 s busy timeout)" \
	"$SUMMARY; released: the waiting code started a generation after ${RECOVER}s, store issued, deactivation recorded and in the CRL; integrity ok, audit verifies, $(half_issued) half-issued"

if [ -z "$MOUNTED" ]; then
	log "skipped: the read-only and full faults (no filesystem of our own)"
	finish
	exit
fi

# --- read-only ------------------------------------------------------------
JC="$WORK/c.jar"
wait_at_code "$JC" 8400000003
# Not the -shm file: SQLite maps it, and a write to a mapped page of an
# immutable file is a SIGBUS in any SQLite process (python3's too).
chattr +i "$DB" "$DB-wal" || fatal "chattr +i failed on $DB"
under_fault "read-only" "$JB" b "$JC" 8400000013
PAR_READS=$(parallel 24 "$JB" GET "$BASE/")
check "read-only: 24 home pages at once all answer 200 ($PAR_READS)" \
	[ "$PAR_READS" = "24x200" ]
chattr -i "$DB" "$DB-wal"
PAR_SSO=$(parallel_sign_ins 24 8400000100)
check "writable again: 24 sign-ins at once all succeed ($PAR_SSO)" \
	[ "$PAR_SSO" = "24x303" ]
after_recovery "read-only" "$JC" "$JB" "$SB" 8400000023 c
SC=$SERIAL
outcome fault "database files made read-only under the daemon (chattr +i on ext4: writes refused through open files)" \
	"$SUMMARY; 24 parallel home pages: $PAR_READS; writable again: 24 parallel sign-ins $PAR_SSO, the waiting code started a generation after ${RECOVER}s, store issued, deactivation recorded and in the CRL; integrity ok, audit verifies, $(half_issued) half-issued"

# --- out of disk space ------------------------------------------------------
JD="$WORK/d.jar"
wait_at_code "$JD" 8400000004
sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1
# Large blocks first, then single blocks for what is left: no WAL frame
# may fit anywhere.
dd if=/dev/zero of="$MNT/filler" bs=64k >/dev/null 2>&1
sync
dd if=/dev/zero of="$MNT/filler2" bs=1k >/dev/null 2>&1
sync
FREE=$(df -k --output=avail "$MNT" | tail -n 1 | tr -d ' ')
check "the filesystem is full (${FREE} KiB free)" [ "$FREE" -eq 0 ]
under_fault "full" "$JC" c "$JD" 8400000014
rm -f "$MNT/filler" "$MNT/filler2"
sync
after_recovery "full" "$JD" "$JC" "$SC" 8400000024 d
outcome fault "database filesystem out of space (WAL truncated, filler file)" \
	"$SUMMARY; space freed: the waiting code started a generation after ${RECOVER}s, store issued, deactivation recorded and in the CRL; integrity ok, audit verifies, $(half_issued) half-issued"

finish

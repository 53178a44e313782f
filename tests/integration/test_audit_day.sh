#!/bin/sh
# test_audit_day.sh: a scripted day of activity on the real daemon (two
# issuances through the web, failures, a deactivation, an officer's
# issuance and revocation, a restart, a SIGKILL), then the exported audit
# log verifies offline, an independent Python implementation finds the
# same roots, every kind of event is there and no secret is.
# shellcheck disable=SC2016 # sh -c scripts expand their own variables
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

AUDIT="$BIN/mycert-audit"
[ -x "$AUDIT" ] || fatal "$AUDIT is missing; run: make"
umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/audit-day.XXXXXX")
S="$WORK/setup"
trap 'stop_daemon; rm -rf "$WORK"' EXIT
trap 'exit 2' INT TERM HUP

start_daemon "$S"
DB=$(conf_value "$CONF" database)
OUTBOX=$(conf_value "$CONF" mail_outbox)
SECRETS="$WORK/secrets"
: >"$SECRETS"

# flow JAR ID: one person through the web flow to the downloaded store;
# every secret seen goes to $SECRETS.
flow() {
	web_login "$1" doctor --sub "$2" || return 1
	web_cookie "$1" >>"$SECRETS"
	web "$1" POST /terms -d "csrf=$CSRF" -d accept=on
	outbox_list "$OUTBOX" >"$WORK/before"
	web "$1" POST /data -d "csrf=$CSRF" \
		--data-urlencode "email=p$2@example.org" -d action=validate
	_code=$(new_outbox_code "$OUTBOX" "$WORK/before") || return 1
	echo "$_code" >>"$SECRETS"
	web "$1" POST /code -d "csrf=$CSRF" -d "code=000000"
	web "$1" POST /code -d "csrf=$CSRF" -d "code=$_code"
	web_wait_generation "$1" 60 || return 1
	web "$1" GET /done
	web_password >>"$SECRETS"
	web "$1" GET /download
	[ "$WEB_STATUS" = 200 ]
}

check "a first person gets a store through the web" \
	flow "$WORK/a.jar" 8200000001
check "a second person gets a store through the web" \
	flow "$WORK/b.jar" 8200000002
web_login "$WORK/c.jar" not-strong || true
web "$WORK/a.jar" GET /deactivate
CSRF=$(web_csrf)
web "$WORK/a.jar" POST /deactivate -d "csrf=$CSRF" -d confirm=yes -d reason=5
check "the first person deactivates the store" \
	redirect_to "/?notice=deactivated"
OFFICER_PW=$("$ADMIN" -c "$CONF" issue --ehealth-id 8200000003 \
	--given Paul --family Officer --profession-code PS-001 \
	--profession-label M --email o@example.org \
	--out "$WORK/o.p12" 2>/dev/null)
echo "$OFFICER_PW" >>"$SECRETS"
SERIAL=$(sqlite3 "$DB" "SELECT serial FROM certificates WHERE
	ehealth_id = '8200000003'")
check "an officer revokes the officer's store" \
	"$ADMIN" -c "$CONF" revoke "$SERIAL" --reason keyCompromise
stop_daemon
run_daemon
check "a restarted daemon serves a third person" \
	flow "$WORK/d.jar" 8200000004
# The middle of a flow, then SIGKILL: nothing committed may be lost.
web_login "$WORK/e.jar" doctor --sub 8200000005 >/dev/null || true
web "$WORK/e.jar" POST /terms -d "csrf=$CSRF" -d accept=on
BEFORE_KILL=$(sqlite3 "$DB" "SELECT count(*) FROM audit_log")
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
check "no committed audit entry is lost to SIGKILL" \
	test "$(sqlite3 "$DB" "SELECT count(*) FROM audit_log")" -eq \
	"$BEFORE_KILL"
run_daemon
stop_daemon

check "mycert-audit exports the log" \
	"$AUDIT" -c "$CONF" export "$WORK/export.txt"
check "the export verifies with the audit certificate" \
	"$AUDIT" verify "$WORK/export.txt" --cert "$S/audit.pem" \
	--ca "$S/ca.pem"
check "the Python reference finds the same roots" \
	/usr/bin/python3 "$ROOT/tests/audit_reference.py" "$WORK/export.txt"
for event in access_granted access_refused terms_accepted code_sent \
	code_failed store_issued store_downloaded store_deactivated \
	store_revoked crl_published daemon_started daemon_stopped; do
	check "the log holds $event" \
		grep -q "	$event	" "$WORK/export.txt"
done
check "the last checkpoint covers the whole log (signed at shutdown)" \
	sh -c 'last=$(grep "^checkpoint	" "$1" | tail -n 1 | cut -f2)
		n=$(grep -c "^entry	" "$1"); test "$last" = "$n"' \
	- "$WORK/export.txt"
leaked=0
while read -r secret; do
	[ -n "$secret" ] || continue
	if grep -qF -- "$secret" "$WORK/export.txt" ||
		sqlite3 "$DB" "SELECT * FROM audit_log" | grep -qF -- "$secret"; then
		leaked=1
	fi
done <"$SECRETS"
check "no password, code or session id appears in the log" \
	test "$leaked" -eq 0
check "no PIN appears in the log" \
	sh -c '! grep -qF "$(cat "$1")" "$2"' - "$S/user.pin" "$WORK/export.txt"
sed '3s/	ok	/	refused:x	/' "$WORK/export.txt" >"$WORK/edited.txt"
check "an edited entry fails verification" \
	fails "$AUDIT" verify "$WORK/edited.txt" --cert "$S/audit.pem"
finish

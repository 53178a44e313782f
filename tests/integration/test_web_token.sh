#!/bin/sh
# test_web_token.sh: the token goes away during generation.
#
# SoftHSM2 invalidates every handle when its token folder disappears, and
# mycert reconnects on the next signature.  The doctor gets to the code
# page; the copy's token folder is renamed away; the right code starts a
# generation that cannot be signed.  The person must end on a clean
# failure page that offers to try again (no trace, no path), with nothing
# half-issued: no certificate row, no pending download.  A retry while the
# token is still away fails the same clean way.  Once the folder is back,
# a retry issues the store, which downloads and opens.  Runs the real
# mycertd on a copy of the provisioned setup.  Prints "N passed, N failed".

# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/web-token.XXXXXX")
S="$WORK/setup"

cleanup() {
	stop_daemon
	if [ "$FAILED" -ne 0 ] && [ -f "$S/mycertd.log" ]; then
		log "last lines of the daemon's log:"
		grep -v '^DEBUG' "$S/mycertd.log" | tail -n 25 >&2
	fi
	if [ -n "${MYCERT_KEEP_WORK:-}" ]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

start_daemon "$S"
DB=$(conf_value "$CONF" database)
OUTBOX=$(conf_value "$CONF" mail_outbox)
TOKENS=$(sed -n 's/^[[:space:]]*directories\.tokendir[[:space:]]*=[[:space:]]*//p' \
	"$S/softhsm2.conf")
[ -d "$TOKENS" ] || fatal "no token folder in $S/softhsm2.conf"
ID=8100000001
J="$WORK/browser.jar"

# rows TABLE: the rows of TABLE that belong to the holder.
rows() {
	sqlite3 "$DB" "SELECT count(*) FROM $1 WHERE $2"
}
nothing_issued() {
	[ "$(rows certificates "ehealth_id = '$ID'")" -eq 0 ] &&
		[ "$(rows pending_downloads "enrollment_id IN (SELECT id FROM
			enrollments WHERE ehealth_id = '$ID')")" -eq 0 ]
}
enrollment_state() {
	sqlite3 "$DB" "SELECT state FROM enrollments WHERE ehealth_id = '$ID'
		ORDER BY id DESC LIMIT 1"
}
# clean_failure_page: the failure page, with a retry form and nothing of
# the machine's insides.
clean_failure_page() {
	{ [ "$WEB_STATUS" = 200 ] || [ "$WEB_STATUS" = 503 ]; } &&
		web_has "Creation failed" && web_has 'action="/retry"' &&
		web_has "Try again" && web_has "Nothing was issued" &&
		! grep -qiE 'softhsm|pkcs|\.so\b|\.c:[0-9]|/tmp/|/usr/|stack|traceback|sqlite|CKR_' \
			"$WEB_BODY"
}

web_login "$J" doctor --sub "$ID" || fatal "sign-in failed"
web "$J" POST /terms -d "csrf=$CSRF" -d accept=on
outbox_list "$OUTBOX" >"$WORK/before"
web "$J" POST /data -d "csrf=$CSRF" --data-urlencode \
	"email=token.test@example.org" -d action=validate
CODE=$(new_outbox_code "$OUTBOX" "$WORK/before")
[ -n "$CODE" ] || fatal "no code arrived in $OUTBOX"

web "" GET /healthz
check "healthz says the token answers" [ "$WEB_STATUS" = 200 ]

# --- the token goes away ---------------------------------------------------
mv "$TOKENS" "$TOKENS.away" || fatal "cannot move $TOKENS away"
web "" GET /healthz
check "healthz says 503 while the token is away" [ "$WEB_STATUS" = 503 ]

web "$J" POST /code -d "csrf=$CSRF" -d "code=$CODE"
check "the right code starts generation" redirect_to /progress
check "generation ends (does not hang) while the token is away" \
	web_wait_generation "$J" 60
check "the person sees a clean failure page with a retry form" \
	clean_failure_page
check "nothing is half-issued: no certificate, no pending download" \
	nothing_issued
check "the enrollment is failed, not stuck" \
	[ "$(enrollment_state)" = failed ]
check "the log names the token as the cause" \
	grep -q 'event=generation-failed .*error=token' "$DAEMON_LOG"
web "$J" GET /
check "home offers to try again too" \
	sh -c '[ "$1" = 200 ] && grep -qF "action=\"/retry\"" "$2"' _ \
	"$WEB_STATUS" "$WEB_BODY"

web "$J" POST /retry -d "csrf=$CSRF"
check "a retry while the token is still away is accepted" \
	redirect_to /progress
web_wait_generation "$J" 60
check "and fails the same clean way" clean_failure_page
check "still nothing half-issued" nothing_issued

# --- the token comes back --------------------------------------------------
mv "$TOKENS.away" "$TOKENS" || fatal "cannot move $TOKENS back"
web "" GET /healthz
check "healthz says the token answers again" [ "$WEB_STATUS" = 200 ]

web "$J" POST /retry -d "csrf=$CSRF"
check "retry once the token is back starts generation" redirect_to /progress
web_wait_generation "$J" 60
check "the retried generation ends on the success page" redirect_to /done
web "$J" GET /done
PW=$(web_password)
export PW
check "the success page shows the password" \
	sh -c 'printf "%s" "$PW" | grep -Eqx "[2-9A-Za-z]{20}"'
web "$J" GET /download
cp "$WEB_BODY" "$WORK/store.p12"
check "the store downloads" \
	sh -c '[ "$1" = 200 ] && [ "$2" = application/x-pkcs12 ]' _ \
	"$WEB_STATUS" "$(web_header Content-Type)"
check "it opens with the password and its certificate verifies" \
	sh -c 'openssl pkcs12 -in "$1" -passin env:PW -clcerts -nokeys \
		2>/dev/null | openssl x509 -out "$1.crt" 2>/dev/null &&
		openssl verify -CAfile "$2" "$1.crt" >/dev/null 2>&1' _ \
	"$WORK/store.p12" "$S/ca.pem"
check "exactly one certificate, active, and the enrollment issued" \
	sh -c '[ "$1" -eq 1 ] && [ "$2" = issued ]' _ \
	"$(rows certificates "ehealth_id = '$ID' AND status = 'active'")" \
	"$(enrollment_state)"
check "one enrollment only: the retries reused it" \
	[ "$(rows enrollments "ehealth_id = '$ID'")" -eq 1 ]

stop_daemon
check "the daemon stopped cleanly" grep -q 'event=stopped clean=yes' \
	"$DAEMON_LOG"
check "the password is not in the log or the database" \
	sh -c '! grep -aqF -- "$PW" "$1" "$2" "$2-wal" 2>/dev/null' _ \
	"$DAEMON_LOG" "$DB"

finish

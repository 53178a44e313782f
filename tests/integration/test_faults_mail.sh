#!/bin/sh
# test_faults_mail.sh: the SMTP server goes down while the daemon serves.
#
# The daemon mails codes to a real local SMTP server (Debian's
# python3-aiosmtpd, STARTTLS and AUTH required, as in test_web_flow.sh).
# One holder gets a first code; then the server is stopped.  A re-send
# and another holder's first code must get a clear page saying that the
# message could not be sent and to try again later (503), without being
# counted against the holder's limits (code_sends, the hourly count) and
# without spoiling what the holder already has: the first code still
# starts a generation.  The server comes back on the same port: the other
# holder's code then arrives and makes a store, without a restart.  Then
# integrity check, the audit log verifies, nothing half-issued.  Prints
# "N passed, N failed".

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
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	fatal "python3-aiosmtpd is missing; run: make deps"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/faults-mail.XXXXXX")
S="$WORK/setup"
SMTP_PID=""

stop_smtp() {
	if [ -n "$SMTP_PID" ]; then
		kill "$SMTP_PID" 2>/dev/null || true
		wait "$SMTP_PID" 2>/dev/null || true
	fi
	SMTP_PID=""
}

cleanup() {
	stop_daemon
	stop_smtp
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
CRL_URL=$(conf_value "$CONF" crl_url)

# --- the SMTP server: STARTTLS required, then AUTH, on a given port ----------
# (tests/tools/smtp_server.py)
SMTP_USER=mycert-faults
openssl rand -hex 16 >"$WORK/smtp.password"
mkdir "$WORK/inbox"

# start_smtp PORT: starts the server (PORT 0: the system picks one) and
# sets SMTP_PORT.
start_smtp() {
	rm -f "$WORK/smtp.port"
	/usr/bin/python3 -u "$ROOT/tests/tools/smtp_server.py" \
		"$S/tls.pem" "$S/tls-key.pem" \
		"$WORK/inbox" "$WORK/smtp.port" "$SMTP_USER" \
		"$WORK/smtp.password" "$1" >>"$WORK/smtpd.log" 2>&1 &
	SMTP_PID=$!
	wait_for 10 test -s "$WORK/smtp.port" ||
		fatal "the SMTP server did not start: $(cat "$WORK/smtpd.log")"
	SMTP_PORT=$(cat "$WORK/smtp.port")
}

start_smtp 0
grep -v '^[[:space:]]*mail_' "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
set_conf "$CONF" mail_smtp_url "smtp://127.0.0.1:$SMTP_PORT"
set_conf "$CONF" mail_smtp_user "$SMTP_USER"
set_conf "$CONF" mail_smtp_password_file "$WORK/smtp.password"
set_conf "$CONF" mail_smtp_ca_file "$S/tls.pem"
set_conf "$CONF" store_key_type p256
set_conf "$CONF" checkpoint_entries 1
run_daemon

received() {
	find "$WORK/inbox" -name 'msg-*.eml' | wc -l | tr -d ' '
}
latest_mail_code() {
	mail_code "$(find "$WORK/inbox" -name 'msg-*.eml' | sort -V | tail -n 1)"
}
enrollment() {
	db_sql "SELECT state || ' ' || code_sends || ' ' || hex(coalesce(code_hash, ''))
		FROM enrollments WHERE ehealth_id = '$1' ORDER BY id DESC LIMIT 1"
}
codes_audited() {
	db_sql "SELECT count(*) FROM audit_log WHERE event = 'code_sent'
		AND actor = 'ehealth:$1'"
}
# mail_page FORM: the last answer is the page of FORM shown again with
# "the message could not be sent, try again later", status 503.
mail_page() {
	[ "$WEB_STATUS" = 503 ] &&
		web_has "The message could not be sent. Try again in a few minutes." &&
		web_has "action=\"$1\"" &&
		! grep -qiE 'smtp|curl|127\.0\.0\.1|/tmp/|errno' "$WEB_BODY"
}

JP="$WORK/p.jar"
JQ="$WORK/q.jar"
P=8500000001
Q=8500000002
web_login "$JP" doctor --sub "$P" || fatal "P cannot sign in"
CSRF_P=$CSRF
web "$JP" POST /terms -d "csrf=$CSRF_P" -d accept=on
web "$JP" POST /data -d "csrf=$CSRF_P" \
	--data-urlencode "email=p$P@example.org" -d action=validate
check "with the server up, the first code is mailed" \
	sh -c '[ "$1" = 303 ] && [ "$2" = 1 ]' _ "$WEB_STATUS" "$(received)"
CODE_P=$(latest_mail_code)
web_login "$JQ" doctor --sub "$Q" || fatal "Q cannot sign in"
CSRF_Q=$CSRF
web "$JQ" POST /terms -d "csrf=$CSRF_Q" -d accept=on

# --- the SMTP server goes down ------------------------------------------------
stop_smtp
P_BEFORE=$(enrollment "$P")
P_AUDIT=$(codes_audited "$P")
T0=$(now_s)
web "$JP" POST /code/resend -d "csrf=$CSRF_P"
T_RESEND=$(since_s "$T0")
S_RESEND=$WEB_STATUS
check "server down: a re-send gets the code page with 'could not be sent' (503)" \
	mail_page /code
check "the failed re-send is not counted, the first code is kept" \
	sh -c '[ "$1" = "$2" ] && [ "$3" = "$4" ]' _ "$P_BEFORE" \
	"$(enrollment "$P")" "$P_AUDIT" "$(codes_audited "$P")"
T0=$(now_s)
web "$JQ" POST /data -d "csrf=$CSRF_Q" \
	--data-urlencode "email=q$Q@example.org" -d action=validate
T_FIRST=$(since_s "$T0")
S_FIRST=$WEB_STATUS
check "server down: a first code gets the data page with 'could not be sent' (503)" \
	mail_page /data
check "which keeps the address typed" web_has "value=\"q$Q@example.org\""
check "nothing is counted for that holder" \
	sh -c '[ "$1" = "terms_accepted 0 " ] && [ "$2" = 0 ]' _ \
	"$(enrollment "$Q")" "$(codes_audited "$Q")"
check "both answers came within 15 s" \
	awk -v a="$T_RESEND" -v b="$T_FIRST" 'BEGIN { exit !(a < 15 && b < 15) }'
check "the log says why, without the SMTP password" \
	sh -c 'grep -q "error=mail" "$1" && ! grep -qF -- "$(cat "$2")" "$1"' \
	_ "$DAEMON_LOG" "$WORK/smtp.password"
web "$JP" POST /code -d "csrf=$CSRF_P" -d "code=$CODE_P"
check "the code mailed before the outage still starts a generation" \
	redirect_to /progress
web_wait_generation "$JP" 60
check "and makes a store, server still down" \
	sh -c '[ "$1" = 303 ]' _ "$WEB_STATUS" && fetch_store "$JP" p

# --- the server comes back on the same port ----------------------------------
start_smtp "$SMTP_PORT"
T0=$(now_s)
web "$JQ" POST /data -d "csrf=$CSRF_Q" \
	--data-urlencode "email=q$Q@example.org" -d action=validate
T_BACK=$(since_s "$T0")
check "server back: the code is mailed at the next try" \
	sh -c '[ "$1" = 303 ] && [ "$2" = 2 ]' _ "$WEB_STATUS" "$(received)"
CSRF=$CSRF_Q
check "and it makes a store, without a restart" \
	finish_store "$JQ" "$(latest_mail_code)" q
after_fault "SMTP down"
outcome fault "SMTP server stopped while serving (a re-send, a first code), then started again" \
	"re-send $S_RESEND in ${T_RESEND}s, first code $S_FIRST in ${T_FIRST}s, both 'could not be sent, try again'; nothing counted (code_sends, audit); the earlier code still issued a store; server back: code mailed at the next try (${T_BACK}s), store issued; integrity ok, audit verifies"

finish

#!/bin/sh
# test_renewal.sh: renewal without interruption, expiry reminders and
# expired stores, over HTTPS with curl against the real mycertd and a real
# SoftHSM2 token.
#
# The daemon's copy of the setup issues stores valid 2 days with a
# renewal window of 3 days, so that a fresh store can be renewed at once,
# and reminds 3 and 1 days before expiry through its mail outbox.  A
# doctor gets a store A, renews it: the new store B is issued while A
# stays valid (both active in the database, OCSP good for both), the
# overlap allows no third store, and the switch waits for B's download.
# Confirming "my new store is installed" revokes A as superseded (reason
# 4, OCSP revoked).  Each reminder point sends one mail per store, however
# many housekeeping rounds pass.  Then, with renewal_grace_days = 0 and a
# 10-second download window: the old store is revoked as superseded at
# the grace's end without confirmation; a renewal never downloaded is
# revoked and the old store is current (and renewable) again;
# deactivation during an overlap revokes both stores; an expired store
# shows as expired, blocks nothing, and is replaced by a new request
# without being revoked.  Every refusal leaves the database unchanged.
# Prints "N passed, N failed".

# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"
[ -x "$DEVPORTAL" ] || fatal "$DEVPORTAL is missing; run: make"
[ -x "$ADMIN" ] || fatal "$ADMIN is missing; run: make"
command -v sqlite3 >/dev/null || fatal "sqlite3 is missing; run: make deps"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/renewal.XXXXXX")
S="$WORK/setup"
HOLDER=8000000001
EMAIL=helene.dupont@example.org

cleanup() {
	stop_daemon
	if [ "$FAILED" -ne 0 ] && [ -f "$S/mycertd.log" ]; then
		log "last lines of the daemon's log:"
		grep -v '^DEBUG' "$S/mycertd.log" | tail -n 30 >&2
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
{ [ -n "$OUTBOX" ] && [ -d "$OUTBOX" ]; } ||
	fatal "the setup has no mail_outbox folder"
set_conf "$CONF" validity_days 2
set_conf "$CONF" renewal_window_days 3
set_conf "$CONF" renewal_grace_days 14
set_conf "$CONF" reminder_days 3,1
set_conf "$CONF" store_key_type p256
run_daemon

# --- helpers -----------------------------------------------------------------

sql() {
	sqlite3 -cmd '.timeout 5000' "$DB" "$1"
}

# row SERIAL: "<status> <superseded_by or -> <reason or ->".
row() {
	sql "SELECT status || ' ' || coalesce(superseded_by, '-') || ' ' ||
		coalesce(revocation_reason, '-') FROM certificates
		WHERE serial = '$1'"
}

# row_is SERIAL WANT: the row of SERIAL is WANT (else says what it is).
row_is() {
	_ri_got=$(row "$1")
	[ "$_ri_got" = "$2" ] && return 0
	log "row of $1: \"$_ri_got\", not \"$2\""
	return 1
}

row_matches() {
	[ "$(row "$1")" = "$2" ]
}

# row_becomes SECONDS SERIAL WANT: waits until the row of SERIAL is WANT.
row_becomes() {
	wait_until "$1" row_matches "$2" "$3" || row_is "$2" "$3"
}

# current: the holder's current store (active, not superseded).
current() {
	sql "SELECT serial FROM certificates WHERE ehealth_id = '$HOLDER'
		AND status = 'active' AND superseded_by IS NULL"
}

# wait_until SECONDS COMMAND...: polls COMMAND until it succeeds.
wait_until() {
	_wu_end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$_wu_end" ] || return 1
		sleep 0.5
	done
}

# fingerprint JAR: refreshes the session of JAR (its idle timer is then
# not touched by the next request), then prints the database's digest.
fingerprint() {
	web "$1" GET /faq
	db_fingerprint "$DB"
}

unchanged() {
	[ "$(db_fingerprint "$DB")" = "$1" ]
}

# request_refused: the last POST /terms was sent back (home with a
# notice, or the page of the session's step), not on to the data check.
request_refused() {
	[ "$WEB_STATUS" = 303 ] && [ "$(web_header Location)" != /data ]
}

# new_code BEFORE: the code of the new message (not listed in the file
# BEFORE) that holds one; reminders may arrive meanwhile.
new_code() {
	outbox_list "$OUTBOX" >"$1.after"
	for _nc_f in $(comm -13 "$1" "$1.after"); do
		_nc_code=$(mail_code "$_nc_f")
		if [ -n "$_nc_code" ]; then
			printf '%s\n' "$_nc_code"
			return 0
		fi
	done
	return 1
}

# enroll JAR START: from the terms (START: /terms for a request, /renew
# for a renewal) to the success page; sets PW.
enroll() {
	web "$1" POST "$2" -d "csrf=$CSRF" -d accept=on
	if ! redirect_to /data; then
		log "enroll: POST $2: $WEB_STATUS $(web_header Location)"
		return 1
	fi
	outbox_list "$OUTBOX" >"$WORK/outbox.before"
	web "$1" POST /data -d "csrf=$CSRF" --data-urlencode "email=$EMAIL" \
		-d action=validate
	redirect_to /code || return 1
	_en_code=$(new_code "$WORK/outbox.before") || return 1
	web "$1" POST /code -d "csrf=$CSRF" -d "code=$_en_code"
	redirect_to /progress || return 1
	web_wait_generation "$1" 60 && redirect_to /done || return 1
	web "$1" GET /done
	PW=$(web_password)
	export PW
	[ -n "$PW" ]
}

# fetch JAR NAME: downloads the store into $WORK/NAME.p12 and its
# certificate into $WORK/NAME.crt; prints the certificate's serial as the
# database writes it.
fetch() {
	web "$1" GET /download
	[ "$WEB_STATUS" = 200 ] || return 1
	cp "$WEB_BODY" "$WORK/$2.p12"
	openssl pkcs12 -in "$WORK/$2.p12" -passin env:PW -clcerts -nokeys \
		2>/dev/null | openssl x509 -out "$WORK/$2.crt" 2>/dev/null ||
		return 1
	_f_serial=$(openssl x509 -in "$WORK/$2.crt" -noout -serial |
		cut -d= -f2 | tr 'A-F' 'a-f')
	printf '%32s\n' "$_f_serial" | tr ' ' 0
}

# reminders_for SERIAL: the reminder mails naming SERIAL (on a line of
# its own) sent to the holder.
reminders_for() {
	_rf_n=0
	for _rf_f in $(outbox_list "$OUTBOX"); do
		if tr -d '\r' <"$_rf_f" | grep -qx "    $1" &&
			tr -d '\r' <"$_rf_f" | grep -qx "To: $EMAIL"; then
			_rf_n=$((_rf_n + 1))
		fi
	done
	echo "$_rf_n"
}

# reminded SERIAL DAYS: the database records that reminder.
reminded() {
	[ "$(sql "SELECT count(*) FROM reminders WHERE serial = '$1' AND
		days_before = $2")" = 1 ]
}

# rounds N: waits for N more housekeeping rounds (every 5 s).
rounds() {
	sleep $(($1 * 5 + 1))
}

# OCSP, when the status listener answers (STATUS_BASE from daemon.sh).
OCSP=""
if [ -n "${STATUS_BASE:-}" ] &&
	curl -s -o /dev/null --max-time 5 "$STATUS_BASE/" 2>/dev/null; then
	OCSP="$STATUS_BASE/ocsp"
else
	log "no status listener answers: OCSP checks skipped"
fi

# ocsp_says CERT TEXT: openssl ocsp about CERT prints TEXT (the answer
# verified with the CA certificate).
ocsp_says() {
	openssl ocsp -issuer "$S/ca.pem" -cert "$1" -url "$OCSP" \
		-CAfile "$S/ca.pem" >"$WORK/ocsp.out" 2>&1 &&
		grep -qF -- "$2" "$WORK/ocsp.out"
}

J="$WORK/doctor.jar"
web_login "$J" doctor || fatal "the doctor cannot sign in"

# --- a first store -----------------------------------------------------------
web "$J" GET /terms
check "a first request starts with the terms" [ "$WEB_STATUS" = 200 ]
check "the first store is made through the usual steps" enroll "$J" /terms
A=$(fetch "$J" a) || fatal "the first store cannot be downloaded"
check "the first store is the holder's current store" [ "$(current)" = "$A" ]
check "the first store is active, replaces nothing" row_is "$A" "active - -"
check "a fresh store inside the window gets its 3-day reminder" \
	wait_until 12 reminded "$A" 3
web "$J" GET /
check "home offers Renew inside the renewal window" \
	sh -c '[ "$1" = 200 ] && grep -qF "href=\"/renew\"" "$2" &&
		grep -qF "href=\"/deactivate\"" "$2" &&
		grep -qF "You can renew it now" "$2"' _ "$WEB_STATUS" \
	"$WEB_BODY"

# --- refusals before a renewal -----------------------------------------------
before=$(fingerprint "$J")
web "$J" POST /terms -d "csrf=$CSRF" -d accept=on
check "a plain request while the store is valid is refused" request_refused
web "$J" POST /renew/confirm -d "csrf=$CSRF"
check "confirming a switch without a renewal goes home" redirect_to /
web "$J" POST /renew -d "csrf=$CSRF"
check "renewing without accepting the terms is refused (422)" \
	[ "$WEB_STATUS" = 422 ]
web "$J" POST /renew -d "csrf=wrong-token" -d accept=on
check "renewing with a wrong CSRF token is refused (403)" \
	[ "$WEB_STATUS" = 403 ]
WEB_ORIGIN=https://evil.example web "$J" POST /renew -d "csrf=$CSRF" \
	-d accept=on
check "renewing from another Origin is refused (403)" [ "$WEB_STATUS" = 403 ]
check "these refusals changed nothing in the database" unchanged "$before"

# --- the renewal: overlap ----------------------------------------------------
web "$J" GET /renew
check "the renewal page shows the terms, posted to /renew" \
	sh -c '[ "$1" = 200 ] && grep -qF "action=\"/renew\"" "$2" &&
		grep -q "name=\"accept\"" "$2"' _ "$WEB_STATUS" "$WEB_BODY"
web "$J" POST /renew -d "csrf=$CSRF" -d accept=on
check "accepting the terms of a renewal leads to the data check" \
	redirect_to /data
check "the enrollment records the store it renews" \
	[ "$(sql "SELECT renews FROM enrollments WHERE ehealth_id = '$HOLDER'
		ORDER BY id DESC LIMIT 1")" = "$A" ]
web "$J" GET /data
check "the data check proposes the email of the store renewed" \
	web_has "value=\"$EMAIL\""
web "$J" GET /
check "home during the renewal goes to the data check" redirect_to /data
web "$J" POST /cancel -d "csrf=$CSRF"
check "a renewal can be cancelled like a request" \
	redirect_to "/?notice=cancelled"
check "cancelling leaves the first store alone" row_is "$A" "active - -"
web "$J" POST /terms -d "csrf=$CSRF" -d accept=on
check "after the cancel, a plain request is still refused" \
	redirect_to "/?notice=active-exists"

check "the renewal is made through the same steps" enroll "$J" /renew
B=$(current)
check "the new store is the holder's current store" \
	sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$B" "$A"
check "the old store stays active, marked replaced by the new one" \
	row_is "$A" "active $B -"
check "the new store is active" row_is "$B" "active - -"
check "the database holds two valid stores for the holder" \
	[ "$(sql "SELECT count(*) FROM certificates WHERE
		ehealth_id = '$HOLDER' AND status = 'active'")" = 2 ]
check "the log names the store renewed" \
	grep -q "event=store-issued .*renews=$A" "$DAEMON_LOG"

web "$J" GET /
check "home shows both stores, the old one being replaced" \
	sh -c '[ "$1" = 200 ] && grep -qF "$3" "$2" && grep -qF "$4" "$2" &&
		grep -qF "Your previous store, being replaced" "$2" &&
		grep -qF "Being replaced" "$2"' _ "$WEB_STATUS" "$WEB_BODY" \
	"$A" "$B"
check "before the download, home asks to install the new store first" \
	sh -c 'grep -qF "Download your new store" "$1" &&
		! grep -qF "/renew/confirm" "$1" &&
		! grep -qF "href=\"/renew\"" "$1"' _ "$WEB_BODY"

before=$(fingerprint "$J")
web "$J" POST /renew/confirm -d "csrf=$CSRF"
check "the switch is refused before the new store is downloaded" \
	redirect_to /
web "$J" GET /renew
check "no renewal of the new store during the overlap" \
	redirect_to "/?notice=renew-unavailable"
web "$J" POST /renew -d "csrf=$CSRF" -d accept=on
check "no renewal posted during the overlap" \
	redirect_to "/?notice=renew-unavailable"
web "$J" POST /terms -d "csrf=$CSRF" -d accept=on
check "no plain request during the overlap" request_refused
check "no third store by an officer during the overlap" \
	fails "$ADMIN" -c "$CONF" issue --ehealth-id "$HOLDER" \
	--given Hélène --family Dupont-Lefèvre --profession-code PS-001 \
	--profession-label Médecin --email "$EMAIL" \
	--out "$WORK/third.p12" 2>"$WORK/admin.out"
check "the officer is told an active store exists" \
	grep -qi "active" "$WORK/admin.out"
check "the overlap's refusals changed nothing in the database" \
	unchanged "$before"

got=$(fetch "$J" b) || got=""
check "the new store is downloaded" [ "$got" = "$B" ]
if [ -n "$OCSP" ]; then
	check "OCSP says good for the old store during the overlap" \
		ocsp_says "$WORK/a.crt" ": good"
	check "OCSP says good for the new store during the overlap" \
		ocsp_says "$WORK/b.crt" ": good"
fi
web "$J" GET /
check "after the download, home offers the switch (a CSRF form)" \
	sh -c '[ "$1" = 200 ] && grep -qF "action=\"/renew/confirm\"" "$2" &&
		grep -qF "My new store is installed" "$2"' _ "$WEB_STATUS" \
	"$WEB_BODY"

# --- reminders: once per point -----------------------------------------------
check "the new store gets its 3-day reminder once downloaded" \
	wait_until 12 reminded "$B" 3

# --- the switch --------------------------------------------------------------
web "$J" POST /renew/confirm -d "csrf=$CSRF"
check "confirming the new store goes home with a notice" \
	redirect_to "/?notice=switched"
check "the old store is revoked as superseded (reason 4)" \
	row_is "$A" "revoked $B 4"
check "the new store stays active and current" row_is "$B" "active - -"
check "the revocation time is recorded" \
	[ "$(sql "SELECT revoked_at > 0 FROM certificates
		WHERE serial = '$A'")" = 1 ]
if [ -n "$OCSP" ]; then
	check "OCSP says revoked, superseded, for the old store" \
		sh -c 'openssl ocsp -issuer "$1/ca.pem" -cert "$2" -url "$3" \
			-CAfile "$1/ca.pem" >"$4" 2>&1 &&
			grep -qF ": revoked" "$4" &&
			grep -qiF "superseded" "$4"' _ "$S" "$WORK/a.crt" \
		"$OCSP" "$WORK/ocsp.out"
	check "OCSP still says good for the new store" \
		ocsp_says "$WORK/b.crt" ": good"
fi
web "$J" GET "/?notice=switched"
check "home shows one store again, with the notice" \
	sh -c '[ "$1" = 200 ] && grep -qF "Only the new one is valid" "$2" &&
		! grep -qF "being replaced" "$2"' _ "$WEB_STATUS" "$WEB_BODY"
before=$(fingerprint "$J")
web "$J" POST /renew/confirm -d "csrf=$CSRF"
check "a second confirmation goes home" redirect_to /
check "and changes nothing" unchanged "$before"

# The 1-day point: bring B's expiry within a day.
sql "UPDATE certificates SET not_after = strftime('%s', 'now') + 43200
	WHERE serial = '$B'"
check "the 1-day reminder follows when a day is left" \
	wait_until 12 reminded "$B" 1
rounds 2
check "after more rounds, the first store got one reminder mail" \
	[ "$(reminders_for "$A")" -eq 1 ]
check "after more rounds, the new store got one mail per point (2)" \
	[ "$(reminders_for "$B")" -eq 2 ]
check "the database records each reminder once" \
	[ "$(sql "SELECT count(*) FROM reminders")" = 3 ]
check "the reminder mail is in French and holds no link" \
	sh -c 'f=$(grep -l "^    $1" "$2"/*.eml | head -n 1) &&
		grep -q "^Subject: =?UTF-8?Q?Votre_magasin_de_cert" "$f" &&
		grep -q "^Content-Language: fr" "$f" &&
		! grep -qiE "https?:|www\." "$f"' _ "$B" "$OUTBOX"
check "the log says which reminders went out" \
	[ "$(grep -c "event=reminder-sent" "$DAEMON_LOG")" -eq 3 ]

# --- grace, window, deactivation, expiry -------------------------------------
stop_daemon
set_conf "$CONF" renewal_grace_days 0
set_conf "$CONF" download_window_seconds 10
run_daemon
web_login "$J" doctor || fatal "the doctor cannot sign in again"

check "renewing again (grace 0)" enroll "$J" /renew
C=$(current)
got=$(fetch "$J" c) || got=""
check "the store made at grace 0 is downloaded" [ "$got" = "$C" ]
check "at the end of the grace, the old store is revoked as superseded" \
	row_becomes 12 "$B" "revoked $C 4"
check "the log says the grace ended" \
	grep -q "event=renewal-grace-ended serial=$B" "$DAEMON_LOG"
check "the store after the grace is current" [ "$(current)" = "$C" ]

check "a renewal left undownloaded is made" enroll "$J" /renew
D=$(current)
check "the undownloaded store is current, the old one replaced" \
	row_is "$C" "active $D -"
check "at the window's end, the undownloaded store is revoked" \
	row_becomes 20 "$D" "revoked - 5"
check "the old store is current again, not superseded" \
	row_is "$C" "active - -"
web "$J" GET /
check "home offers Renew again" \
	sh -c '[ "$1" = 200 ] && grep -qF "href=\"/renew\"" "$2" &&
		! grep -qF "being replaced" "$2"' _ "$WEB_STATUS" "$WEB_BODY"

check "a renewal to deactivate during its overlap is made" \
	enroll "$J" /renew
E=$(current)
got=$(fetch "$J" e) || got=""
check "that store is downloaded" [ "$got" = "$E" ]
web "$J" GET /deactivate
check "deactivation during the overlap names the old store too" \
	sh -c '[ "$1" = 200 ] && grep -qF "$3" "$2" && grep -qF "($4)" "$2"' \
	_ "$WEB_STATUS" "$WEB_BODY" "$E" "$C"
web "$J" POST /deactivate -d "csrf=$CSRF" -d confirm=yes -d reason=5
check "deactivation goes home" redirect_to "/?notice=deactivated"
check "the new store is revoked with the reason chosen" \
	row_is "$E" "revoked - 5"
check "the old store is revoked too, with the same reason" \
	row_is "$C" "revoked $E 5"
check "no store is left" [ -z "$(current)" ]

check "a new request is possible" enroll "$J" /terms
F=$(current)
got=$(fetch "$J" f) || got=""
check "its store is downloaded" [ "$got" = "$F" ]
check "it gets its 3-day reminder" wait_until 12 reminded "$F" 3
sql "UPDATE certificates SET not_before = strftime('%s', 'now') - 200,
	not_after = strftime('%s', 'now') - 100 WHERE serial = '$F'"
web "$J" GET /
check "home shows an expired store as expired and offers a request" \
	sh -c '[ "$1" = 200 ] && grep -qF "$3" "$2" &&
		grep -qF ">Expired<" "$2" && grep -qF "href=\"/terms\"" "$2" &&
		! grep -qF "href=\"/deactivate\"" "$2" &&
		! grep -qF "href=\"/renew\"" "$2"' _ "$WEB_STATUS" "$WEB_BODY" \
	"$F"
"$ADMIN" -c "$CONF" list >"$WORK/list.out" 2>&1
check "mycert-admin list shows the store as expired" \
	grep -q "$F.*expired" "$WORK/list.out"
before=$(fingerprint "$J")
web "$J" GET /deactivate
check "an expired store is not offered for deactivation" redirect_to /
web "$J" GET /renew
check "an expired store is not renewed" \
	redirect_to "/?notice=renew-unavailable"
check "these changed nothing" unchanged "$before"
check "an expired store blocks no new request" enroll "$J" /terms
G=$(current)
check "the new store is current" \
	sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$G" "$F"
check "the expired store is replaced, never revoked" \
	row_is "$F" "active $G -"
rounds 1
check "an expired store gets no more reminders" \
	[ "$(reminders_for "$F")" -eq 1 ]

stop_daemon
check "the daemon logged no error" \
	sh -c '! grep -q "level=error" "$1"' _ "$DAEMON_LOG"
finish

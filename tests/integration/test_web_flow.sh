#!/bin/sh
# test_web_flow.sh: the professional's whole flow over HTTPS, with curl,
# against the real mycertd, a real SoftHSM2 token and a real SMTP server.
#
# A local SMTP server (Debian's python3-aiosmtpd) on 127.0.0.1 requires
# STARTTLS and AUTH; the daemon's copy of the setup mails the one-time
# code to it.  A doctor signs in with a portal assertion, accepts the
# terms, gives an email, types the code read from the received mail,
# waits for generation, reads the password shown once and downloads the
# .p12.  openssl and keytool open the store with that password, and
# `openssl s_server -Verify 1` with the CA certificate accepts it as a
# client certificate (and refuses a handshake without one).  Then home
# shows the store, the password is not shown again, another session of
# the same person cannot download, and deactivation revokes the store in
# the database.  Every answer carries the security headers, personal
# pages are no-store, and no secret seen on the way reaches the daemon's
# log or the database.  Prints "N passed, N failed".

# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"
[ -x "$DEVPORTAL" ] || fatal "$DEVPORTAL is missing; run: make"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
	fatal "python3-aiosmtpd is missing; run: make deps"
command -v keytool >/dev/null || fatal "keytool is missing; run: make deps"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/web-flow.XXXXXX")
S="$WORK/setup"
SMTP_PID=""
SSERVER_PID=""

cleanup() {
	stop_daemon
	for pid in $SMTP_PID $SSERVER_PID; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SMTP_PID=""
	SSERVER_PID=""
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

prepare_daemon "$S"
DB=$(conf_value "$CONF" database)

# --- the SMTP server: STARTTLS required, then AUTH ---------------------------
# (tests/tools/smtp_server.py)
# Its certificate is the front's (made for 127.0.0.1); the daemon trusts it
# through mail_smtp_ca_file.  Each message lands in $WORK/inbox/msg-N.eml,
# with msg-N.env saying whether it came over TLS and authenticated.
SMTP_USER=mycert-flow
openssl rand -hex 16 >"$WORK/smtp.password"
mkdir "$WORK/inbox"
/usr/bin/python3 -u "$ROOT/tests/tools/smtp_server.py" \
	"$S/tls.pem" "$S/tls-key.pem" \
	"$WORK/inbox" "$WORK/smtp.port" "$SMTP_USER" "$WORK/smtp.password" \
	>"$WORK/smtpd.log" 2>&1 &
SMTP_PID=$!
tries=0
while [ ! -s "$WORK/smtp.port" ]; do
	kill -0 "$SMTP_PID" 2>/dev/null ||
		fatal "the SMTP server did not start: $(cat "$WORK/smtpd.log")"
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fatal "the SMTP server did not start in 10 s"
	sleep 0.1
done
SMTP_PORT=$(cat "$WORK/smtp.port")

grep -v '^[[:space:]]*mail_' "$CONF" >"$CONF.new" && mv "$CONF.new" "$CONF"
set_conf "$CONF" mail_smtp_url "smtp://127.0.0.1:$SMTP_PORT"
set_conf "$CONF" mail_smtp_user "$SMTP_USER"
set_conf "$CONF" mail_smtp_password_file "$WORK/smtp.password"
set_conf "$CONF" mail_smtp_ca_file "$S/tls.pem"
run_daemon

# --- every answer: security headers; personal pages: no-store ----------------
RESPONSES=0
BAD_HEADERS=""
PERSONAL=0
BAD_CACHE=""

# req JAR METHOD PATH [CURL_ARGS...]: web, then notes any missing header.
req() {
	web "$@"
	RESPONSES=$((RESPONSES + 1))
	if ! web_security_headers_ok; then
		BAD_HEADERS="$BAD_HEADERS $2 $3 ($WEB_STATUS);"
	fi
	case "$3" in
	/sso | / | /terms | /data | /code | /code/resend | /progress | /done | \
		/download | /deactivate | /retry | /logout)
		PERSONAL=$((PERSONAL + 1))
		[ "$(web_header Cache-Control)" = no-store ] ||
			BAD_CACHE="$BAD_CACHE $2 $3;"
		;;
	esac
}

received() {
	find "$WORK/inbox" -name 'msg-*.eml' | wc -l | tr -d ' '
}

J1="$WORK/browser1.jar"
J2="$WORK/browser2.jar"

# --- sign-in -----------------------------------------------------------------
A=$(assertion doctor) || fatal "mycert-devportal failed"
req "$J1" POST /sso --data-urlencode "assertion=$A"
check "the portal's assertion signs the doctor in (303 to /)" \
	redirect_to /
COOKIE=$(web_header Set-Cookie)
log "Set-Cookie: $(printf '%s' "$COOKIE" | sed 's/=[^;]*;/=…;/')"
has_attr() {
	printf '%s\n' "$COOKIE" | tr ';' '\n' | sed 's/^ *//' | grep -qx "$1"
}
check "the session cookie is named __Host-" \
	sh -c 'printf "%s" "$1" | grep -Eq "^__Host-[A-Za-z0-9_-]+=[A-Za-z0-9_-]{43};"' \
	_ "$COOKIE"
check "the session cookie is Secure" has_attr Secure
check "the session cookie is HttpOnly" has_attr HttpOnly
check "the session cookie is SameSite=Strict" has_attr SameSite=Strict
check "the session cookie has Path=/" has_attr Path=/
check "the session cookie names no Domain" \
	sh -c '! printf "%s" "$1" | grep -qi "domain="' _ "$COOKIE"
SID1=$(web_cookie "$J1")

req "$J1" GET /
CSRF1=$(web_csrf)
check "home offers a first request" \
	sh -c '[ "$1" = 200 ] && grep -qF "You have no active certificate store" "$2" &&
		grep -qF "href=\"/terms\"" "$2"' _ "$WEB_STATUS" "$WEB_BODY"
check "home greets the holder by name" web_has "Hello Hélène Dupont-Lefèvre"
check "every form carries a CSRF token" [ ${#CSRF1} -eq 43 ]

# --- terms, data, email ------------------------------------------------------
req "$J1" GET /terms
check "the terms page asks for the acceptance tick" \
	sh -c '[ "$1" = 200 ] && grep -q "name=\"accept\"" "$2"' _ \
	"$WEB_STATUS" "$WEB_BODY"
req "$J1" POST /terms -d "csrf=$CSRF1" -d accept=on
check "accepting the terms leads to the data check" redirect_to /data
check "the acceptance and the terms version are recorded" \
	[ "$(sqlite3 "$DB" "SELECT state || ' ' || terms_version FROM enrollments
		WHERE ehealth_id = '8000000001'")" = "terms_accepted 2026-01" ]

req "$J1" GET /data
check "the data page shows the registry's data read-only" \
	sh -c '[ "$1" = 200 ] && grep -qF "<dd>Hélène</dd>" "$2" &&
		grep -qF "<dd>Dupont-Lefèvre</dd>" "$2" &&
		grep -qF ">8000000001</dd>" "$2" &&
		grep -qF "<dd>Médecin (PS-001)</dd>" "$2" &&
		! grep -q "name=\"given" "$2"' _ "$WEB_STATUS" "$WEB_BODY"

before=$(received)
req "$J1" POST /data -d "csrf=$CSRF1" --data-urlencode \
	"email=helene.dupont@example.org" -d action=validate
check "a valid email leads to the code page" redirect_to /code
check "the SMTP server received one message" [ "$(received)" -eq $((before + 1)) ]
MSG="$WORK/inbox/msg-$((before + 1))"
check "it came over STARTTLS, authenticated, to the holder" \
	sh -c 'grep -qx tls=1 "$1" && grep -qx auth=1 "$1" &&
		grep -qx "to=helene.dupont@example.org" "$1"' _ "$MSG.env"
CODE=$(mail_code "$MSG.eml")
check "the message holds a 6-digit code" \
	sh -c 'printf "%s" "$1" | grep -Eqx "[0-9]{6}"' _ "$CODE"
check "the message has no link" \
	sh -c '! tr -d "\r" <"$1" | grep -qiE "https?:|www\."' _ "$MSG.eml"

req "$J1" GET /code
check "the code page names the address the code went to" \
	sh -c '[ "$1" = 200 ] && grep -qF "helene.dupont@example.org" "$2"' _ \
	"$WEB_STATUS" "$WEB_BODY"

# --- the code, generation ----------------------------------------------------
req "$J1" POST /code -d "csrf=$CSRF1" -d "code=$CODE"
check "the right code starts generation" redirect_to /progress
req "$J1" GET /progress
if [ "$WEB_STATUS" = 200 ]; then
	check "the progress page says not to leave and refreshes itself" \
		sh -c 'grep -qF "Do not leave this page" "$1" &&
			grep -q "http-equiv=\"refresh\"" "$1"' _ "$WEB_BODY"
fi
t0=$(date +%s)
web_wait_generation "$J1" 60
RESPONSES=$((RESPONSES + 1))
web_security_headers_ok || BAD_HEADERS="$BAD_HEADERS GET /progress;"
check "generation ends on the success page" redirect_to /done
log "generation took about $(($(date +%s) - t0)) s"

req "$J1" GET /done
PW=$(web_password)
export PW
check "the success page shows the password (20 characters, in groups)" \
	sh -c '[ "$1" = 200 ] &&
		printf "%s" "$PW" | grep -Eqx "[2-9A-Za-z]{20}" &&
		grep -q "<span>[2-9A-Za-z]\{4\}</span><span>" "$2"' _ \
	"$WEB_STATUS" "$WEB_BODY"
check "the success page offers the download, 'I have saved the file' and the copy button" \
	sh -c 'grep -qF "href=\"/download\"" "$1" && grep -qF "id=\"copy\"" "$1" &&
		grep -qF "action=\"/download/saved\"" "$1" &&
		grep -qF "/static/copy.js" "$1"' _ "$WEB_BODY"

# --- the download and the store ---------------------------------------------
req "$J1" GET /download
cp "$WEB_BODY" "$WORK/store.p12"
check "the download answers 200 with application/x-pkcs12" \
	sh -c '[ "$1" = 200 ] && [ "$2" = application/x-pkcs12 ]' _ \
	"$WEB_STATUS" "$(web_header Content-Type)"
check "the download is an attachment named mycert-<eHealthID>.p12" \
	[ "$(web_header Content-Disposition)" = \
	'attachment; filename="mycert-8000000001.p12"' ]

check "openssl pkcs12 opens the store with the shown password" \
	sh -c 'openssl pkcs12 -in "$1" -passin env:PW -nodes -out "$2" \
		2>/dev/null' _ "$WORK/store.p12" "$WORK/store.pem"
check "openssl pkcs12 refuses a wrong password" \
	sh -c '! PW=wrong-password openssl pkcs12 -in "$1" -passin env:PW \
		-noout 2>/dev/null' _ "$WORK/store.p12"
openssl pkcs12 -in "$WORK/store.p12" -passin env:PW -clcerts -nokeys \
	2>/dev/null | openssl x509 -out "$WORK/holder.crt" 2>/dev/null
openssl pkcs12 -in "$WORK/store.p12" -passin env:PW -nocerts -nodes \
	2>/dev/null | openssl pkey -out "$WORK/holder.key" 2>/dev/null
check "Java keytool lists the store as PKCS12 with a private key" \
	sh -c 'keytool -list -storetype PKCS12 -keystore "$1" \
		-storepass:env PW 2>&1 | grep -q PrivateKeyEntry' _ \
	"$WORK/store.p12"
check "the certificate verifies against the CA certificate" \
	sh -c 'openssl verify -CAfile "$1" "$2" >/dev/null 2>&1' _ \
	"$S/ca.pem" "$WORK/holder.crt"
check "the certificate names the holder and the verified email" \
	sh -c 'openssl x509 -in "$1" -noout -subject -ext subjectAltName \
		-nameopt utf8,sep_multiline >"$1.txt" 2>&1 &&
		grep -q "serialNumber=8000000001" "$1.txt" &&
		grep -q "CN=Hélène Dupont-Lefèvre" "$1.txt" &&
		grep -q "email:helene.dupont@example.org" "$1.txt"' _ \
	"$WORK/holder.crt"
check "the key in the store matches the certificate" \
	[ "$(openssl x509 -in "$WORK/holder.crt" -noout -pubkey 2>/dev/null |
		sha256sum)" = "$(openssl pkey -in "$WORK/holder.key" -pubout \
		2>/dev/null | sha256sum)" ]

# --- the store as a client certificate --------------------------------------
SPORT=$(free_port)
openssl s_server -accept "127.0.0.1:$SPORT" -cert "$S/tls.pem" \
	-key "$S/tls-key.pem" -Verify 1 -verify_return_error \
	-CAfile "$S/ca.pem" -www \
	</dev/null >"$WORK/s_server.log" 2>&1 &
SSERVER_PID=$!
tries=0
while ! grep -q ACCEPT "$WORK/s_server.log"; do
	kill -0 "$SSERVER_PID" 2>/dev/null ||
		fatal "openssl s_server did not start: $(cat "$WORK/s_server.log")"
	tries=$((tries + 1))
	[ "$tries" -le 100 ] || fatal "openssl s_server did not start in 10 s"
	sleep 0.1
done
# tls_client [CURL_ARGS...]: a TLS client of s_server; its page in
# $WORK/s_client.out.
tls_client() {
	curl -s --max-time 10 --cacert "$S/tls.pem" -o "$WORK/s_client.out" \
		"$@" "https://127.0.0.1:$SPORT/"
}
check "s_server (-Verify 1 -verify_return_error, the CA) accepts the store's certificate" \
	tls_client --cert "$WORK/holder.crt" --key "$WORK/holder.key"
check "s_server saw the holder's certificate" \
	grep -q "8000000001" "$WORK/s_client.out"
check "s_server refuses a handshake without a client certificate" \
	fails tls_client
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/stranger.key" -out "$WORK/stranger.crt" -days 1 \
	-subj "/CN=stranger" 2>/dev/null
check "s_server refuses a certificate of another authority (control)" \
	fails tls_client --cert "$WORK/stranger.crt" \
	--key "$WORK/stranger.key"
kill "$SSERVER_PID" 2>/dev/null
wait "$SSERVER_PID" 2>/dev/null
SSERVER_PID=""

# --- afterwards ---------------------------------------------------------------
SERIAL=$(sqlite3 "$DB" "SELECT serial FROM certificates WHERE
	ehealth_id = '8000000001' AND status = 'active'")
CERT_SERIAL=$(openssl x509 -in "$WORK/holder.crt" -noout -serial |
	cut -d= -f2 | tr 'A-F' 'a-f')
check "the database holds the store's certificate as active" \
	sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' _ "$SERIAL" \
	"$(printf '%32s' "$CERT_SERIAL" | tr ' ' 0)"
req "$J1" GET /
check "home shows the store's overview with its serial" \
	sh -c '[ "$1" = 200 ] && grep -qF "Your certificate store" "$2" &&
		grep -qF "$3" "$2" && grep -qF "helene.dupont@example.org" "$2" &&
		grep -qF "href=\"/deactivate\"" "$2"' _ "$WEB_STATUS" "$WEB_BODY" \
	"$SERIAL"
req "$J1" GET /done
check "the success page shown again does not show the password" \
	sh -c '[ "$1" = 200 ] && ! grep -q "id=\"password\"" "$2" &&
		! grep -qF "$PW" "$2" &&
		grep -qF "already been shown once" "$2"' _ "$WEB_STATUS" \
	"$WEB_BODY"

web_login "$J2" doctor || fatal "the second sign-in failed"
RESPONSES=$((RESPONSES + 1))
web_security_headers_ok || BAD_HEADERS="$BAD_HEADERS GET /faq;"
SID2=$(web_cookie "$J2")
check "a second sign-in makes another session" \
	sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$SID2" "$SID1"
req "$J2" GET /download
check "the download is refused to another session of the same person" \
	sh -c '{ [ "$1" = 404 ] || [ "$1" = 410 ]; } && [ "$2" != application/x-pkcs12 ] &&
		! cmp -s "$3" "$4"' _ "$WEB_STATUS" "$(web_header Content-Type)" \
	"$WEB_BODY" "$WORK/store.p12"
req "$J2" GET /
check "the other session sees the store on home" \
	sh -c '[ "$1" = 200 ] && grep -qF "$2" "$3"' _ "$WEB_STATUS" "$SERIAL" \
	"$WEB_BODY"

# --- deactivation -------------------------------------------------------------
req "$J1" GET /deactivate
check "the deactivation page names the store and asks for confirmation" \
	sh -c '[ "$1" = 200 ] && grep -qF "$2" "$3" &&
		grep -q "name=\"confirm\"" "$3" && grep -qF "This is final" "$3"' \
	_ "$WEB_STATUS" "$SERIAL" "$WEB_BODY"
req "$J1" POST /deactivate -d "csrf=$CSRF1" -d confirm=yes -d reason=3
check "confirmed deactivation goes back home" \
	redirect_to "/?notice=deactivated"
check "the certificate is revoked in the database, with the reason" \
	[ "$(sqlite3 "$DB" "SELECT status || ' ' || revocation_reason || ' ' ||
		(revoked_at > 0) FROM certificates WHERE serial = '$SERIAL'")" = \
	"revoked 3 1" ]
check "no active store is left for the holder" \
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM certificates WHERE
		ehealth_id = '8000000001' AND status = 'active'")" -eq 0 ]
req "$J1" GET "/?notice=deactivated"
check "home says so and offers a new request" \
	sh -c '[ "$1" = 200 ] && grep -qF "has been deactivated" "$2" &&
		grep -qF "You have no active certificate store" "$2" &&
		grep -qF "href=\"/terms\"" "$2"' _ "$WEB_STATUS" "$WEB_BODY"
req "$J1" GET /terms
check "a new request can start" [ "$WEB_STATUS" = 200 ]

req "$J1" POST /logout -d "csrf=$CSRF1"
check "sign-out clears the cookie" \
	sh -c '[ "$1" = 303 ] && printf "%s" "$2" | grep -q "Max-Age=0"' _ \
	"$WEB_STATUS" "$(web_header Set-Cookie)"
req "$J1" GET /static/style.css
check "static files are served with the security headers too" \
	[ "$WEB_STATUS" = 200 ]

check "all $RESPONSES answers carry HSTS, CSP (frame-ancestors), nosniff, Referrer-Policy" \
	[ -z "$BAD_HEADERS" ]
[ -z "$BAD_HEADERS" ] || log "missing security headers on:$BAD_HEADERS"
check "all $PERSONAL personal pages are Cache-Control: no-store" \
	[ -z "$BAD_CACHE" ]
[ -z "$BAD_CACHE" ] || log "not no-store:$BAD_CACHE"

# --- no secret in the log or the database -----------------------------------
stop_daemon
# secret_absent WHAT VALUE...: no VALUE is in the log or the database.
secret_absent() {
	_sa_what=$1
	shift
	for _sa_v in "$@"; do
		[ -n "$_sa_v" ] || return 1
		for f in "$DAEMON_LOG" "$DB" "$DB-wal" "$DB-shm" \
			"$WORK/smtpd.log"; do
			if [ -f "$f" ] && grep -aqF -- "$_sa_v" "$f"; then
				log "the $_sa_what was found in $f"
				return 1
			fi
		done
	done
}
check "the password is in neither the log nor the database" \
	secret_absent password "$PW"
check "the code is in neither the log nor the database" \
	secret_absent code "$CODE"
check "the session ids are in neither the log nor the database" \
	secret_absent "session id" "$SID1" "$SID2"
check "the token PINs are in neither the log nor the database" \
	secret_absent PIN "$(cat "$S/user.pin")" "$(cat "$S/so.pin")"
check "the SMTP password is in neither the log nor the database" \
	secret_absent "SMTP password" "$(cat "$WORK/smtp.password")"
check "the log holds one line per request" \
	[ "$(grep -c 'event=request ' "$DAEMON_LOG")" -ge "$RESPONSES" ]

finish

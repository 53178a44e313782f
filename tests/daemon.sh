#!/bin/sh
# daemon.sh: starts and stops a real mycertd for a test (POSIX sh, sourced
# after lib.sh).  Each test runs its own daemon on a copy of the
# provisioned setup, on a free loopback port, and stops it on exit.
# shellcheck disable=SC2034 # BASE, DAEMON_LOG, STATUS_BASE: used by the tests

DAEMON="$BIN/mycertd"
DEVPORTAL="$BIN/mycert-devportal"
DAEMON_PID=""

# free_port: a TCP port nothing listens on, on 127.0.0.1.
free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# start_daemon DIR: copies the setup into DIR, gives it a free port and
# starts mycertd; sets CONF, BASE (https://127.0.0.1:PORT), DAEMON_LOG,
# and STATUS_BASE (http://127.0.0.1:STATUS_PORT, see set_status_port).
start_daemon() {
	copy_setup "$1"
	CONF="$1/mycertd.conf"
	PORT=$(free_port)
	BASE="https://127.0.0.1:$PORT"
	set_conf "$CONF" listen "127.0.0.1:$PORT"
	set_conf "$CONF" appliance_id "$BASE"
	set_status_port
	DAEMON_LOG="$1/mycertd.log"
	run_daemon
}

# set_status_port: gives the status listener of $CONF (CRL, OCSP over
# plain HTTP) a free port of its own, and points the URLs that issued
# certificates carry (crl_url, ocsp_url, ca_issuers_url) at it, paths
# kept.  Sets STATUS_PORT and STATUS_BASE (http://127.0.0.1:STATUS_PORT).
set_status_port() {
	STATUS_PORT=$(free_port)
	while [ "$STATUS_PORT" = "${PORT:-}" ]; do
		STATUS_PORT=$(free_port)
	done
	STATUS_BASE="http://127.0.0.1:$STATUS_PORT"
	set_conf "$CONF" status_listen "127.0.0.1:$STATUS_PORT"
	for _sp_key in crl_url ocsp_url ca_issuers_url; do
		_sp_url=$(conf_value "$CONF" "$_sp_key")
		_sp_path=/${_sp_url#http://*/}
		set_conf "$CONF" "$_sp_key" "$STATUS_BASE$_sp_path"
	done
}

# run_daemon: (re)starts mycertd on $CONF; waits until /healthz answers.
run_daemon() {
	"$DAEMON" -c "$CONF" >>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	_rd_i=0
	while [ "$_rd_i" -lt 100 ]; do
		# The listener is bound before the token opens (mycertd(8)):
		# a connection may wait for the start, never forever.
		if curl -sk --max-time 5 -o /dev/null "$BASE/healthz" \
			2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			cat "$DAEMON_LOG" >&2
			fatal "mycertd exited at start (log above)"
		fi
		sleep 0.1
		_rd_i=$((_rd_i + 1))
	done
	fatal "mycertd did not answer on $BASE within 10 s"
}

# stop_daemon: SIGTERM, then wait for a clean exit.
stop_daemon() {
	if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -TERM "$DAEMON_PID"
		wait "$DAEMON_PID" 2>/dev/null || true
	fi
	DAEMON_PID=""
}

# assertion PERSONA [OPTIONS...]: a fresh assertion for the daemon.
assertion() {
	_as_persona=$1
	shift
	"$DEVPORTAL" -c "$CONF" --persona "$_as_persona" "$@"
}

# latest_code OUTBOX: the code of the newest message in the outbox.
latest_code() {
	# Outbox names start with a UTC timestamp: the last is the newest.
	_lc_file=$(find "$1" -maxdepth 1 -name '*.eml' | sort | tail -n 1)
	[ -n "$_lc_file" ] || return 1
	tr -d '\r' <"$_lc_file" | sed -n 's/^ *\([0-9]\{6\}\)$/\1/p' |
		head -n 1
}

# ---- HTTPS requests as a browser (the test_web_*.sh tests) ----------------

# prepare_daemon DIR: what start_daemon does, without starting mycertd, so
# that the test can change $CONF first; then call run_daemon.
prepare_daemon() {
	copy_setup "$1"
	CONF="$1/mycertd.conf"
	PORT=$(free_port)
	BASE="https://127.0.0.1:$PORT"
	set_conf "$CONF" listen "127.0.0.1:$PORT"
	set_conf "$CONF" appliance_id "$BASE"
	set_status_port
	DAEMON_LOG="$1/mycertd.log"
}

# web JAR METHOD PATH [CURL_ARGS...]: one HTTPS request to $BASE, the
# server's certificate checked against the setup's tls_cert, as the
# browser whose cookies live in the file JAR ("" for none).  Sends
# Accept-Language: $WEB_LANG (default en) and, on a POST, the Origin
# $WEB_ORIGIN (default $BASE; set WEB_ORIGIN=none to send none).  Sets
# WEB_STATUS (000 when curl failed) and leaves the answer's headers in
# $WEB_HEADERS and its body in $WEB_BODY (files beside $DAEMON_LOG).
web() {
	_w_jar=$1
	_w_method=$2
	_w_path=$3
	shift 3
	_w_dir=$(dirname "$DAEMON_LOG")
	WEB_HEADERS="$_w_dir/web.headers"
	WEB_BODY="$_w_dir/web.body"
	: >"$WEB_HEADERS"
	: >"$WEB_BODY"
	set -- -s -o "$WEB_BODY" -D "$WEB_HEADERS" -w '%{http_code}' \
		--max-time 30 --cacert "$(conf_value "$CONF" tls_cert)" \
		-H "Accept-Language: ${WEB_LANG:-en}" -X "$_w_method" "$@"
	if [ -n "$_w_jar" ]; then
		set -- -b "$_w_jar" -c "$_w_jar" "$@"
	fi
	if [ "$_w_method" = POST ] && [ "${WEB_ORIGIN:-}" != none ]; then
		set -- -H "Origin: ${WEB_ORIGIN:-$BASE}" "$@"
	fi
	WEB_STATUS=$(curl "$@" "$BASE$_w_path") || WEB_STATUS=000
}

# web_header NAME: the value of header NAME (any case) in the last answer.
web_header() {
	awk -v n="$1" 'BEGIN { n = tolower(n) ":" }
		{ sub(/\r$/, "") }
		tolower(substr($0, 1, length(n))) == n {
			v = substr($0, length(n) + 1); sub(/^[ \t]+/, "", v)
			print v
		}' "$WEB_HEADERS" | tail -n 1
}

# web_has TEXT: the last answer's body holds TEXT (fixed string).
web_has() {
	grep -qF -- "$1" "$WEB_BODY"
}

# web_csrf: the CSRF token of the forms of the last page.
web_csrf() {
	sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$WEB_BODY" |
		head -n 1
}

# web_cookie JAR: the session id the browser JAR holds.
web_cookie() {
	awk '$6 == "__Host-mycert" { v = $7 } END { print v }' "$1"
}

# web_login JAR PERSONA [DEVPORTAL_OPTIONS...]: signs the browser JAR in
# with a fresh assertion, then reads its CSRF token into CSRF.  Fails
# unless the sign-in was accepted.
web_login() {
	_wl_jar=$1
	shift
	_wl_as=$(assertion "$@") || return 1
	web "$_wl_jar" POST /sso --data-urlencode "assertion=$_wl_as"
	[ "$WEB_STATUS" = 303 ] || return 1
	web "$_wl_jar" GET /faq
	CSRF=$(web_csrf)
	[ -n "$CSRF" ]
}

# web_security_headers_ok: the last answer carries HSTS, a CSP that
# forbids framing, nosniff and a Referrer-Policy that sends no referrer
# to other sites (no-referrer, or same-origin: with no-referrer browsers
# send "Origin: null" on the front's own forms).
web_security_headers_ok() {
	web_header Strict-Transport-Security | grep -Eq '^max-age=[1-9]' &&
		web_header Content-Security-Policy |
		grep -q "frame-ancestors 'none'" &&
		web_header Content-Security-Policy | grep -q "default-src" &&
		[ "$(web_header X-Content-Type-Options)" = nosniff ] &&
		case "$(web_header Referrer-Policy)" in
		no-referrer | same-origin) true ;;
		*) false ;;
		esac
}

# web_password: the password shown on the last page (its <span>s joined).
web_password() {
	tr -d '\n' <"$WEB_BODY" |
		sed -n 's/.*<p id="password"[^>]*>\(.*\)/\1/p' |
		sed 's|</p>.*||; s/<[^>]*>//g'
}

# web_wait_generation JAR [SECONDS]: polls /progress until the store is
# made (WEB_STATUS 303 to /done) or generation failed (the page offers
# /retry).  Fails after SECONDS (default 30).
web_wait_generation() {
	_wg_end=$(($(date +%s) + ${2:-30}))
	while [ "$(date +%s)" -le "$_wg_end" ]; do
		web "$1" GET /progress
		if [ "$WEB_STATUS" = 303 ] ||
			{ [ "$WEB_STATUS" = 200 ] && web_has 'action="/retry"'; }; then
			return 0
		fi
		[ "$WEB_STATUS" = 200 ] || return 1
		sleep 0.2
	done
	return 1
}

# outbox_list OUTBOX: the message files of an outbox, one a line.
outbox_list() {
	find "$1" -maxdepth 1 -name '*.eml' | sort
}

# mail_code FILE: the one-time code in a message (CRLF, quoted-printable:
# the code is on its own line).
mail_code() {
	tr -d '\r' <"$1" | sed -n 's/^ *\([0-9]\{6\}\)$/\1/p' | head -n 1
}

# new_outbox_code OUTBOX BEFORE: the code of the one message in OUTBOX
# that is not listed in the file BEFORE (made by outbox_list); fails
# unless exactly one message is new.
new_outbox_code() {
	outbox_list "$1" >"$2.after"
	_nc_new=$(comm -13 "$2" "$2.after")
	[ -n "$_nc_new" ] && [ "$(printf '%s\n' "$_nc_new" | wc -l)" -eq 1 ] ||
		return 1
	mail_code "$_nc_new"
}

# redirect_to PATH: the last answer is a 303 to PATH.
redirect_to() {
	[ "$WEB_STATUS" = 303 ] && [ "$(web_header Location)" = "$1" ]
}

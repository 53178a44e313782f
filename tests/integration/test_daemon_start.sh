#!/bin/sh
# test_daemon_start.sh: mycertd starts on a good setup, refuses with a
# clear line what it cannot use, and stops cleanly on SIGTERM.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/daemon-start.XXXXXX")
trap 'stop_daemon; rm -rf "$WORK"' EXIT

# refuses NAME PATTERN CONF: mycertd must exit non-zero at once, saying
# PATTERN, and leave the database as it was.
refuses() {
	_db=$(conf_value "$3" database)
	_before=$(db_fingerprint "$_db")
	_status=0
	timeout 20 "$DAEMON" -c "$3" >"$WORK/out" 2>&1 || _status=$?
	check "$1: refused at start" test "$_status" -ne 0 -a "$_status" -ne 124
	check "$1: says why" grep -q "$2" "$WORK/out"
	check "$1: the database is unchanged" \
		test "$(db_fingerprint "$_db")" = "$_before"
}

start_daemon "$WORK/ok"
check "answers /healthz with the token and the database ok" \
	sh -c "curl -sk '$BASE/healthz' | grep -q '\"token\":\"ok\",\"database\":\"ok\"'"
check "serves TLS 1.3" \
	sh -c "curl -sk --tlsv1.3 -o /dev/null -w '%{http_code}' '$BASE/' | grep -q 200"
check "refuses TLS 1.1" \
	sh -c "! openssl s_client -connect 127.0.0.1:$PORT -tls1_1 </dev/null >/dev/null 2>&1"
stop_daemon
check "logs a clean stop on SIGTERM" grep -q "event=stopped clean=yes" \
	"$DAEMON_LOG"
check "logs one line per request" \
	grep -q 'event=request method="GET" path="/healthz" status=200' \
	"$DAEMON_LOG"

S="$WORK/ok"
cp "$S/mycertd.conf" "$WORK/pin.conf"
printf '11111111\n' >"$WORK/wrong.pin"
chmod 600 "$WORK/wrong.pin"
set_conf "$WORK/pin.conf" pin_file "$WORK/wrong.pin"
refuses "a wrong PIN" "refused the PIN" "$WORK/pin.conf"

cp "$S/mycertd.conf" "$WORK/module.conf"
set_conf "$WORK/module.conf" pkcs11_module /nonexistent/libpkcs11.so
refuses "a missing module" "module .* is missing" "$WORK/module.conf"

cp "$S/mycertd.conf" "$WORK/key.conf"
set_conf "$WORK/key.conf" ca_key no-such-key
refuses "a missing CA key" 'no private key "no-such-key"' "$WORK/key.conf"

cp "$S/mycertd.conf" "$WORK/db.conf"
set_conf "$WORK/db.conf" database "$WORK/mycret.db"
refuses "a missing database" "there is no database" "$WORK/db.conf"
check "a missing database is not created" test ! -e "$WORK/mycret.db"

cp "$S/mycertd.conf" "$WORK/dev.conf"
set_conf "$WORK/dev.conf" listen "0.0.0.0:$(free_port)"
refuses "the dev portal on a non-loopback address" "loopback" \
	"$WORK/dev.conf"

cp "$S/mycertd.conf" "$WORK/typo.conf"
printf 'lisen = 127.0.0.1:1\n' >>"$WORK/typo.conf"
refuses "a typo in a key" 'unknown key "lisen"' "$WORK/typo.conf"

cp "$S/mycertd.conf" "$WORK/cert.conf"
set_conf "$WORK/cert.conf" ca_cert "$S/audit.pem"
refuses "a CA certificate of another key" "does not belong to the CA key" \
	"$WORK/cert.conf"

finish

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
# 192.0.2.1 (TEST-NET-1) is on no interface here: binding it fails
# locally (EADDRNOTAVAIL), no packet leaves and nothing connects to it.
# The dev portal refusal must come before any bind, so its message, not
# the bind error's.
cp "$S/mycertd.conf" "$WORK/devnet.conf"
set_conf "$WORK/devnet.conf" listen "192.0.2.1:$(free_port)"
set_conf "$WORK/devnet.conf" dev_portal on
refuses "the dev portal on an address not of this machine" \
	"dev_portal = on is refused on the non-loopback address" \
	"$WORK/devnet.conf"
check "the dev portal refusal comes before binding (no bind error)" \
	fails grep -q "cannot listen" "$WORK/out"
check "the dev portal refusal exits 3 (configuration)" \
	test "$_status" -eq 3
cp "$S/mycertd.conf" "$WORK/notmine.conf"
set_conf "$WORK/notmine.conf" listen "192.0.2.1:$(free_port)"
set_conf "$WORK/notmine.conf" dev_portal off
refuses "listen on an address not of this machine" \
	"not one of this machine's" "$WORK/notmine.conf"
check "that refusal gives no root or port advice" \
	fails grep -q "below 1024\|as root" "$WORK/out"
NOTMINE=$_status
# status_listen on the front's own port: the second bind finds it taken.
cp "$S/mycertd.conf" "$WORK/inuse.conf"
set_conf "$WORK/inuse.conf" status_listen "$(conf_value "$S/mycertd.conf" listen)"
refuses "status_listen on the port listen already uses" \
	"another process listens there" "$WORK/inuse.conf"
check "a port in use exits 26 (passing: restarted by systemd)" \
	test "$_status" -eq 26
check "that refusal gives no root or port advice" \
	fails grep -q "below 1024\|as root" "$WORK/out"
outcome fault "dev_portal=on with listen=192.0.2.1 (not on this machine); listen=192.0.2.1 alone; status_listen = listen" \
	"dev portal refused before any bind (exit 3); EADDRNOTAVAIL advice 'not one of this machine's' (exit $NOTMINE); EADDRINUSE 'another process listens there' (exit $_status)"

cp "$S/mycertd.conf" "$WORK/typo.conf"
printf 'lisen = 127.0.0.1:1\n' >>"$WORK/typo.conf"
refuses "a typo in a key" 'unknown key "lisen"' "$WORK/typo.conf"

cp "$S/mycertd.conf" "$WORK/cert.conf"
set_conf "$WORK/cert.conf" ca_cert "$S/audit.pem"
refuses "a CA certificate of another key" "does not belong to the CA key" \
	"$WORK/cert.conf"

finish

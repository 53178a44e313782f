#!/bin/sh
# test_privileges.sh: mycertd started as root serves as its own account,
# and refuses secrets that others may read (appliance/privilege.c).
#
# As root (skipped otherwise, with a message): a throwaway system account
# owns a copy of the setup; mycertd, started as root with user = that
# account, must run with every uid and gid of /proc/PID/status the
# account's, its groups only, no capability, no-new-privileges, and
# still sign with the token (/healthz) and issue a whole store through
# the web; nothing it leaves in the setup may belong to root.  Started as
# the account with CAP_NET_BIND_SERVICE (as the systemd unit starts it),
# it binds a port below 1024 and then holds no capability; without the
# capability it refuses that port, advising root or the capability
# (EACCES only: other bind errors get their own advice).  It refuses to
# start, naming the file and the chmod to run, on a PIN file others may
# read (as mycert-admin does, exit 12), a database or a -wal file that group may read, and it refuses to
# start as root without user, with an unknown user, or as another account
# than user says; each refusal leaves the database unchanged.
# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

if [ "$(id -u)" -ne 0 ]; then
	log "SKIPPED: dropping root needs root (CI and make check run as root)"
	finish
	exit
fi
command -v useradd >/dev/null || fatal "useradd is missing (package passwd)"
command -v setpriv >/dev/null || fatal "setpriv is missing (util-linux)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/privileges.XXXXXX")
ACCOUNT="mycert-t$$"
ACCOUNT_MADE=""

cleanup() {
	stop_daemon
	if [ -n "$ACCOUNT_MADE" ]; then
		userdel "$ACCOUNT" 2>/dev/null || true
		groupdel "$ACCOUNT" 2>/dev/null || true
	fi
	if [ "$FAILED" -ne 0 ] && [ -f "$WORK/mycertd.log" ]; then
		log "last lines of the daemon's log:"
		tail -n 20 "$WORK/mycertd.log" >&2
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

useradd --system --user-group --no-create-home --home-dir /nonexistent \
	--shell /usr/sbin/nologin "$ACCOUNT" ||
	fatal "cannot create the throwaway account $ACCOUNT"
ACCOUNT_MADE=yes
UID_N=$(id -u "$ACCOUNT")
GID_N=$(id -g "$ACCOUNT")

# The account must reach the setup: search (not read) on the folders above.
chmod 711 "$WORK"
S="$WORK/setup"
prepare_daemon "$S"
set_conf "$CONF" user "$ACCOUNT"
DAEMON_LOG="$WORK/mycertd.log"	# outside the setup: written by root
chown -R "$ACCOUNT:$ACCOUNT" "$S"
DB=$(conf_value "$CONF" database)
OUTBOX=$(conf_value "$CONF" mail_outbox)

# stop_checked: SIGTERM, then the daemon's exit status in STOP_STATUS.  A
# sanitizer's report at exit fails it too (the account may not be able
# to write the report's file; the status still says so).
stop_checked() {
	STOP_STATUS=0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" || STOP_STATUS=$?
	DAEMON_PID=""
}

# status_field NAME: the value of NAME: in the daemon's /proc status.
status_field() {
	sed -n "s/^$1:[[:space:]]*//p" "/proc/$DAEMON_PID/status" |
		tr -s '\t ' '  '
}

# --- started as root, serving as the account --------------------------------
run_daemon
UIDS=$(status_field Uid)
GIDS=$(status_field Gid)
GROUPS_NOW=$(status_field Groups)
CAPEFF=$(status_field CapEff)
check "every uid is the account's (Uid: $UIDS)" \
	[ "$UIDS" = "$UID_N $UID_N $UID_N $UID_N" ]
check "every gid is the account's (Gid: $GIDS)" \
	[ "$GIDS" = "$GID_N $GID_N $GID_N $GID_N" ]
check "the groups are the account's only (Groups: $GROUPS_NOW)" \
	[ "$(echo "$GROUPS_NOW" | tr -d ' ')" = "$GID_N" ]
for set in CapEff CapPrm CapInh CapAmb; do
	check "$set is empty" [ "$(status_field "$set")" = 0000000000000000 ]
done
check "no-new-privileges is set" [ "$(status_field NoNewPrivs)" = 1 ]
check "the daemon logs who it serves as" \
	grep -q "event=privileges user=$ACCOUNT uid=$UID_N gid=$GID_N started_as=root capabilities=none root=refused" \
	"$DAEMON_LOG"
check "/healthz: the token still signs and the database answers" \
	sh -c 'curl -sk "$1/healthz" | grep -q "\"token\":\"ok\",\"database\":\"ok\""' \
	_ "$BASE"

# flow JAR ID: one person through the web flow to the downloaded store.
flow() {
	web_login "$1" doctor --sub "$2" || return 1
	web "$1" POST /terms -d "csrf=$CSRF" -d accept=on
	outbox_list "$OUTBOX" >"$WORK/before"
	web "$1" POST /data -d "csrf=$CSRF" \
		--data-urlencode "email=p$2@example.org" -d action=validate
	_code=$(new_outbox_code "$OUTBOX" "$WORK/before") || return 1
	web "$1" POST /code -d "csrf=$CSRF" -d "code=$_code"
	web_wait_generation "$1" 60 || return 1
	web "$1" GET /done
	PW=$(web_password)
	export PW
	web "$1" GET /download
	[ "$WEB_STATUS" = 200 ] && cp "$WEB_BODY" "$WORK/store.p12" &&
		openssl pkcs12 -in "$WORK/store.p12" -passin env:PW -noout \
			2>/dev/null
}
check "a whole store is issued and downloaded through the web" \
	flow "$WORK/a.jar" 8300000001
check "the status listener serves the CRL the account published" \
	sh -c '[ "$(curl -s -o /dev/null -w "%{http_code}" "$1")" = 200 ]' _ \
	"$(conf_value "$CONF" crl_url)"
stop_checked
check "it stops cleanly (exit $STOP_STATUS)" \
	sh -c '[ "$1" = 0 ] && grep -q "event=stopped clean=yes" "$2"' _ \
	"$STOP_STATUS" "$DAEMON_LOG"
ROOT_OWNED=$(find "$S" ! -user "$ACCOUNT" | wc -l)
check "nothing in the setup belongs to another account ($ROOT_OWNED files)" \
	[ "$ROOT_OWNED" -eq 0 ]
outcome service "mycertd started as root with user = a system account" \
	"Uid $UIDS, Gid $GIDS, CapEff $CAPEFF, NoNewPrivs 1; /healthz token ok; store issued and downloaded; $ROOT_OWNED files not the account's"

# --- started as the account with CAP_NET_BIND_SERVICE (the unit's way) ------
LOW=$(/usr/bin/python3 -c 'import socket
for p in range(900, 1000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break')
cp "$CONF" "$WORK/low.conf"
set_conf "$WORK/low.conf" status_listen "127.0.0.1:$LOW"
chown "$ACCOUNT:$ACCOUNT" "$WORK/low.conf"
setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" --init-groups \
	--inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
	"$DAEMON" -c "$WORK/low.conf" >>"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
up=0
for _ in $(seq 100); do
	if curl -s -o /dev/null "http://127.0.0.1:$LOW/nothing"; then
		up=1
		break
	fi
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
check "started as the account with CAP_NET_BIND_SERVICE, it serves on port $LOW" \
	[ "$up" = 1 ]
CAPS_LOW="CapEff $(status_field CapEff), CapPrm $(status_field CapPrm), CapAmb $(status_field CapAmb)"
check "then holds no capability ($CAPS_LOW)" \
	[ "$CAPS_LOW" = "CapEff 0000000000000000, CapPrm 0000000000000000, CapAmb 0000000000000000" ]
stop_checked
check "and stops cleanly (exit $STOP_STATUS)" [ "$STOP_STATUS" = 0 ]
outcome service "mycertd started as its account with ambient CAP_NET_BIND_SERVICE (as the unit does), status on port $LOW" \
	"served on port $LOW, then $CAPS_LOW"

# --- refusals ----------------------------------------------------------------
# refused NAME PATTERN CONF [setpriv ARGS]: mycertd must exit non-zero at
# once, its message matching PATTERN, and leave the database as it was.
refused() {
	_name=$1
	_pattern=$2
	_conf=$3
	shift 3
	_before=$(db_fingerprint "$DB")
	_t0=$(date +%s)
	_status=0
	timeout 20 "$@" "$DAEMON" -c "$_conf" >"$WORK/out" 2>&1 || _status=$?
	REFUSED_S=$(($(date +%s) - _t0))
	REFUSED_STATUS=$_status
	check "$_name: refused at start (exit $_status)" \
		test "$_status" -ne 0 -a "$_status" -ne 124
	check "$_name: names the file and the fix" grep -q "$_pattern" "$WORK/out"
	check "$_name: the database is unchanged" \
		test "$(db_fingerprint "$DB")" = "$_before"
	check "$_name: no -wal left beside the database" test ! -e "$DB-wal"
}

PIN=$(conf_value "$CONF" pin_file)
chmod 644 "$PIN"
refused "a PIN file others may read" \
	"PIN file $PIN is open to group or others (mode 644); run: chmod 600 $PIN" \
	"$CONF"
outcome service "PIN file mode 0644, mycertd started as root" \
	"exit $REFUSED_STATUS in ${REFUSED_S} s: \"$(grep -m 1 'event=start-refused' "$WORK/out" | sed "s|.*detail=\"||; s|\"$||; s|$S/||g")\"; database unchanged"
# mycert-admin reads the same PIN file: the same refusal, its own status.
_before=$(db_fingerprint "$DB")
_status=0
"$ADMIN" -c "$CONF" crl >"$WORK/out" 2>&1 || _status=$?
check "mycert-admin with that PIN file: exit 12 (token-pin-file)" \
	[ "$_status" -eq 12 ]
check "mycert-admin names the PIN file and the fix" \
	grep -q "PIN file $PIN is open to group or others (mode 644); run: chmod 600 $PIN" \
	"$WORK/out"
check "mycert-admin changed nothing" \
	test "$(db_fingerprint "$DB")" = "$_before"
chmod 600 "$PIN"

chmod 640 "$DB"
refused "a database the group may read" \
	"database $DB is open to group or others (mode 640); run: chmod 600 $DB" \
	"$CONF"
outcome service "database mode 0640, mycertd started as root" \
	"exit $REFUSED_STATUS in ${REFUSED_S} s, names the file and chmod 600; database unchanged"
chmod 600 "$DB"

# The fingerprint first: sqlite3 would remove an empty -wal at close.
_before=$(db_fingerprint "$DB")
(umask 022 && : >"$DB-wal") && chown "$ACCOUNT:$ACCOUNT" "$DB-wal"
_status=0
timeout 20 "$DAEMON" -c "$CONF" >"$WORK/out" 2>&1 || _status=$?
check "a -wal file the group may read: refused at start (exit $_status)" \
	test "$_status" -ne 0 -a "$_status" -ne 124
check "a -wal file the group may read: names it and the fix" \
	grep -q "$DB-wal is open to group or others (mode 644); run: chmod 600 $DB-wal" \
	"$WORK/out"
rm -f "$DB-wal"
check "a -wal file the group may read: the database is unchanged" \
	test "$(db_fingerprint "$DB")" = "$_before"
outcome service "an empty database -wal file of mode 0644 beside a 0600 database" \
	"exit $_status: names $(basename "$DB")-wal and chmod 600; database unchanged"

cp "$CONF" "$WORK/nouser.conf"
grep -v '^user =' "$WORK/nouser.conf" >"$WORK/nouser.new" &&
	mv "$WORK/nouser.new" "$WORK/nouser.conf"
refused "root without user" 'started as root and the configuration names no account' \
	"$WORK/nouser.conf"
outcome service "mycertd started as root with no user in the configuration" \
	"exit $REFUSED_STATUS in ${REFUSED_S} s: refuses to serve as root; database unchanged"

cp "$CONF" "$WORK/unknown.conf"
set_conf "$WORK/unknown.conf" user mycert-no-such-account
refused "an unknown user" 'user = mycert-no-such-account: no such account' \
	"$WORK/unknown.conf"

cp "$CONF" "$WORK/other.conf"
set_conf "$WORK/other.conf" user root
chown "$ACCOUNT:$ACCOUNT" "$WORK/other.conf"
refused "started as the account while user names another" \
	"runs as uid $UID_N but the configuration says user = root" \
	"$WORK/other.conf" setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" \
	--init-groups

# Without CAP_NET_BIND_SERVICE, the port below 1024 is refused (EACCES)
# and only then is the advice about root or the capability given.
refused "a port below 1024 without CAP_NET_BIND_SERVICE" \
	"port $LOW is below 1024: start mycertd as root or with CAP_NET_BIND_SERVICE" \
	"$WORK/low.conf" setpriv --reuid="$ACCOUNT" --regid="$ACCOUNT" \
	--init-groups
check "that refusal is configuration (exit 3)" [ "$REFUSED_STATUS" = 3 ]
outcome fault "mycertd started as its account without CAP_NET_BIND_SERVICE, status_listen on port $LOW" \
	"refused in $REFUSED_S s, exit $REFUSED_STATUS, advice: port $LOW below 1024, root or CAP_NET_BIND_SERVICE"

finish

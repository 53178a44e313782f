#!/bin/sh
# test_load.sh: the front under load, on loopback, bounded in time.
#
# First with the default limits: 200 keep-alive connections from one
# address (wrk) meet max_connections_per_ip = 32; the excess must be
# refused by closing the connection, never with an error page, and the
# daemon must still serve a normal client at once.  Then on a daemon
# whose per-address limits are raised in the test's copy of the
# configuration (max_connections_per_ip = 256, assertions_per_minute =
# 1000: all the test's clients come from 127.0.0.1), two identical
# rounds, each:
#   - wrk, 200 connections, LOAD_SECONDS on the pages that need no
#     session: the sign-in page, the FAQ and the static files, rotated by
#     a Lua script that counts every status: every answer must be 200,
#     with no socket error (wrk's --timeout is 10 s);
#   - 32 people through the whole flow at once (tests/tools/flowclient.py:
#     assertion, terms, email, code from the mail outbox, generation,
#     password, download; /progress polled every 0.5 s, as a patient
#     browser would), within FLOWS_BOUND seconds; every .p12 must
#     open with its shown password and its certificate verify against the
#     CA for client authentication, and the database must hold exactly
#     one active certificate per person.
# The daemon's VmRSS and VmHWM (/proc/PID/status) are recorded before
# the load, after the pages and after the flows of each round.  Memory is
# stable when round 2, the same work again, adds less than RSS_GROWTH_PCT
# percent to the RSS round 1 ended with: a leak per request or per store
# would add at least as much in round 2 as in round 1 (tens of thousands
# of requests and 32 stores), while caches and pools reach their size in
# round 1.  That daemon runs with MALLOC_ARENA_MAX=1: with glibc's
# per-thread arenas its RSS climbs by fragmentation alone to a plateau
# (measured here over 12 rounds of 200 connections on a static file:
# 27 MB, 29, 32, 34, 35 ... 37 MB from the 7th round on; with one arena
# 26.9 MB every round), which would make any bound loose or flaky.
# Under AddressSanitizer the RSS includes its quarantine of freed memory
# (256 MB by default), which grows with every free whatever the product
# does: the figures are recorded and the bound is left to LeakSanitizer,
# which fails the sanitizer pass on any leak at the daemon's exit.
# Prints "N passed, N failed".
# shellcheck disable=SC2016 # expect evaluates its single-quoted conditions
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"
command -v wrk >/dev/null 2>&1 || fatal "wrk is missing; run: make deps"

LOAD_SECONDS=15		# each wrk run
DEFAULTS_SECONDS=5	# the run against the default limits
CONNECTIONS=200
PEOPLE=32
FLOWS_BOUND=150		# seconds for 32 flows: 36 to 80 s seen on 2 shared cores
RSS_GROWTH_PCT=10	# measured here: 4.0 (27.1 to 28.2 MB)
PYTHON=/usr/bin/python3
FLOWCLIENT="$ROOT/tests/tools/flowclient.py"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/load.XXXXXX")
S="$WORK/setup"

cleanup() {
	stop_daemon
	if [ "$FAILED" -ne 0 ] && [ -f "$S/mycertd.log" ]; then
		log "last lines of the daemon's log:"
		grep -v 'event=request ' "$S/mycertd.log" | tail -n 25 >&2
	fi
	if [ -n "${MYCERT_KEEP_WORK:-}" ]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

under_asan() {
	ldd "$DAEMON" 2>/dev/null | grep -q libasan
}

# mem FIELD: VmRSS or VmHWM of the daemon, in kB.
mem() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$DAEMON_PID/status"
}

# expect NAME DETAIL CONDITION...: ok when the shell condition (one
# string, evaluated) holds, else not_ok with DETAIL.
expect() {
	_e_name=$1
	_e_detail=$2
	shift 2
	if eval "$*"; then
		ok "$_e_name"
	else
		not_ok "$_e_name" "$_e_detail"
	fi
}

daemon_alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null &&
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
			--cacert "$(conf_value "$CONF" tls_cert)" \
			"$BASE/healthz")" = 200 ]
}

# The pages wrk rotates over, and a count of each status it got.
cat >"$WORK/pages.lua" <<'EOF'
local paths = { "/", "/faq", "/static/style.css", "/static/copy.js",
		"/static/favicon.svg" }
local threads = {}
local n = 0

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	statuses = {}
end

function request()
	n = n + 1
	return wrk.format("GET", paths[(n % #paths) + 1],
			  { ["Accept-Language"] = "fr" })
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
	local total = {}
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("statuses")) do
			total[k] = (total[k] or 0) + v
		end
	end
	for k, v in pairs(total) do
		io.write(string.format("status %d %d\n", k, v))
	end
	local e = summary.errors
	io.write(string.format("errors %d %d %d %d %d\n", e.connect, e.read,
			       e.write, e.status, e.timeout))
end
EOF

# pages OUT SECONDS: wrk with CONNECTIONS connections for SECONDS into
# OUT; sets REQUESTS, RPS, OK (200 answers), OTHER (any other status),
# SOCKET_ERRORS (connect+read+write+timeout).
pages() {
	wrk -t2 -c"$CONNECTIONS" -d"${2}s" --timeout 10s \
		-s "$WORK/pages.lua" "$BASE/" >"$1" 2>&1 ||
		log "wrk exited non-zero (output in $1)"
	REQUESTS=$(awk '/requests in/ { print $1 }' "$1")
	RPS=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1")
	OK=$(awk '$1 == "status" && $2 == 200 { print $3 }' "$1")
	OTHER=$(awk '$1 == "status" && $2 != 200 { n += $3 } END { print n + 0 }' \
		"$1")
	SOCKET_ERRORS=$(awk '$1 == "errors" { print $2 + $3 + $4 + $6 }' "$1")
	REQUESTS=${REQUESTS:-0}
	RPS=${RPS:-0}
	OK=${OK:-0}
	SOCKET_ERRORS=${SOCKET_ERRORS:-unknown}
}

# ---- the default limits -----------------------------------------------------

prepare_daemon "$S"
OUTBOX=$(conf_value "$CONF" mail_outbox)
DB=$(conf_value "$CONF" database)
CA=$(conf_value "$CONF" ca_cert)
[ -d "$OUTBOX" ] || fatal "the setup has no mail_outbox folder"
[ -f "$CA" ] || fatal "the setup has no ca_cert"
run_daemon
PER_IP=$(sed -n 's/.*event=web_started .*per_ip=\([0-9]*\).*/\1/p' \
	"$DAEMON_LOG" | tail -n 1)
[ "$PER_IP" = 32 ] || not_ok "the default per-address limit is 32" \
	"web_started says per_ip=$PER_IP"

pages "$WORK/wrk-defaults.txt" "$DEFAULTS_SECONDS"
log "defaults: $REQUESTS requests, $OK answered 200, $OTHER other," \
	"socket errors $SOCKET_ERRORS"
expect "200 connections from one address, default limits: only 200 answers" \
	"$REQUESTS requests, $OK answered 200, $OTHER other" \
	'[ "$OTHER" -eq 0 ] && [ "$OK" -gt 0 ] && [ "$OK" -eq "$REQUESTS" ]'
expect "200 connections from one address, default limits: excess refused by closing" \
	"socket errors: $SOCKET_ERRORS (wrk output in $WORK/wrk-defaults.txt)" \
	'[ "$SOCKET_ERRORS" != unknown ] && [ "$SOCKET_ERRORS" -gt 0 ]'
t0=$(date +%s)
check "after that, the daemon answers a normal client" daemon_alive
outcome load "wrk -c$CONNECTIONS from 127.0.0.1 for ${DEFAULTS_SECONDS} s with the default max_connections_per_ip = 32" \
	"$OK answers, all 200, $OTHER other statuses; $SOCKET_ERRORS wrk socket errors: connections over the per-address limit closed at once, no error page; healthz 200 within $(($(date +%s) - t0)) s after"
stop_daemon

# ---- raised limits: two identical rounds ----------------------------------

set_conf "$CONF" max_connections_per_ip 256
set_conf "$CONF" max_connections 512
set_conf "$CONF" assertions_per_minute 1000
MALLOC_ARENA_MAX=1
export MALLOC_ARENA_MAX
run_daemon
unset MALLOC_ARENA_MAX
RSS0=$(mem VmRSS)
HWM0=$(mem VmHWM)
log "before the load: VmRSS $RSS0 kB, VmHWM $HWM0 kB"

# round N FIRST_SUB: the pages, then the flows; sets RSS_PAGES_N,
# RSS_FLOWS_N, HWM_FLOWS_N.
round() {
	pages "$WORK/wrk-$1.txt" "$LOAD_SECONDS"
	log "round $1 pages: $REQUESTS requests, $RPS/s, $OK answered 200," \
		"$OTHER other, socket errors $SOCKET_ERRORS"
	expect "round $1: $CONNECTIONS connections, every answer 200" \
		"$REQUESTS requests, $OK answered 200, $OTHER other" \
		'[ "$OTHER" -eq 0 ] && [ "$OK" -eq "$REQUESTS" ] &&
		[ "$REQUESTS" -ge "$CONNECTIONS" ]'
	expect "round $1: $CONNECTIONS connections, no socket error" \
		"socket errors: $SOCKET_ERRORS (wrk output in $WORK/wrk-$1.txt)" \
		'[ "$SOCKET_ERRORS" = 0 ]'
	check "round $1: the daemon is alive after the pages" daemon_alive
	eval "RSS_PAGES_$1=\$(mem VmRSS)"
	outcome load "round $1: wrk -c$CONNECTIONS -t2 for $LOAD_SECONDS s on /, /faq and 3 static files (per-address limit raised to 256)" \
		"$REQUESTS requests, $RPS requests/s, $OK answers 200, $OTHER other statuses, $SOCKET_ERRORS socket errors; daemon alive, healthz 200"

	_r_start=$(date +%s)
	"$PYTHON" "$FLOWCLIENT" --base "$BASE" --conf "$CONF" \
		--devportal "$DEVPORTAL" --outbox "$OUTBOX" --ca "$CA" \
		--people "$PEOPLE" --first-sub "$2" --poll-seconds 0.5 \
		>"$WORK/flows-$1.json" \
		2>"$WORK/flows-$1.err"
	_r_rc=$?
	_r_secs=$(($(date +%s) - _r_start))
	_r_valid=$("$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["valid"])' "$WORK/flows-$1.json" \
		2>/dev/null || echo 0)
	_r_wall=$("$PYTHON" -c 'import json, sys
print(json.load(open(sys.argv[1]))["wall_s"])' "$WORK/flows-$1.json" \
		2>/dev/null || echo "?")
	log "round $1 flows: $(cat "$WORK/flows-$1.json" 2>/dev/null)"
	[ "$_r_rc" -eq 0 ] || cat "$WORK/flows-$1.err" >&2
	expect "round $1: $PEOPLE concurrent flows, every store opens and verifies" \
		"flowclient exit $_r_rc, $_r_valid valid" \
		'[ "$_r_rc" -eq 0 ] && [ "$_r_valid" -eq "$PEOPLE" ]'
	expect "round $1: $PEOPLE flows within $FLOWS_BOUND s" \
		"took $_r_secs s" '[ "$_r_secs" -le "$FLOWS_BOUND" ]'
	_r_active=$(sqlite3 "$DB" "SELECT count(*) FROM certificates
		WHERE status = 'active' AND ehealth_id BETWEEN
		'$(printf %010d "$2")' AND '$(printf %010d $(($2 + PEOPLE - 1)))'")
	expect "round $1: one active certificate per person in the database" \
		"$_r_active active" '[ "$_r_active" -eq "$PEOPLE" ]'
	check "round $1: the daemon is alive after the flows" daemon_alive
	eval "RSS_FLOWS_$1=\$(mem VmRSS)"
	eval "HWM_FLOWS_$1=\$(mem VmHWM)"
	outcome load "round $1: $PEOPLE people at once through the whole flow (assertion, code by mail, generation, password, download)" \
		"flows $_r_valid/$PEOPLE valid in $_r_wall s (bound $FLOWS_BOUND s): each .p12 opened with its password, certificate verified against the CA; $_r_active active certificates"
}

round 1 7100000000
round 2 7200000000
# shellcheck disable=SC2154 # set by round through eval
log "VmRSS kB: before $RSS0, round 1 pages $RSS_PAGES_1 flows $RSS_FLOWS_1," \
	"round 2 pages $RSS_PAGES_2 flows $RSS_FLOWS_2;" \
	"VmHWM kB: before $HWM0, after round 1 $HWM_FLOWS_1, after round 2 $HWM_FLOWS_2"
GROWTH_PCT=$(awk -v a="$RSS_FLOWS_1" -v b="$RSS_FLOWS_2" \
	'BEGIN { printf "%.1f", 100 * (b - a) / a }')
if under_asan; then
	ok "memory after two rounds recorded (ASan build: bound left to LeakSanitizer)"
	MEM_NOTE="AddressSanitizer build: RSS includes its quarantine, bound left to LeakSanitizer at exit"
else
	check "round 2 adds less than $RSS_GROWTH_PCT% to round 1's RSS" \
		awk -v g="$GROWTH_PCT" -v m="$RSS_GROWTH_PCT" \
		'BEGIN { exit !(g < m) }'
	MEM_NOTE="growth round 1 to round 2 $GROWTH_PCT% (bound $RSS_GROWTH_PCT%)"
fi
outcome load "daemon memory over two identical rounds (pages, then $PEOPLE flows; MALLOC_ARENA_MAX=1)" \
	"VmRSS kB before $RSS0, after round 1 $RSS_FLOWS_1, after round 2 $RSS_FLOWS_2; VmHWM kB $HWM0 / $HWM_FLOWS_1 / $HWM_FLOWS_2; $MEM_NOTE"

stop_daemon
expect "the daemon stopped cleanly after the load" \
	"web_stopped lines: $(grep -c 'event=web_stopped' "$DAEMON_LOG")" \
	'[ "$(grep -c "event=web_stopped" "$DAEMON_LOG")" -eq 2 ]'
finish

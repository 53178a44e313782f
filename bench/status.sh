#!/bin/sh
# status.sh OUT_DIR: the status listener under load, and how soon a
# deactivation reaches the CRL and OCSP.
#
# Called by bench/run.sh on the setup it provisioned in OUT_DIR/setup.
# Starts mycertd on a copy of that setup (free loopback ports for the
# front and the status listener, the mail outbox).  Then:
#
# 1. OCSP answers per second with wrk over keep-alive: POST of a fixed DER
#    request (no nonce), and the same request as a GET; every answer is
#    looked up in the database and signed in the token.  Next to them, in
#    the same run, the baseline: the same answer bytes, signed once
#    beforehand, served by the same listener as a static file (the file
#    behind the CA certificate's URL, swapped for the pre-signed answer in
#    this throwaway copy and put back after).  Same server, threads,
#    limits and log line per request, so the ratio is the cost of the
#    database lookup and the token signature; nginx serving the bytes
#    would measure another HTTP server as well (bench/front.sh compares
#    the front with nginx).
# 2. From deactivation (POST /deactivate through the HTTPS front) to the
#    listener serving a CRL that lists the serial, and to an OCSP answer
#    saying revoked, polled every 10 ms (bench/status_latency.py), over
#    several stores issued through the web flow; median and maximum.
#
# Every load goes to 127.0.0.1, is bounded in time and stops by itself.
# Figures are printed, never asserted.
#
# Knobs: BENCH_STATUS_SECONDS (default 8), BENCH_STATUS_CONNECTIONS (16),
# BENCH_REVOKE_ROUNDS (5; at most 9: one holder gets 10 codes an hour).
# shellcheck disable=SC2034 # MYCERT_TEST_SETUP: read by lib.sh
set -eu

HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
OUT=$1
MYCERT_TEST_SETUP="$OUT/setup"
# shellcheck source=tests/lib.sh
. "$HERE/../tests/lib.sh"
# lib.sh takes ROOT from a tests/*/ path: this script is one level up.
ROOT=$(CDPATH='' cd -- "$HERE/.." && pwd)
ADMIN="$ROOT/build/mycert-admin"
# shellcheck source=tests/daemon.sh
. "$ROOT/tests/daemon.sh"

SECONDS_RUN=${BENCH_STATUS_SECONDS:-8}
CONNECTIONS=${BENCH_STATUS_CONNECTIONS:-16}
ROUNDS=${BENCH_REVOKE_ROUNDS:-5}
THREADS=2
WARM_SECONDS=1
PYTHON=/usr/bin/python3
WORK="$OUT/status"
CA_FILE=""

cleanup() {
	# Put the CA certificate back if a run stopped half-way.
	if [ -n "$CA_FILE" ] && [ -f "$WORK/ca-file.orig" ]; then
		cp "$WORK/ca-file.orig" "$CA_FILE" 2>/dev/null || true
	fi
	stop_daemon
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for c in wrk curl openssl sqlite3 "$PYTHON"; do
	command -v "$c" >/dev/null 2>&1 ||
		fatal "$c is missing: run 'make deps' (tools/deps.sh)"
done
mkdir -p "$WORK"

# ---- mycertd -----------------------------------------------------------------

prepare_daemon "$WORK/daemon"
set_conf "$CONF" assertions_per_minute 100000
DAEMON_LOG="$WORK/mycertd.log"
OUTBOX=$(conf_value "$CONF" mail_outbox)
[ -d "$OUTBOX" ] || fatal "the bench setup has no mail_outbox folder"
run_daemon
S="$WORK/daemon"
CRL_PATH=/$(conf_value "$CONF" crl_url | sed 's|^http://[^/]*/||')
CA_PATH=/$(conf_value "$CONF" ca_issuers_url | sed 's|^http://[^/]*/||')
CA_FILE="$(conf_value "$CONF" crl_dir)/${CA_PATH##*/}"
OCSP_URL="$STATUS_BASE/ocsp"

# cert_pem SERIAL OUT: the certificate with that serial, from the database.
cert_pem() {
	rm -f "$2.der"
	if ! sqlite3 "$(conf_value "$CONF" database)" "SELECT writefile('$2.der',
		der) FROM certificates WHERE serial = '$1'" >/dev/null ||
		! openssl x509 -inform DER -in "$2.der" -out "$2" 2>/dev/null; then
		fatal "cannot read certificate $1 back from the database"
	fi
}

# ---- 1. OCSP answers per second -------------------------------------------------

"$ADMIN" -c "$CONF" issue --ehealth-id 8000000006 --given Bench \
	--family Ocsp --profession-code PS-001 --profession-label Medecin \
	--email bench.ocsp@example.org --out "$WORK/ocsp-store.p12" \
	>"$WORK/ocsp-store.pw" 2>"$WORK/admin.err" ||
	fatal "mycert-admin issue failed: $(cat "$WORK/admin.err")"
SERIAL=$(sed -n 's/.*issued serial=\([0-9a-f]*\).*/\1/p' "$WORK/admin.err")
cert_pem "$SERIAL" "$WORK/ocsp-store.pem"
openssl ocsp -issuer "$S/ca.pem" -cert "$WORK/ocsp-store.pem" -no_nonce \
	-reqout "$WORK/request.der" >/dev/null 2>&1 ||
	fatal "openssl ocsp -reqout failed"
curl -s --max-time 10 -o "$WORK/presigned.der" \
	-H 'Content-Type: application/ocsp-request' \
	--data-binary "@$WORK/request.der" "$OCSP_URL"
openssl ocsp -respin "$WORK/presigned.der" -issuer "$S/ca.pem" \
	-cert "$WORK/ocsp-store.pem" -CAfile "$S/ca.pem" \
	>"$WORK/presigned.txt" 2>&1
if ! grep -q "Response verify OK" "$WORK/presigned.txt" ||
	! grep -q ": good" "$WORK/presigned.txt"; then
	fatal "the responder's answer does not verify: $(cat "$WORK/presigned.txt")"
fi
GET_PATH="/ocsp/$(base64 -w0 "$WORK/request.der" |
	sed 's|+|%2B|g; s|/|%2F|g; s|=|%3D|g')"

cat >"$WORK/post.lua" <<'EOF'
-- POSTs the DER OCSP request of the file named by OCSP_REQUEST.
local f = assert(io.open(os.getenv("OCSP_REQUEST"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/ocsp-request"
EOF

# wrk_run ID URL [WRK_ARGS...]: a warm-up, then the measured run into
# $WORK/wrk-ID.txt.
wrk_run() {
	_wr_id=$1
	_wr_url=$2
	shift 2
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARM_SECONDS}s" "$@" \
		"$_wr_url" >/dev/null
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency "$@" \
		"$_wr_url" >"$WORK/wrk-$_wr_id.txt"
}

# wrk_row LABEL ID: requests/s, latency p50/p99 (ms), errors of a run.
wrk_row() {
	awk -v label="$1" '
	function ms(v) {
		if (v ~ /us$/) return v * 0.001
		if (v ~ /ms$/) return v + 0
		if (v ~ /s$/) return v * 1000
		return v + 0
	}
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/^Requests\/sec:/ { rps = $2 }
	/Socket errors:/ { gsub(",", ""); errs += $4 + $6 + $8 + $10 }
	/Non-2xx or 3xx responses:/ { errs += $5 }
	END {
		printf "  %-44s %8.0f %8.2f %8.2f %7d\n", label, rps, p50, p99,
		    errs
	}' "$WORK/wrk-$2.txt"
}

rps_of() {
	awk '/^Requests\/sec:/ { print $2 }' "$WORK/wrk-$1.txt"
}

OCSP_REQUEST="$WORK/request.der" wrk_run post "$OCSP_URL" -s "$WORK/post.lua"
wrk_run get "$STATUS_BASE$GET_PATH"
cp "$CA_FILE" "$WORK/ca-file.orig"
cp "$WORK/presigned.der" "$CA_FILE.bench" && mv "$CA_FILE.bench" "$CA_FILE"
curl -s --max-time 10 -o "$WORK/static.der" "$STATUS_BASE$CA_PATH"
cmp -s "$WORK/static.der" "$WORK/presigned.der" ||
	fatal "the listener does not serve the pre-signed answer"
wrk_run static "$STATUS_BASE$CA_PATH"
cp "$WORK/ca-file.orig" "$CA_FILE.bench" && mv "$CA_FILE.bench" "$CA_FILE"

LISTENER_THREADS=$(sed -n 's/.*event=status_started .* threads=\([0-9]*\).*/\1/p' \
	"$DAEMON_LOG" | tail -n 1)
KEY=$(openssl x509 -in "$S/ca.pem" -noout -text |
	sed -n 's/.*Public-Key: (\(.*\))/\1/p; s/.*ASN1 OID: \(.*\)/\1/p' |
	head -n 2 | tr '\n' ' ')
cat <<EOF

== Status listener: OCSP answers per second, next to a pre-signed answer ==
wrk ${THREADS} threads, ${CONNECTIONS} connections kept alive, ${SECONDS_RUN} s each after ${WARM_SECONDS} s of warm-up;
status listener with ${LISTENER_THREADS:-?} threads (web_threads); CA key ${KEY}in SoftHSM2;
one request for one certificate (no nonce, $(wc -c <"$WORK/request.der") bytes), answer $(wc -c <"$WORK/presigned.der") bytes.
  what                                          req/s  p50 ms   p99 ms  errors
EOF
wrk_row "OCSP POST: look up + sign each answer" post
wrk_row "OCSP GET (base64 URL): look up + sign" get
wrk_row "baseline: the same bytes pre-signed, GET" static
awk -v s="$(rps_of static)" -v p="$(rps_of post)" -v g="$(rps_of get)" \
	'BEGIN {
		if (p > 0 && g > 0)
			printf "  signing each answer serves %.1fx fewer than " \
			    "the pre-signed baseline (POST), %.1fx (GET)\n",
			    s / p, s / g
	}'
echo "  (baseline: the same listener serving the bytes as a static file, so" \
	"that only the database lookup and the token signature differ)"

# ---- 2. From deactivation to the CRL and OCSP saying revoked --------------------

J="$WORK/browser.jar"
DB=$(conf_value "$CONF" database)
: >"$WORK/latency.txt"

# one_store: the doctor gets a store through the web flow (signed in
# already); sets STORE_SERIAL and writes $WORK/round.pem.
one_store() {
	web "$J" POST /terms -d "csrf=$CSRF" -d accept=on
	redirect_to /data || fatal "the terms step failed ($WEB_STATUS)"
	outbox_list "$OUTBOX" >"$WORK/outbox.before"
	web "$J" POST /data -d "csrf=$CSRF" --data-urlencode \
		"email=helene.dupont@example.org" -d action=validate
	redirect_to /code || fatal "the email step failed ($WEB_STATUS)"
	_os_code=$(new_outbox_code "$OUTBOX" "$WORK/outbox.before") ||
		fatal "no code arrived in the outbox"
	web "$J" POST /code -d "csrf=$CSRF" -d "code=$_os_code"
	redirect_to /progress || fatal "the code was refused ($WEB_STATUS)"
	if ! web_wait_generation "$J" 60 || ! redirect_to /done; then
		fatal "generation did not end on /done"
	fi
	STORE_SERIAL=$(sqlite3 "$DB" "SELECT serial FROM certificates
		WHERE ehealth_id = '8000000001' AND status = 'active'")
	[ -n "$STORE_SERIAL" ] || fatal "no active store after generation"
	cert_pem "$STORE_SERIAL" "$WORK/round.pem"
}

web_login "$J" doctor || fatal "the sign-in failed"
round=1
while [ "$round" -le "$ROUNDS" ]; do
	one_store
	openssl ocsp -issuer "$S/ca.pem" -cert "$WORK/round.pem" -no_nonce \
		-reqout "$WORK/round-request.der" >/dev/null 2>&1 ||
		fatal "openssl ocsp -reqout failed"
	web "$J" GET /
	CSRF=$(web_csrf)
	"$PYTHON" "$HERE/status_latency.py" --base "$BASE" \
		--cafile "$(conf_value "$CONF" tls_cert)" --status "$STATUS_BASE" \
		--crl-path "$CRL_PATH" --serial "$STORE_SERIAL" \
		--request "$WORK/round-request.der" \
		--cookie "__Host-mycert=$(web_cookie "$J")" --csrf "$CSRF" \
		>>"$WORK/latency.txt" ||
		fatal "round $round: the status services did not say revoked"
	round=$((round + 1))
done

# stat FIELD: "median max" of a field of latency.txt.
stat() {
	sed -n "s/.*$1=\([0-9.]*\).*/\1/p" "$WORK/latency.txt" | sort -n |
		awk '{ v[NR] = $1 } END {
			if (NR % 2) m = v[(NR + 1) / 2]
			else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%8.1f %8.1f", m, v[NR]
		}'
}
cat <<EOF

== From deactivation to the CRL and OCSP saying revoked ==
${ROUNDS} stores issued through the web flow, each deactivated with POST /deactivate;
then the listener polled every 10 ms (CRL listing the serial; OCSP answer revoked).
Times from just before the POST was sent, in ms:        median      max
  the POST /deactivate answered (303)                  $(stat post_ms)
  the listener serves a CRL that lists the serial      $(stat crl_ms)
  an OCSP answer says revoked                          $(stat ocsp_ms)
EOF
echo "  (the portal's hook wakes the publisher at once; without it the" \
	"daemon's 5 s check would find the revocation)"

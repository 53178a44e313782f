#!/bin/sh
# faults.sh: what the fault-injection tests (tests/integration/test_faults_*.sh)
# share (POSIX sh, sourced after lib.sh and daemon.sh): a person through
# the flow, and the checks that must hold after every fault: the database
# passes PRAGMA integrity_check, the audit log exports and verifies with
# mycert-audit, and nothing is half-issued.
# shellcheck disable=SC2034 # SERIAL, STORE_*: used by the sourcing scripts

AUDIT="$BIN/mycert-audit"

# now_s: the time in seconds, with fractions (for durations).
now_s() {
	date +%s.%N
}

# since_s START: seconds since START (from now_s), one decimal.
since_s() {
	awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it
# succeeds; fails after SECONDS.
wait_for() {
	_wf_end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -le "$_wf_end" ] || return 1
		sleep 0.2
	done
}

# healthz_is STATUS: /healthz answers STATUS.
healthz_is() {
	web "" GET /healthz
	[ "$WEB_STATUS" = "$1" ]
}

# to_code JAR ID: signs ID in as a doctor, accepts the terms and gives an
# email; the code mailed to the outbox goes to CODE.  Fails unless every
# step was accepted.
to_code() {
	web_login "$1" doctor --sub "$2" || return 1
	web "$1" POST /terms -d "csrf=$CSRF" -d accept=on
	redirect_to /data || return 1
	outbox_list "$OUTBOX" >"$WORK/outbox.before"
	web "$1" POST /data -d "csrf=$CSRF" \
		--data-urlencode "email=p$2@example.org" -d action=validate
	redirect_to /code || return 1
	CODE=$(new_outbox_code "$OUTBOX" "$WORK/outbox.before") &&
		[ -n "$CODE" ]
}

# finish_store JAR CODE NAME: submits CODE, waits for the store, reads
# the password and downloads the .p12 to $WORK/NAME.p12; its certificate
# goes to $WORK/NAME.pem and its serial (lowercase hex) to SERIAL.
finish_store() {
	web "$1" POST /code -d "csrf=$CSRF" -d "code=$2"
	redirect_to /progress || return 1
	web_wait_generation "$1" 60 || return 1
	redirect_to /done || return 1
	fetch_store "$1" "$3"
}

# fetch_store JAR NAME: /done and /download of a made store (see
# finish_store).
fetch_store() {
	web "$1" GET /done
	STORE_PW=$(web_password)
	[ -n "$STORE_PW" ] || return 1
	web "$1" GET /download
	[ "$WEB_STATUS" = 200 ] || return 1
	cp "$WEB_BODY" "$WORK/$2.p12"
	export STORE_PW
	openssl pkcs12 -in "$WORK/$2.p12" -passin env:STORE_PW -clcerts \
		-nokeys 2>/dev/null | openssl x509 -out "$WORK/$2.pem" \
		2>/dev/null || return 1
	SERIAL=$(openssl x509 -in "$WORK/$2.pem" -noout -serial |
		sed 's/^serial=//' | tr 'A-F' 'a-f')
	[ ${#SERIAL} -eq 32 ]
}

# issue_store JAR ID NAME: the whole flow, sign-in to download.
issue_store() {
	to_code "$1" "$2" && finish_store "$1" "$CODE" "$3"
}

# page_503 TEXT: the last answer is the front's 503 page in English
# ("Service unavailable for now ... Nothing was changed"), without the
# machine's insides.
page_503() {
	[ "$WEB_STATUS" = 503 ] && web_has "Service unavailable for now" &&
		web_has "Nothing was changed. Try again in a few minutes." &&
		! grep -qiE 'sqlite|database|/tmp/|\.db\b|softhsm|pkcs|\.so\b|errno' \
			"$WEB_BODY"
}

# db_sql SQL: one value from the test's database.
db_sql() {
	sqlite3 "$DB" "$1"
}

# half_issued: rows that break "issued means complete": a certificate
# without its store_issued audit entry, an enrollment marked issued
# without its certificate, a pending .p12 without its certificate.
half_issued() {
	db_sql "SELECT
		(SELECT count(*) FROM certificates c WHERE NOT EXISTS
			(SELECT 1 FROM audit_log a WHERE a.event = 'store_issued'
			 AND a.object = 'serial:' || c.serial)) +
		(SELECT count(*) FROM enrollments e WHERE e.state = 'issued'
			AND NOT EXISTS (SELECT 1 FROM certificates c
			WHERE c.enrollment_id = e.id)) +
		(SELECT count(*) FROM pending_downloads p WHERE NOT EXISTS
			(SELECT 1 FROM certificates c WHERE c.serial = p.serial))"
}

# checkpoint_covers_all: the last signed checkpoint covers every entry
# (the tests set checkpoint_entries = 1: the daemon signs one at its next
# housekeeping, every 5 s, once it can sign and write again).
checkpoint_covers_all() {
	[ "$(db_sql "SELECT (SELECT coalesce(max(tree_size), 0) FROM
		audit_checkpoints) = (SELECT max(seq) FROM audit_log)")" = 1 ]
}

# audit_verifies: the daemon signs a checkpoint of the whole log
# within 20 s, the log exports (while the daemon runs) and mycert-audit
# verifies the export with the audit certificate.
audit_verifies() {
	wait_for 20 checkpoint_covers_all || return 1
	AUDIT_N=$((${AUDIT_N:-0} + 1))
	_av="$WORK/audit-$AUDIT_N"
	"$AUDIT" -c "$CONF" export "$_av.txt" >"$_av.log" 2>&1 &&
		"$AUDIT" verify "$_av.txt" --cert "$S/audit.pem" \
			--ca "$S/ca.pem" >>"$_av.log" 2>&1
}

# after_fault NAME: the checks every fault must leave true.
after_fault() {
	check "$1: the database passes PRAGMA integrity_check" \
		[ "$(db_sql 'PRAGMA integrity_check')" = ok ]
	check "$1: the audit log exports and verifies" audit_verifies
	check "$1: nothing is half-issued" [ "$(half_issued)" = 0 ]
	check "$1: the daemon is still running" kill -0 "$DAEMON_PID"
}

# ocsp_says PEM TEXT: the status listener's OCSP answer about PEM,
# verified with the CA certificate, says TEXT ("good", "revoked").
ocsp_says() {
	openssl ocsp -issuer "$S/ca.pem" -cert "$1" \
		-url "$STATUS_BASE/ocsp" -CAfile "$S/ca.pem" \
		>"$WORK/ocsp.out" 2>&1 && grep -qF -- ": $2" "$WORK/ocsp.out"
}

# crl_lists SERIAL: the CRL the status listener serves now lists SERIAL.
crl_lists() {
	_cl_path=/${CRL_URL#http://*/}
	curl -s --max-time 10 -o "$WORK/now.crl" "$STATUS_BASE$_cl_path" &&
		openssl crl -inform DER -in "$WORK/now.crl" -noout -text |
		grep -qi "serial number: $1"
}

#!/bin/sh
# test_kill.sh: SIGKILL of the real mycertd at random points of issuance
# and deactivation, MYCERT_KILL_ROUNDS times (default 20), then restart on
# the same setup and check that nothing was lost or left half-done.
#
# Rounds alternate: an issuance round takes a new person through the web
# flow (dev portal, code from the outbox) and kills the daemon during the
# generation (key pair, token signature, PKCS#12, final transaction),
# after the store was recorded but before its password was shown, or
# after the password was shown but before the download; a deactivation
# round kills it while the deactivation request runs or while the CRL
# that follows it is being published.  The delays come from a seeded
# pseudo-random sequence whose seed is printed: MYCERT_KILL_SEED=N
# replays a run.  Most stores use P-256 keys (fast); rounds 1 and every
# eighth use RSA-3072, whose key generation is long enough to be hit.
#
# After every kill the daemon restarts on the same files and the test
# checks: /healthz answers 200; PRAGMA integrity_check is ok and
# foreign_key_check empty; no enrollment is left "issuing", every
# certificate row is complete (DER that parses, same serial, an issued
# enrollment), every store waiting for download is a complete PKCS#12
# whose password was shown (one nobody can open is revoked at restart);
# the person can go on and ends with a store that openssl opens with the
# password shown; a deactivation answered (or logged as committed) before
# the kill is revoked after restart and in the CRL served by the status
# listener, one killed before its commit is entirely there or entirely
# absent and can be done again; every revoked certificate is in the CRL;
# no temporary file of a killed CRL publication stays in the publish
# folder (one is planted before the first start: the next publication
# removes it); the exported audit log verifies, extends the export of
# the previous round (no committed entry lost) and holds one
# store_issued entry per certificate, one store_deactivated per
# deactivation and one store_auto_revoked per store revoked unused; no
# password shown reaches a file of the setup or the daemon's log.
# shellcheck disable=SC2016 # sh -c scripts expand their own variables
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"

AUDIT="$BIN/mycert-audit"
[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"
[ -x "$AUDIT" ] || fatal "$AUDIT is missing; run: make"

ROUNDS=${MYCERT_KILL_ROUNDS:-20}
MIN_ROUNDS=20
if [ -z "${MYCERT_KILL_SEED:-}" ]; then
	MYCERT_KILL_SEED=$(($(od -An -N4 -tu4 /dev/urandom) % 2147483647 + 1))
fi
SEED=$MYCERT_KILL_SEED
log "seed $SEED, $ROUNDS rounds (replay: MYCERT_KILL_SEED=$SEED" \
	"MYCERT_KILL_ROUNDS=$ROUNDS)"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kill.XXXXXX")
S="$WORK/setup"
CURL_PID=""

cleanup() {
	stop_daemon
	if [ -n "$CURL_PID" ]; then
		kill "$CURL_PID" 2>/dev/null || true
		wait "$CURL_PID" 2>/dev/null || true
	fi
	if [ "$FAILED" -ne 0 ] && [ -f "$DAEMON_LOG" ]; then
		log "seed was $SEED; last lines of the daemon's log:"
		grep -v '^DEBUG' "$DAEMON_LOG" | tail -n 30 >&2
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
# The log and the test's own pages live outside the setup folder, so
# that a search of the setup for a password finds only the product's.
DAEMON_LOG="$WORK/mycertd.log"
DB=$(conf_value "$CONF" database)
OUTBOX=$(conf_value "$CONF" mail_outbox)
CRL_URL=$(conf_value "$CONF" crl_url)
CRL_DIR=$(conf_value "$CONF" crl_dir)
CRL_PATH=/${CRL_URL#http://*/}
SECRETS="$WORK/secrets"
: >"$SECRETS"

# ---- the pseudo-random sequence ---------------------------------------------

RNG=$SEED
# rand N: sets R to the next number of the sequence in [0, N).
rand() {
	RNG=$(((RNG * 1103515245 + 12345) % 2147483648))
	R=$(((RNG / 65536) % $1))
}

# ms_sleep MS: sleeps MS milliseconds.
ms_sleep() {
	sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# ---- the daemon --------------------------------------------------------------

RESTARTS=0
RESTARTS_OK=0
INTEGRITY_OK=0
HALF_ISSUED=0
ACKED=0
KEPT=0

# start KEY_TYPE: (re)starts mycertd with store keys of KEY_TYPE.
start() {
	set_conf "$CONF" store_key_type "$1"
	run_daemon
}

kill_daemon() {
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=""
}

sq() {
	sqlite3 -cmd '.timeout 5000' "$DB" "$1"
}

# ---- the person's steps ------------------------------------------------------

# to_code JAR ID: signs ID in and takes the flow to the code page; the
# code mailed is in CODE.
to_code() {
	web_login "$1" doctor --sub "$2" || return 1
	web "$1" POST /terms -d "csrf=$CSRF" -d accept=on
	redirect_to /data || return 1
	outbox_list "$OUTBOX" >"$WORK/before"
	web "$1" POST /data -d "csrf=$CSRF" \
		--data-urlencode "email=k$2@example.org" -d action=validate
	redirect_to /code || return 1
	CODE=$(new_outbox_code "$OUTBOX" "$WORK/before") || return 1
	echo "$CODE" >>"$SECRETS"
}

# submit_code JAR: types CODE; generation starts.
submit_code() {
	web "$1" POST /code -d "csrf=$CSRF" -d "code=$CODE"
	redirect_to /progress
}

# show_password JAR: the success page; the password shown goes to PW.
show_password() {
	web "$1" GET /done
	PW=$(web_password)
	[ -n "$PW" ] || return 1
	echo "$PW" >>"$SECRETS"
}

# download_opens JAR: downloads the store and opens it with PW.
download_opens() {
	web "$1" GET /download
	[ "$WEB_STATUS" = 200 ] || return 1
	cp "$WEB_BODY" "$WORK/store.p12"
	PW="$PW" openssl pkcs12 -in "$WORK/store.p12" -passin env:PW -nodes \
		-out "$WORK/store.pem" 2>/dev/null &&
		grep -q 'BEGIN PRIVATE KEY' "$WORK/store.pem" &&
		openssl x509 -in "$WORK/store.pem" -noout 2>/dev/null
}

# new_store JAR: from home, a whole new request to a store that opens.
new_store() {
	to_code "$1" "$2" && submit_code "$1" &&
		web_wait_generation "$1" 60 && redirect_to /done &&
		show_password "$1" && download_opens "$1"
}

latest_enrollment() {
	sq "SELECT id || ' ' || state FROM enrollments WHERE ehealth_id = '$1'
		ORDER BY id DESC LIMIT 1"
}

active_serial() {
	sq "SELECT serial FROM certificates WHERE ehealth_id = '$1' AND
		status = 'active'"
}

# ---- checks after every restart --------------------------------------------

# certs_complete: every certificate row is a complete issuance: DER that
# parses with the row's serial, a fingerprint, an issued enrollment.  The
# DER of a row never changes: each is parsed once (PARSED lists them).
PARSED="$WORK/parsed"
: >"$PARSED"
certs_complete() {
	_cc_bad=$(sq "SELECT count(*) FROM certificates c JOIN enrollments e
		ON e.id = c.enrollment_id WHERE e.state != 'issued' OR
		length(c.der) < 200 OR length(c.fingerprint) < 32 OR
		c.subject = '' OR c.not_after <= c.not_before")
	[ "$_cc_bad" = 0 ] || return 1
	sq "SELECT serial || ' ' || hex(der) FROM certificates" |
		grep -vFf "$PARSED" |
		while read -r _cc_serial _cc_der; do
			_cc_got=$(printf '%s' "$_cc_der" | xxd -r -p |
				openssl x509 -inform DER -noout -serial \
					2>/dev/null | cut -d= -f2 |
				tr 'A-F' 'a-f' | sed 's/^0*//')
			if [ "$_cc_got" != "$(echo "$_cc_serial" |
				sed 's/^0*//')" ]; then
				log "certificate $_cc_serial is not complete"
				exit 1
			fi
			echo "$_cc_serial " >>"$PARSED"
		done
}

# issued_have_certs: every issued enrollment has its certificate.
issued_have_certs() {
	[ "$(sq "SELECT count(*) FROM enrollments e WHERE state = 'issued'
		AND NOT EXISTS (SELECT 1 FROM certificates c WHERE
		c.enrollment_id = e.id)")" = 0 ]
}

# pending_complete: every store waiting for its download is a whole
# PKCS#12 (DER that parses) of an active certificate.
pending_complete() {
	[ "$(sq "SELECT count(*) FROM pending_downloads p JOIN certificates c
		ON c.serial = p.serial WHERE c.status != 'active'")" = 0 ] ||
		return 1
	sq "SELECT hex(p12) FROM pending_downloads" | while read -r _pc_hex; do
		printf '%s' "$_pc_hex" | xxd -r -p |
			openssl asn1parse -inform DER >/dev/null 2>&1 || exit 1
	done
}

# crl_fetch: the CRL the status listener serves, as text, in $WORK/crl.txt;
# fails unless it verifies with the CA certificate.
crl_fetch() {
	curl -s --max-time 10 -o "$WORK/crl.der" "$STATUS_BASE$CRL_PATH" &&
		openssl crl -inform DER -in "$WORK/crl.der" -CAfile "$S/ca.pem" \
			-noout 2>&1 | grep -q 'verify OK' &&
		openssl crl -inform DER -in "$WORK/crl.der" -noout -text \
			>"$WORK/crl.txt" 2>/dev/null
}

# in_crl SERIAL: SERIAL is listed in $WORK/crl.txt.
in_crl() {
	_ic=$(echo "$1" | tr 'a-f' 'A-F' | sed 's/^0*//')
	sed -n 's/^ *Serial Number: *//p' "$WORK/crl.txt" | sed 's/^0*//' |
		grep -qx "$_ic"
}

# revoked_in_crl: every revoked certificate of the database is in the
# CRL served now.
revoked_in_crl() {
	crl_fetch || return 1
	for _rc in $(sq "SELECT serial FROM certificates WHERE
		status = 'revoked'"); do
		if ! in_crl "$_rc"; then
			log "revoked $_rc is not in the CRL"
			return 1
		fi
	done
}

# wait_in_crl SERIAL: the served CRL lists SERIAL within 15 s.
wait_in_crl() {
	_wc=0
	while [ "$_wc" -lt 75 ]; do
		if crl_fetch && in_crl "$1"; then
			return 0
		fi
		sleep 0.2
		_wc=$((_wc + 1))
	done
	return 1
}

# audit_events EVENT N: the objects of EVENT's entries in the export, from
# their Nth character, sorted.
audit_events() {
	awk -F'\t' -v ev="$1" -v n="$2" '$1 == "entry" && $5 == ev {
		print substr($6, n) }' "$WORK/export.txt" | sort
}

# audit_matches: the export verifies, and its entries match the state.
audit_matches() {
	# Each export must extend the previous one: no entry committed
	# before a kill is lost or rewritten.
	set -- --cert "$S/audit.pem" --ca "$S/ca.pem"
	[ ! -f "$WORK/export.prev" ] || set -- "$@" --since "$WORK/export.prev"
	rm -f "$WORK/export.txt" "$WORK/verify.out"
	if ! "$AUDIT" -c "$CONF" export "$WORK/export.txt" \
		>"$WORK/verify.out" 2>&1 ||
		! "$AUDIT" verify "$WORK/export.txt" "$@" \
			>>"$WORK/verify.out" 2>&1; then
		log "the audit log does not verify: $(cat "$WORK/verify.out")"
		return 1
	fi
	cp "$WORK/export.txt" "$WORK/export.prev"
	[ "$(audit_events store_issued 8)" = \
		"$(sq "SELECT serial FROM certificates ORDER BY 1")" ] || {
		log "store_issued entries differ from the certificates"
		return 1
	}
	[ "$(audit_events store_deactivated 9)" = \
		"$(sq "SELECT ehealth_id FROM certificates WHERE
			revocation_reason = 3 ORDER BY 1")" ] || {
		log "store_deactivated entries differ from the deactivations"
		return 1
	}
	[ "$(audit_events store_auto_revoked 8)" = \
		"$(sq "SELECT serial FROM certificates WHERE
			revocation_reason = 5 ORDER BY 1")" ] || {
		log "store_auto_revoked entries differ from the stores revoked"
		return 1
	}
}

# no_secret_in_files: no password shown reaches a file of the setup
# (database and its WAL, token, CRLs, outbox) or the daemon's log, and no
# code the log (a code is in its mail by design; as 6 digits it is looked
# for as a whole word, not inside longer numbers).
no_secret_in_files() {
	while read -r _ns; do
		case "$_ns" in
		"") continue ;;
		[0-9][0-9][0-9][0-9][0-9][0-9])
			grep -aqw -- "$_ns" "$DAEMON_LOG" || continue ;;
		*) grep -raqF -- "$_ns" "$S" "$DAEMON_LOG" || continue ;;
		esac
		log "a secret of the flow was found in a file"
		return 1
	done <"$SECRETS"
}

# after_restart WHAT: the checks every round makes once mycertd is back.
after_restart() {
	RESTARTS=$((RESTARTS + 1))
	_ar_health=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 10 \
		"$BASE/healthz")
	R_RESTART=0
	if [ "$_ar_health" = 200 ]; then
		RESTARTS_OK=$((RESTARTS_OK + 1))
		R_RESTART=1
	fi
	check "$1: /healthz answers 200 after the restart ($_ar_health)" \
		[ "$_ar_health" = 200 ]
	_ar_int=$(sq "PRAGMA integrity_check")
	_ar_fk=$(sq "PRAGMA foreign_key_check")
	R_INTEGRITY=0
	if [ "$_ar_int" = ok ] && [ -z "$_ar_fk" ]; then
		INTEGRITY_OK=$((INTEGRITY_OK + 1))
		R_INTEGRITY=1
	fi
	check "$1: integrity_check ok ($_ar_int)" [ "$_ar_int" = ok ]
	check "$1: foreign_key_check empty" [ -z "$_ar_fk" ]
	_ar_issuing=$(sq "SELECT count(*) FROM enrollments WHERE
		state = 'issuing'")
	_ar_half=0
	certs_complete || _ar_half=$((_ar_half + 1))
	issued_have_certs || _ar_half=$((_ar_half + 1))
	pending_complete || _ar_half=$((_ar_half + 1))
	R_HALF=$((_ar_half + _ar_issuing))
	HALF_ISSUED=$((HALF_ISSUED + R_HALF))
	check "$1: no enrollment left issuing after the restart" \
		[ "$_ar_issuing" = 0 ]
	check "$1: every certificate and waiting store is complete" \
		[ "$_ar_half" = 0 ]
	check "$1: every revoked certificate is in the CRL served" \
		revoked_in_crl
	_ar_left=$(find "$CRL_DIR" -name '*.tmp-*' | wc -l)
	check "$1: no half-written file is left in the publish folder ($_ar_left)" \
		[ "$_ar_left" = 0 ]
	R_AUDIT=0
	if audit_matches; then
		R_AUDIT=1
	fi
	check "$1: the audit log verifies and matches the state" \
		[ "$R_AUDIT" = 1 ]
	check "$1: no password or code shown is in a file" no_secret_in_files
}

# ---- the rounds ----------------------------------------------------------------

# Phases of issuance rounds: 0 generation, 1 recorded but password not
# shown, 2 password shown but not downloaded.  Deactivation rounds: 0 the
# request, 1 the CRL publication after it.
LANDED=""
landed() {
	LANDED="$LANDED$1
"
	R_PHASE=$1
}

# round_record: one line per round in $ROUNDS_TSV, for the outcome rows:
# phase, restarted, integrity ok, half-issued, deactivation acknowledged,
# kept, audit verified, person recovered, failed checks of the round.
ROUNDS_TSV="$WORK/rounds.tsv"
: >"$ROUNDS_TSV"
round_record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$R_PHASE" \
		"$R_RESTART" "$R_INTEGRITY" "$R_HALF" "$R_ACKED" "$R_KEPT" \
		"$R_AUDIT" "$R_USER" "$((FAILED - R_FAILED0))" >>"$ROUNDS_TSV"
}

# second_daemon_refused N ID: a second mycertd on the same database
# (a stray start) must refuse before it settles anything, or it would
# revoke the store that waits, unseen, for ID.
second_daemon_refused() {
	_sd_rc=0
	# Ports of its own: the same ports would be refused at bind, before
	# the database lock this proves.
	cp "$CONF" "$WORK/second.conf"
	set_conf "$WORK/second.conf" listen "127.0.0.1:$(free_port)"
	set_conf "$WORK/second.conf" status_listen "127.0.0.1:$(free_port)"
	"$DAEMON" -c "$WORK/second.conf" >"$WORK/second.log" 2>&1 || _sd_rc=$?
	check "round $1: a second mycertd on the same database refuses to start ($_sd_rc)" \
		sh -c '[ "$1" -ne 0 ] && grep -q "another mycertd is using" "$2"' \
		_ "$_sd_rc" "$WORK/second.log"
	check "round $1: and leaves the store waiting for $2 untouched" \
		[ "$(sq "SELECT c.status || p.password_shown FROM
			pending_downloads p JOIN certificates c ON
			c.serial = p.serial WHERE c.ehealth_id = '$2'")" = active0 ]
}

# issuance_round N ID KEY_TYPE
issuance_round() {
	_n=$1
	_id=$2
	_jar="$WORK/p$_id.jar"
	R_FAILED0=$FAILED
	# The phases take turns, so that every run covers each; round 1
	# (RSA keygen) and round 3 (password never shown) are the first
	# that failed before the fix (MYCERT_KILL_SEED=12345), and replay it.
	_phase=$((((_n - 1) / 2) % 3))
	check "round $_n: $_id reaches the code page" to_code "$_jar" "$_id"
	PW=""
	case "$_phase" in
	0)
		# The generation: RSA keygen takes ~0.3-3 s, P-256 keygen,
		# signature, PKCS#12 and commit ~50-100 ms on this machine.
		if [ "$3" = rsa3072 ]; then rand 700; else rand 80; fi
		_delay=$R
		check "round $_n: the code starts generation" \
			submit_code "$_jar"
		ms_sleep "$_delay"
		;;
	1)
		_made=0
		submit_code "$_jar" && web_wait_generation "$_jar" 60 &&
			redirect_to /done && _made=1
		check "round $_n: the store is made" [ "$_made" = 1 ]
		[ "$_n" -ne 3 ] || second_daemon_refused "$_n" "$_id"
		rand 20
		_delay=$R
		ms_sleep "$_delay"
		;;
	2)
		submit_code "$_jar"
		web_wait_generation "$_jar" 60
		check "round $_n: the password is shown" show_password "$_jar"
		rand 20
		_delay=$R
		ms_sleep "$_delay"
		;;
	esac
	kill_daemon
	start "$NEXT_KEY"
	_en=$(latest_enrollment "$_id")
	_cert=$(sq "SELECT count(*) FROM certificates WHERE ehealth_id = '$_id'")
	case "$_phase:$_cert" in
	0:0) _where="generation (before the final transaction)" ;;
	0:*) _where="generation (after the final transaction)" ;;
	1:*) _where="after issuance, password not shown" ;;
	2:*) _where="after the password was shown, before the download" ;;
	esac
	landed "issuance: $_where"
	log "round $_n: issuance, $3, killed ${_delay} ms into phase" \
		"$_phase: $_where; enrollment now ${_en#* }"
	after_restart "round $_n (issuance, $3)"
	_pending=$(sq "SELECT count(*) FROM pending_downloads p JOIN
		certificates c ON c.serial = p.serial WHERE
		c.ehealth_id = '$_id'")
	if [ "$_phase" = 2 ]; then
		check "round $_n: the store whose password was shown still waits" \
			[ "$_pending" = 1 ]
	elif [ "$_cert" != 0 ]; then
		check "round $_n: the store whose password nobody saw is revoked (5)" \
			[ "$_pending:$(sq "SELECT status || revocation_reason FROM
				certificates WHERE ehealth_id = '$_id'")" = \
			"0:revoked5" ]
	fi

	# The person goes on from where the daemon left them.
	_state=${_en#* }
	_ok=1
	case "$_state" in
	failed)
		web "$_jar" GET /progress
		web_has 'action="/retry"' || _ok=0
		CSRF=$(web_csrf)
		web "$_jar" POST /retry -d "csrf=$CSRF"
		{ redirect_to /progress && web_wait_generation "$_jar" 60 &&
			redirect_to /done && show_password "$_jar" &&
			download_opens "$_jar"; } || _ok=0
		_how="retried the interrupted generation"
		;;
	issued)
		if [ -n "$PW" ] && [ "$_pending" = 1 ]; then
			download_opens "$_jar" || _ok=0
			_how="downloaded the store whose password was shown"
		elif [ -z "$(active_serial "$_id")" ]; then
			web "$_jar" GET /
			[ "$WEB_STATUS" = 200 ] &&
				web_has 'href="/terms"' || _ok=0
			new_store "$_jar" "$_id" || _ok=0
			_how="made a new request (the unopenable store was revoked)"
		else
			_ok=0
			_how="found a store waiting whose password nobody has"
		fi
		;;
	*)
		_ok=0
		_how="found the enrollment $_state"
		;;
	esac
	check "round $_n: $_id $_how and holds a store openssl opens" \
		[ "$_ok" = 1 ]
	check "round $_n: $_id has exactly one active store" \
		[ "$(sq "SELECT count(*) FROM certificates WHERE ehealth_id =
			'$_id' AND status = 'active'")" = 1 ]
	R_USER=$_ok R_ACKED=0 R_KEPT=0
	round_record
	LAST_ID=$_id
	LAST_JAR=$_jar
}

# deactivation_round N: deactivates the store of the previous round.
deactivation_round() {
	_n=$1
	_id=$LAST_ID
	_jar=$LAST_JAR
	R_FAILED0=$FAILED R_ACKED=0 R_KEPT=0
	_serial=$(active_serial "$_id")
	check "round $_n: $_id holds an active store to deactivate" \
		[ -n "$_serial" ]
	web "$_jar" GET /deactivate
	CSRF=$(web_csrf)
	_phase=$(((_n / 2) % 2))
	_before=$(grep -c "event=store-deactivated .*serial=$_serial" \
		"$DAEMON_LOG")
	rm -f "$WORK/deactivate.status"
	if [ "$_phase" = 0 ]; then
		rand 80
		_delay=$R
		(
			web "$_jar" POST /deactivate -d "csrf=$CSRF" \
				-d confirm=yes -d reason=3
			echo "$WEB_STATUS" >"$WORK/deactivate.status"
		) &
		CURL_PID=$!
		ms_sleep "$_delay"
		kill_daemon
		wait "$CURL_PID"
		CURL_PID=""
		_status=$(cat "$WORK/deactivate.status" 2>/dev/null)
	else
		rand 25
		_delay=$R
		web "$_jar" POST /deactivate -d "csrf=$CSRF" -d confirm=yes \
			-d reason=3
		_status=$WEB_STATUS
		ms_sleep "$_delay"
		kill_daemon
	fi
	_logged=$(($(grep -c "event=store-deactivated .*serial=$_serial" \
		"$DAEMON_LOG") - _before))
	_published=0
	if openssl crl -inform DER -in "$CRL_DIR/$(basename "$CRL_PATH")" \
		-noout -text 2>/dev/null >"$WORK/crl.txt" &&
		in_crl "$_serial"; then
		_published=1
	fi
	_acked=0
	if [ "$_status" = 303 ] || [ "$_logged" -gt 0 ]; then
		_acked=1
		ACKED=$((ACKED + 1))
		R_ACKED=1
	fi
	start "$NEXT_KEY"
	_row=$(sq "SELECT status || ' ' || coalesce(revocation_reason, '-')
		FROM certificates WHERE serial = '$_serial'")
	case "$_acked:$_row:$_published" in
	0:active*) _where="the request, before its commit" ;;
	*:revoked*:0) _where="after the commit, before the CRL was written" ;;
	*:revoked*:1) _where="after the CRL was published" ;;
	*) _where="an acknowledged deactivation lost" ;;
	esac
	landed "deactivation: $_where"
	log "round $_n: deactivation, killed ${_delay} ms into phase" \
		"$_phase (answer ${_status:-none}, committed log $_logged," \
		"CRL $_published): $_where"
	after_restart "round $_n (deactivation)"
	if [ "$_acked" = 1 ]; then
		if [ "$_row" = "revoked 3" ]; then
			KEPT=$((KEPT + 1))
			R_KEPT=1
		fi
		check "round $_n: the acknowledged deactivation is kept" \
			[ "$_row" = "revoked 3" ]
	else
		check "round $_n: the deactivation killed before its answer is whole or absent" \
			sh -c '[ "$1" = "revoked 3" ] || [ "$1" = "active -" ]' _ \
			"$_row"
	fi
	if [ "$_row" = "active -" ]; then
		web "$_jar" GET /deactivate
		CSRF=$(web_csrf)
		web "$_jar" POST /deactivate -d "csrf=$CSRF" -d confirm=yes \
			-d reason=3
		check "round $_n: the deactivation can be done again" \
			redirect_to "/?notice=deactivated"
	fi
	check "round $_n: the store is revoked and in the CRL served" \
		sh -c '[ "$(sqlite3 "$1" "SELECT status FROM certificates WHERE
			serial = '\''$2'\''")" = revoked ]' _ "$DB" "$_serial"
	R_USER=0
	if wait_in_crl "$_serial"; then
		R_USER=1
	fi
	check "round $_n: the CRL from the status listener lists it" \
		[ "$R_USER" = 1 ]
	round_record
}

T0=$(date +%s)
# Checkpoints are signed often, and once by a clean stop first, so that
# every export after a kill has signed entries to verify.
set_conf "$CONF" checkpoint_entries 10
start p256
stop_daemon
# What a publisher killed between writing a CRL's temporary file and
# renaming it leaves behind: the next publication removes it.
head -c 700 /dev/urandom >"$CRL_DIR/$(basename "$CRL_PATH").tmp-Kill01"
NEXT_KEY=rsa3072
start "$NEXT_KEY"
check "the run has at least $MIN_ROUNDS rounds" [ "$ROUNDS" -ge "$MIN_ROUNDS" ]
check "a CRL file half-written before a kill is removed at the next start" \
	[ "$(find "$CRL_DIR" -name '*.tmp-*' | wc -l)" = 0 ]
n=1
while [ "$n" -le "$ROUNDS" ]; do
	# The key type of this round's store was set at the last start; the
	# next start prepares the next issuance round's.
	if [ $((n % 2)) = 1 ]; then
		NEXT_KEY=p256
		[ $(((n + 2) % 8)) != 1 ] || NEXT_KEY=rsa3072
		issuance_round "$n" "$((8300000000 + n))" \
			"$(conf_value "$CONF" store_key_type)"
	else
		deactivation_round "$n"
	fi
	n=$((n + 1))
done
ELAPSED=$(($(date +%s) - T0))
log "$ROUNDS rounds in $ELAPSED s; landed:"
printf '%s' "$LANDED" | sort | uniq -c >&2

check "every round restarted the daemon ($RESTARTS_OK/$RESTARTS)" \
	[ "$RESTARTS_OK" = "$ROUNDS" ]
check "integrity_check ok after every restart ($INTEGRITY_OK/$RESTARTS)" \
	[ "$INTEGRITY_OK" = "$ROUNDS" ]
check "no half-issued state after any restart ($HALF_ISSUED)" \
	[ "$HALF_ISSUED" = 0 ]
check "every acknowledged deactivation was kept ($KEPT/$ACKED)" \
	[ "$KEPT" = "$ACKED" ]
# One row per phase where kills landed.  Each row is marked held or
# failed by the checks of its own rounds: OUTCOME_MARK (tests/lib.sh) is
# set so that outcome counts only them.
cut -f1 "$ROUNDS_TSV" | sort -u >"$WORK/phases"
while read -r phase; do
	awk -F'\t' -v p="$phase" '$1 == p {
		n++; rs += $2; ig += $3; h += $4; a += $5; k += $6; au += $7;
		u += $8; f += $9 }
		END { printf "%d %d %d %d %d %d %d %d %d\n", n, rs, ig, h, a, k,
			au, u, f }' "$ROUNDS_TSV" >"$WORK/phase.sum"
	read -r pn prs pig ph pa pk pau pu pf <"$WORK/phase.sum"
	case "$phase" in
	issuance*) then="person ended with a store openssl opens $pu/$pn" ;;
	*) then="revocations kept $pk/$pa acknowledged; in the served CRL $pu/$pn" ;;
	esac
	OUTCOME_MARK=$((FAILED - pf))
	outcome fault "SIGKILL during $phase, then restart" \
		"$pn rounds (seed $SEED); restarts OK $prs/$pn; integrity ok $pig/$pn; half-issued $ph; $then; audit verified $pau/$pn"
done <"$WORK/phases"
finish

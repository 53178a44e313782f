#!/bin/sh
# test_faults_token.sh: the token fails while the daemon serves, and a
# wrong PIN at start.
#
# The daemon's pkcs11_module is a symlink in the test's folder to the
# real SoftHSM2 module.  (1) The symlink is replaced by garbage: the
# loaded module goes on signing; then the token folder goes away too,
# which makes the daemon reconnect, that is reload the module, and fail.
# The front must go on answering (healthz 503, a generation fails on a
# clean page, home and the CRL file still served), and once both are
# back, recover without a restart: healthz 200, the failed generation
# retried to a downloaded store.  (2) The token folder goes away while a
# holder deactivates: the revocation must be recorded at once, and once
# the token is back the CRL and OCSP must say revoked without anyone
# doing anything, for the holder's deactivation as for an officer's
# revoke made meanwhile (mycert-admin records it and says the CRL could
# not be published).  (3) A wrong PIN at start: one line, exit status 13,
# the PIN nowhere, the database unchanged.  After each fault: integrity
# check, the audit log verifies, nothing half-issued.  Runs the real
# mycertd on a copy of the provisioned setup.  Prints "N passed, N failed".

# shellcheck disable=SC2016 # the sh -c snippets read their own $1
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/daemon.sh
. "$(dirname "$0")/../daemon.sh"
# shellcheck source=tests/faults.sh
. "$(dirname "$0")/../faults.sh"

[ -x "$DAEMON" ] || fatal "$DAEMON is missing; run: make"
[ -x "$AUDIT" ] || fatal "$AUDIT is missing; run: make"

umask 077
WORK=$(mktemp -d "${TMPDIR:-/tmp}/faults-token.XXXXXX")
S="$WORK/setup"

cleanup() {
	stop_daemon
	# The token folder back where it was, whatever step failed.
	[ ! -d "${TOKENS:-}.away" ] || mv "$TOKENS.away" "$TOKENS"
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
OUTBOX=$(conf_value "$CONF" mail_outbox)
CRL_URL=$(conf_value "$CONF" crl_url)
REAL_MODULE=$(conf_value "$CONF" pkcs11_module)
TOKENS=$(sed -n 's/^[[:space:]]*directories\.tokendir[[:space:]]*=[[:space:]]*//p' \
	"$S/softhsm2.conf")
[ -d "$TOKENS" ] || fatal "no token folder in $S/softhsm2.conf"
[ -f "$REAL_MODULE" ] || fatal "no PKCS#11 module at $REAL_MODULE"
MODULE="$WORK/module/libpkcs11-test.so"
mkdir -p "$WORK/module"
ln -s "$REAL_MODULE" "$MODULE" || fatal "cannot link $MODULE"
set_conf "$CONF" pkcs11_module "$MODULE"
set_conf "$CONF" checkpoint_entries 1
set_conf "$CONF" store_key_type p256
run_daemon

JA="$WORK/a.jar"
JB="$WORK/b.jar"
check "a first holder gets a store before any fault" \
	issue_store "$JA" 8300000001 a
SA=$SERIAL

# --- 1. the module broken while serving ------------------------------------
rm -f "$MODULE"
printf 'this is not a PKCS#11 module\n' >"$MODULE"
healthz_is 200
H_LOADED=$WEB_STATUS
check "module file broken: the loaded module still signs (healthz 200)" \
	[ "$H_LOADED" = 200 ]
check "a second holder reaches the code page meanwhile" \
	to_code "$JB" 8300000002
CODE_B=$CODE

mv "$TOKENS" "$TOKENS.away" || fatal "cannot move $TOKENS away"
healthz_is 503
H_DOWN=$WEB_STATUS
check "then with the token folder gone: healthz 503, naming the token" \
	sh -c '[ "$1" = 503 ] && grep -q "\"token\":\"down\"" "$2"' _ \
	"$H_DOWN" "$WEB_BODY"
check "the daemon logs that the module cannot be loaded" \
	wait_for 10 grep -q 'module .* could not be loaded' "$DAEMON_LOG"
web "$JB" POST /code -d "csrf=$CSRF" -d "code=$CODE_B"
check "the right code still starts a generation" redirect_to /progress
web_wait_generation "$JB" 60
check "which ends on the clean failure page with a retry form" \
	sh -c '[ "$1" = 200 ] && grep -qF "action=\"/retry\"" "$2" &&
		grep -qF "Nothing was issued" "$2" &&
		! grep -qiE "softhsm|pkcs|\.so\b|/tmp/" "$2"' _ \
	"$WEB_STATUS" "$WEB_BODY"
FAIL_PAGE=$WEB_STATUS
check "nothing is issued to the second holder" \
	[ "$(db_sql "SELECT count(*) FROM certificates
		WHERE ehealth_id = '8300000002'")" = 0 ]
web "$JA" GET /
HOME_A=$WEB_STATUS
check "the first holder's home still answers (200)" [ "$HOME_A" = 200 ]
CRL_STATUS=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	"$STATUS_BASE/${CRL_URL#http://*/}") || CRL_STATUS=000
check "the status listener still serves the CRL file (200)" \
	[ "$CRL_STATUS" = 200 ]
openssl ocsp -issuer "$S/ca.pem" -cert "$WORK/a.pem" \
	-url "$STATUS_BASE/ocsp" -CAfile "$S/ca.pem" >"$WORK/ocsp.out" 2>&1
OCSP_DOWN=$(grep -o 'tryLater\|trylater\|internalerror\|good\|revoked' \
	"$WORK/ocsp.out" | head -n 1)
check "OCSP answers tryLater without the token (never a stale good)" \
	[ "$OCSP_DOWN" = trylater ]

rm -f "$MODULE"
ln -s "$REAL_MODULE" "$MODULE"
mv "$TOKENS.away" "$TOKENS" || fatal "cannot move $TOKENS back"
T0=$(now_s)
check "module and token back: healthz 200 without a restart" \
	wait_for 30 healthz_is 200
RECOVER=$(since_s "$T0")
web "$JB" POST /retry -d "csrf=$CSRF"
check "the failed generation is retried" redirect_to /progress
web_wait_generation "$JB" 60
done_and_fetch() {
	redirect_to /done && fetch_store "$@"
}
check "and makes the store, which downloads and opens" \
	done_and_fetch "$JB" b
SB=$SERIAL
after_fault "module broken"
outcome fault "PKCS#11 module file replaced by garbage while serving, then the token folder removed (forces a reload)" \
	"healthz $H_LOADED while the loaded module ran, $H_DOWN after; generation failed on a clean page ($FAIL_PAGE, retry offered); home $HOME_A, CRL file $CRL_STATUS, OCSP $OCSP_DOWN; restored: healthz 200 after ${RECOVER}s, retry issued the store; integrity ok, audit verifies, $(half_issued) half-issued"

# --- 2. the token gone while a holder deactivates ---------------------------
check "OCSP says good for the first store before" ocsp_says "$WORK/a.pem" good
mv "$TOKENS" "$TOKENS.away" || fatal "cannot move $TOKENS away"
check "healthz 503 while the token is gone" healthz_is 503
web "$JA" GET /deactivate
CSRF=$(web_csrf)
web "$JA" POST /deactivate -d "csrf=$CSRF" -d confirm=yes -d reason=1
DEACT=$WEB_STATUS
check "the holder deactivates anyway (303 to the notice)" \
	redirect_to "/?notice=deactivated"
check "the revocation is recorded at once (revoked, keyCompromise)" \
	[ "$(db_sql "SELECT status || ' ' || revocation_reason
		FROM certificates WHERE serial = '$SA'")" = "revoked 1" ]
check "the CRL cannot be signed meanwhile (logged)" \
	wait_for 15 grep -q 'event=crl-publish-failed' "$DAEMON_LOG"
check "and the CRL served is the old one, without the store" \
	fails crl_lists "$SA"
openssl ocsp -issuer "$S/ca.pem" -cert "$WORK/a.pem" \
	-url "$STATUS_BASE/ocsp" -CAfile "$S/ca.pem" >"$WORK/ocsp.out" 2>&1
OCSP_GONE=$(grep -o 'trylater\|internalerror\|good\|revoked' \
	"$WORK/ocsp.out" | head -n 1)
check "OCSP says tryLater, not good, while the token is gone" \
	[ "$OCSP_GONE" = trylater ]

ADMIN_STATUS=0
"$ADMIN" -c "$CONF" revoke "$SB" --reason keyCompromise \
	>"$WORK/admin.out" 2>&1 || ADMIN_STATUS=$?
check "an officer's revoke meanwhile says revoked, CRL not published (exit $ADMIN_STATUS)" \
	sh -c '[ "$1" -ge 10 ] && [ "$1" -le 16 ] &&
		grep -q "is revoked, but no new CRL could be published" "$2"' \
	_ "$ADMIN_STATUS" "$WORK/admin.out"
check "and the revocation is recorded" \
	[ "$(db_sql "SELECT status FROM certificates
		WHERE serial = '$SB'")" = revoked ]

mv "$TOKENS.away" "$TOKENS" || fatal "cannot move $TOKENS back"
T0=$(now_s)
check "token back: the CRL lists the store without anyone acting" \
	wait_for 30 crl_lists "$SA"
CRL_AFTER=$(since_s "$T0")
check "and OCSP says revoked" ocsp_says "$WORK/a.pem" revoked
check "and the CRL lists the officer's revocation too" crl_lists "$SB"
check "OCSP says revoked for it" ocsp_says "$WORK/b.pem" revoked
check "one audit entry for each revocation" \
	[ "$(db_sql "SELECT count(*) FROM audit_log WHERE
		(event = 'store_deactivated' AND object = 'ehealth:8300000001')
		OR (event = 'store_revoked' AND object = 'serial:$SB')")" = 2 ]
after_fault "token gone during deactivation"
outcome fault "token folder removed while a holder deactivates and an officer revokes (CRL and OCSP need the token)" \
	"deactivation answered $DEACT and was recorded at once; CRL kept the old list, OCSP $OCSP_GONE meanwhile; an officer's revoke recorded, CRL not published (exit $ADMIN_STATUS); token back: CRL listed both after ${CRL_AFTER}s, OCSP revoked for both; integrity ok, audit verifies"

# --- 3. a wrong PIN at start --------------------------------------------------
stop_daemon
WRONG_PIN=39481726
printf '%s\n' "$WRONG_PIN" >"$WORK/wrong.pin"
chmod 600 "$WORK/wrong.pin"
cp "$CONF" "$WORK/pin.conf"
set_conf "$WORK/pin.conf" pin_file "$WORK/wrong.pin"
BEFORE=$(db_fingerprint "$DB")
AUDIT_BEFORE=$(db_sql "SELECT count(*) FROM audit_log")
STATUS=0
T0=$(now_s)
timeout 30 "$DAEMON" -c "$WORK/pin.conf" >"$WORK/pin.out" 2>&1 || STATUS=$?
PIN_TIME=$(since_s "$T0")
# One error line (a setup made by root also gets the warning that it
# serves as root: user = root).
LINES=$(grep -c 'level=error' "$WORK/pin.out")
check "a wrong PIN: refused at start with exit status 13" [ "$STATUS" = 13 ]
check "a wrong PIN: one error line, saying the token refused the PIN" \
	sh -c '[ "$1" = 1 ] && grep -q "refused the PIN" "$2"' _ \
	"$LINES" "$WORK/pin.out"
check "a wrong PIN: neither the wrong nor the right PIN is printed" \
	sh -c '! grep -qF -e "$1" -e "$(cat "$2")" "$3"' _ "$WRONG_PIN" \
	"$S/user.pin" "$WORK/pin.out"
check "a wrong PIN: the database is unchanged, no audit entry" \
	sh -c '[ "$1" = "$2" ] && [ "$3" = "$4" ]' _ "$BEFORE" \
	"$(db_fingerprint "$DB")" "$AUDIT_BEFORE" \
	"$(db_sql "SELECT count(*) FROM audit_log")"
check "the PIN never reached the daemon's log" \
	sh -c '! grep -qF -- "$(cat "$1")" "$2"' _ "$S/user.pin" "$DAEMON_LOG"
outcome fault "mycertd started with a wrong PIN in pin_file" \
	"exit status $STATUS after ${PIN_TIME}s, $LINES line of output, no PIN in it; database and audit log unchanged"

finish

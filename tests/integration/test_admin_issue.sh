#!/bin/sh
# shellcheck disable=SC2016 # sh -c scripts expand their own variables
# test_admin_issue.sh: mycert-admin issues stores that real clients open,
# refuses what it must with its own message and exit status, and changes
# nothing when it refuses.  Runs on copies of the provisioned setup.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/admin-issue.XXXXXX")
S="$WORK/setup"
copy_setup "$S"
CONF="$S/mycertd.conf"
DB=$(conf_value "$CONF" database)
MODULE=$(conf_value "$CONF" pkcs11_module)
export SOFTHSM2_CONF="$S/softhsm2.conf"

# issue ID GIVEN FAMILY EMAIL OUT [CONF]: password on stdout, stderr to
# $WORK/err, status in $STATUS.
issue() {
	STATUS=0
	"$ADMIN" -c "${6:-$CONF}" issue --ehealth-id "$1" --given "$2" \
		--family "$3" --profession-code PS-001 \
		--profession-label "Médecin" --email "$4" --out "$5" \
		2>"$WORK/err" || STATUS=$?
}

# --- a store that every client opens --------------------------------------
PW=$(issue 1000000001 "Hélène-Françoise" "D'Ornano" helene@example.org \
	"$WORK/helene.p12"; cat "$WORK/err" >&2; exit $STATUS) ||
	fatal "mycert-admin issue failed"
export PW
check "prints the password alone, 20 letters and digits" \
	sh -c 'printf "%s" "$PW" | grep -Eqx "[2-9b-hj-kn-prstuvxB-HJ-LN-PR-VX]{20}"'
check "names the file it wrote" \
	grep -q "issued serial=.* file=$WORK/helene.p12\$" "$WORK/err"
check "leaves no temporary file beside it" \
	sh -c "! ls '$WORK' | grep -q 'helene.p12.tmp'"
check "writes the .p12 with mode 0600" \
	test "$(stat -c %a "$WORK/helene.p12")" = 600

check "openssl pkcs12 opens it with the password" \
	sh -c "openssl pkcs12 -in '$WORK/helene.p12' -passin env:PW -nodes \
		-out '$WORK/helene.pem' 2>/dev/null"
check "openssl pkcs12 refuses a wrong password" \
	sh -c "! PW=wrong openssl pkcs12 -in '$WORK/helene.p12' -passin env:PW \
		-noout 2>/dev/null"
openssl pkcs12 -in "$WORK/helene.p12" -passin env:PW -clcerts -nokeys \
	2>/dev/null | openssl x509 -out "$WORK/helene.crt"
check "the certificate verifies against the CA certificate" \
	sh -c "openssl verify -CAfile '$S/ca.pem' '$WORK/helene.crt' \
		>/dev/null 2>&1"
check "Java keytool lists it as PKCS12" \
	sh -c "keytool -list -storetype PKCS12 -keystore '$WORK/helene.p12' \
		-storepass:env PW 2>&1 | grep -q PrivateKeyEntry"
printf '%s' "$PW" >"$WORK/pwfile"
check "NSS pk12util lists it" \
	sh -c "pk12util -l '$WORK/helene.p12' -w '$WORK/pwfile' 2>&1 |
		grep -q 'Key(shrouded)'"
check "GnuTLS certtool reads it" \
	sh -c "certtool --p12-info --inder --infile '$WORK/helene.p12' \
		--password \"\$PW\" 2>&1 | grep -q 'MAC info'"
rm -f "$WORK/pwfile"

SERIAL=$(openssl x509 -in "$WORK/helene.crt" -noout -serial | cut -d= -f2)
check "the serial is 16 bytes and positive" \
	sh -c "printf '%s' '$SERIAL' | grep -Eqx '[0-7][0-9A-F]{31}'"
check "the subject is UTF-8 with accents kept" \
	sh -c "openssl x509 -in '$WORK/helene.crt' -noout -subject \
		-nameopt utf8,sep_multiline | grep -q 'CN=Hélène-Françoise D.Ornano'"
check "the certificate is signed with PKCS#1 v1.5, not PSS" \
	sh -c "openssl x509 -in '$WORK/helene.crt' -noout -text |
		grep -q 'Signature Algorithm: sha256WithRSAEncryption'"

# --- the CA key stays in the token ---------------------------------------
"$PROBE" "$MODULE" mycert-dev "$S/user.pin" mycert-ca >"$WORK/probe" 2>&1
check "the token refuses to hand out the CA private key" \
	grep -qx 'secret_value=refused (CKR_ATTRIBUTE_SENSITIVE)' "$WORK/probe"
check "the CA key is sensitive and never extractable" \
	sh -c "grep -qx sensitive=1 '$WORK/probe' &&
		grep -qx extractable=0 '$WORK/probe' &&
		grep -qx never_extractable=1 '$WORK/probe'"
UPIN=$(cat "$S/user.pin")
export UPIN
pkcs11-tool --module "$MODULE" --token-label mycert-dev --login \
	--pin env:UPIN --list-objects --type privkey </dev/null \
	>"$WORK/objects" 2>&1
check "pkcs11-tool shows the CA key as never extractable" \
	sh -c "grep -A4 'label: *mycert-ca' '$WORK/objects' |
		grep -q 'sensitive, always sensitive, never extractable, local'"
check "pkcs11-tool cannot read the CA private key out" \
	sh -c "pkcs11-tool --module '$MODULE' --token-label mycert-dev --login \
		--pin env:UPIN --read-object --type privkey --label mycert-ca \
		-o '$WORK/stolen.der' </dev/null >/dev/null 2>&1;
		test ! -s '$WORK/stolen.der'"
# Control: the probe does see an extractable key's secret, so its
# "refused" above means something.
pkcs11-tool --module "$MODULE" --token-label mycert-dev --login \
	--pin env:UPIN --keypairgen --key-type rsa:2048 --label control \
	--id 7f --extractable </dev/null >/dev/null 2>&1
pkcs11-tool --module "$MODULE" --token-label mycert-dev --login \
	--pin env:UPIN --keygen --key-type GENERIC:32 --label unused \
	</dev/null >/dev/null 2>&1 || true
check "control: an extractable, non-sensitive key is read by the probe" \
	sh -c "'$PROBE' '$MODULE' mycert-dev '$S/user.pin' control 2>&1 |
		grep -q 'extractable=1'"
unset UPIN

# --- the one-active-store rule -------------------------------------------
before=$(db_fingerprint "$DB")
issue 1000000001 "Hélène" "Autre" other@example.org "$WORK/second.p12"
check "a second store for the same eHealthID is refused (exit 21)" \
	test "$STATUS" -eq 21
check "the refusal says the holder already has an active store" \
	grep -q "already holds an active store" "$WORK/err"
check "the refusal leaves the database unchanged" \
	test "$(db_fingerprint "$DB")" = "$before"
check "the refusal writes no file" test ! -e "$WORK/second.p12"

# --- names --------------------------------------------------------------
LONG_GIVEN="Anne-Marie Éléonore Joséphine Bénédicte"
LONG_FAMILY="de La Rochefoucauld-Liancourt d'Estissac"
PW2=$(issue 1000000002 "$LONG_GIVEN" "$LONG_FAMILY" long@example.org \
	"$WORK/long.p12"; exit $STATUS) || fatal "long name refused"
export PW2
openssl pkcs12 -in "$WORK/long.p12" -passin env:PW2 -clcerts -nokeys \
	2>/dev/null | openssl x509 -out "$WORK/long.crt"
CN=$(openssl x509 -in "$WORK/long.crt" -noout -subject \
	-nameopt utf8,sep_multiline | sed -n 's/^ *CN=//p')
check "a long name is cut to 64 characters in the CN" \
	test "$(printf '%s' "$CN" | python3 -c 'import sys; print(len(sys.stdin.read()))')" -eq 64
LONG_FULL="$LONG_GIVEN $LONG_FAMILY"
export LONG_FULL LONG_FAMILY CN
check "the cut CN is the start of the full name" \
	sh -c 'case "$LONG_FULL" in "$CN"*) exit 0 ;; esac; exit 1'
check "given name and surname are whole in GN and SN" \
	sh -c 'openssl x509 -in "$1" -noout -subject \
		-nameopt utf8,sep_multiline | grep -qF "SN=$LONG_FAMILY"' \
	- "$WORK/long.crt"

before=$(db_fingerprint "$DB")
for bad in "bad email" "1234" "Jean	Tab"; do
	case "$bad" in
	"bad email") issue 1000000003 Jean Dupont "not-an-email" "$WORK/b.p12" ;;
	1234) issue 1234 Jean Dupont j@example.org "$WORK/b.p12" ;;
	*) issue 1000000003 "$bad" Dupont j@example.org "$WORK/b.p12" ;;
	esac
	check "refuses an identity with $bad (exit 4)" test "$STATUS" -eq 4
done
check "refused identities leave the database unchanged" \
	test "$(db_fingerprint "$DB")" = "$before"

: >"$WORK/exists.p12"
issue 1000000004 Jean Dupont j@example.org "$WORK/exists.p12"
check "refuses to overwrite an existing file (exit 5)" test "$STATUS" -eq 5
check "the existing file is left untouched" test ! -s "$WORK/exists.p12"

issue 1000000005 Jean Dupont j5@example.org ""
check "refuses an empty --out (exit 2)" test "$STATUS" -eq 2
STATUS=0
"$ADMIN" -c "$CONF" issue --ehealth-id 1000000006 --ehealth-id 1000000007 \
	--given Jean --family Dupont --profession-code PS-001 \
	--profession-label M --email j@example.org --out "$WORK/dup.p12" \
	2>"$WORK/err" || STATUS=$?
check "refuses an option given twice (exit 2)" test "$STATUS" -eq 2
check "names the repeated option" grep -q -- "--ehealth-id is given twice" \
	"$WORK/err"
before=$(db_fingerprint "$DB")
STATUS=0
"$ADMIN" -c "$CONF" issue --ehealth-id 1000000008 --given Jean \
	--family Dupont --profession-code PS-001 --profession-label M \
	--email j@example.org --out "$WORK/closed.p12" >&- 2>"$WORK/err" ||
	STATUS=$?
check "refuses to issue when the password cannot be printed (exit 5)" \
	test "$STATUS" -eq 5
check "a closed standard output changes nothing" \
	test "$(db_fingerprint "$DB")" = "$before"
STATUS=0
"$ADMIN" -c "$CONF" issue --ehealth-id 1000000008 --given Jean \
	--family Dupont --profession-code PS-001 --profession-label M \
	--email j@example.org --out "$WORK/full.p12" >/dev/full 2>"$WORK/err" ||
	STATUS=$?
check "a password lost on a full output fails (exit 5)" test "$STATUS" -eq 5
LOST=$(sqlite3 "$DB" "SELECT status || ' ' || revocation_reason FROM
	certificates WHERE ehealth_id = '1000000008'")
check "the store whose password was lost is revoked at once" \
	test "$LOST" = "revoked 5"

# --- revocation ---------------------------------------------------------
STATUS=0
"$ADMIN" -c "$CONF" revoke "$SERIAL" --reason keyCompromise 2>"$WORK/err" ||
	STATUS=$?
check "revoke marks the certificate revoked with its reason" \
	sh -c "test $STATUS -eq 0 && sqlite3 '$DB' \"SELECT status,
		revocation_reason FROM certificates WHERE serial =
		lower('$SERIAL')\" | grep -qx 'revoked|1'"
before=$(db_fingerprint "$DB")
STATUS=0
"$ADMIN" -c "$CONF" revoke "$SERIAL" --reason keyCompromise 2>"$WORK/err" ||
	STATUS=$?
check "revoking twice is refused (exit 25) and says so" \
	sh -c "test $STATUS -eq 25 && grep -q 'already revoked' '$WORK/err'"
STATUS=0
"$ADMIN" -c "$CONF" revoke 0123456789abcdef0123456789abcdef \
	--reason unspecified 2>"$WORK/err" || STATUS=$?
check "revoking an unknown serial is refused (exit 22)" test "$STATUS" -eq 22
STATUS=0
"$ADMIN" -c "$CONF" revoke "$SERIAL" --reason bogus 2>"$WORK/err" ||
	STATUS=$?
check "an unknown reason is refused as input (exit 4, was 2)" \
	test "$STATUS" -eq 4
check "and the message names the value and the reasons" \
	grep -q -- '--reason bogus is not a reason: use one of unspecified' \
	"$WORK/err"
STATUS=0
"$ADMIN" -c "$CONF" revoke "$SERIAL" 2>"$WORK/err" || STATUS=$?
check "revoke without --reason is a usage error (exit 2)" test "$STATUS" -eq 2
STATUS=0
"$ADMIN" -c "$CONF" ca-selfsign --days 0 2>"$WORK/err" || STATUS=$?
check "ca-selfsign --days 0 is refused as input (exit 4)" test "$STATUS" -eq 4
STATUS=0
"$ADMIN" -c "$CONF" init-db 2>"$WORK/err" || STATUS=$?
check "init-db over an existing database is refused as io (exit 5, was 20)" \
	test "$STATUS" -eq 5
check "and says the database already exists" \
	grep -q "already exists: init-db never writes over one" "$WORK/err"
check "refused revocations leave the database unchanged" \
	test "$(db_fingerprint "$DB")" = "$before"
outcome fault "mycert-admin: revoke --reason bogus, no --reason, ca-selfsign --days 0, init-db over the database" \
	"exit 4, 2, 4, 5 (refused values are input, a missing option usage); database unchanged"
issue 1000000001 "Hélène-Françoise" "D'Ornano" helene@example.org \
	"$WORK/helene2.p12" >/dev/null
check "after revocation the holder can have a new store" \
	test "$STATUS" -eq 0

# --- the database -------------------------------------------------------
check "the database is private (0600)" test "$(stat -c %a "$DB")" = 600
cp "$CONF" "$WORK/typo.conf"
set_conf "$WORK/typo.conf" database "$S/mycret.db"
STATUS=0
"$ADMIN" -c "$WORK/typo.conf" list >/dev/null 2>"$WORK/err" || STATUS=$?
check "a mistyped database path is refused (exit 20)" test "$STATUS" -eq 20
check "and no database appears there" test ! -e "$S/mycret.db"

# --- list and show ------------------------------------------------------
LOWER=$(printf '%s' "$SERIAL" | tr 'A-F' 'a-f')
check "list shows the revoked store as revoked" \
	sh -c "'$ADMIN' -c '$CONF' list | grep -q '^$LOWER  revoked'"
check "show prints the holder and the fingerprint" \
	sh -c "'$ADMIN' -c '$CONF' show '$SERIAL' |
		grep -q '^ehealth_id: 1000000001' &&
		'$ADMIN' -c '$CONF' show '$SERIAL' | grep -q '^fingerprint_sha256: '"
check "show of a revoked certificate prints its revocation reason" \
	sh -c "'$ADMIN' -c '$CONF' show '$SERIAL' |
		grep -qx 'revocation_reason: keyCompromise (1)'"
STATUS=0
"$ADMIN" -c "$CONF" show 00000000000000000000000000000001 2>/dev/null ||
	STATUS=$?
check "show of an unknown serial exits 22" test "$STATUS" -eq 22

# --- the password is written nowhere ------------------------------------
found=0
for secret in "$PW" "$PW2"; do
	if grep -rqaF "$secret" "$S" "$WORK"/*.p12 "$WORK/err" 2>/dev/null; then
		found=1
	fi
done
check "no password appears in the database, config, token or logs" \
	test "$found" -eq 0

# --- every token error has its own message and status ---------------------
# token_error NAME STATUS PATTERN CONF: issue with CONF must fail with
# STATUS, print PATTERN, and leave the database unchanged.
token_error() {
	before=$(db_fingerprint "$DB")
	issue 1000000009 Jean Martin jm@example.org "$WORK/t.p12" "$4"
	check "$1 exits $2" test "$STATUS" -eq "$2"
	check "$1 says so" grep -q "$3" "$WORK/err"
	check "$1 leaves the database unchanged" \
		test "$(db_fingerprint "$DB")" = "$before"
	check "$1 writes no file" test ! -e "$WORK/t.p12"
}

cp "$CONF" "$WORK/c1.conf"
printf '11111111\n' >"$WORK/wrong.pin"
chmod 600 "$WORK/wrong.pin"
set_conf "$WORK/c1.conf" pin_file "$WORK/wrong.pin"
token_error "a wrong PIN" 13 "refused the PIN" "$WORK/c1.conf"

cp "$CONF" "$WORK/c2.conf"
set_conf "$WORK/c2.conf" token missing-token
token_error "a missing token" 11 "no initialised token matches" \
	"$WORK/c2.conf"

cp "$CONF" "$WORK/c3.conf"
set_conf "$WORK/c3.conf" pkcs11_module /usr/lib/nowhere/libpkcs11.so
token_error "a missing module" 10 "module .* is missing" "$WORK/c3.conf"

cp "$CONF" "$WORK/c4.conf"
set_conf "$WORK/c4.conf" ca_key no-such-key
token_error "a missing key" 15 'no private key "no-such-key"' \
	"$WORK/c4.conf"

# A token whose user PIN is locked: SoftHSM2 keeps the token's flags in
# token.object; set CKF_USER_PIN_LOCKED there on a copy of the setup.
L="$WORK/locked"
copy_setup "$L"
python3 - "$L/tokens" <<'PY' || fatal "cannot mark the token locked"
import glob, struct, sys
path = glob.glob(sys.argv[1] + "/*/token.object")[0]
data = bytearray(open(path, "rb").read())
tag = struct.pack(">QQ", 0x8000534B, 2)  # CKA_OS_TOKENFLAGS, ulong
at = data.index(tag) + len(tag)
flags = struct.unpack(">Q", data[at:at + 8])[0] | 0x00040000
data[at:at + 8] = struct.pack(">Q", flags)
open(path, "wb").write(data)
PY
set_conf "$L/mycertd.conf" database "$DB"
token_error "a locked PIN" 14 "PIN of token mycert-dev is locked" \
	"$L/mycertd.conf"

rm -rf "$WORK"
finish

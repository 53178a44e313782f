#!/bin/sh
# shellcheck disable=SC2016 # sh -c scripts expand their own variables
# test_status_core.sh: the CRLs that mycert-admin publishes and the OCSP
# answers of the responder core, checked by openssl as relying parties
# do: every CRL verifies and its number grows, an empty one too; revoked
# stores appear with their reason; OCSP says good, then revoked with the
# reason, unknown for what the CA never issued, and a proper error for
# broken requests.  OCSP runs without HTTP through build/ocsp-answer.
# Runs on a copy of the provisioned setup.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"

ANSWER="$BIN/ocsp-answer"
[ -x "$ANSWER" ] || fatal "$ANSWER is missing: run make build/ocsp-answer"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/status-core.XXXXXX")
S="$WORK/setup"
copy_setup "$S"
CONF="$S/mycertd.conf"
CA="$S/ca.pem"
CRLDIR=$(conf_value "$CONF" crl_dir)
CRL="$CRLDIR/$(basename "$(conf_value "$CONF" crl_url)")"
CACRT="$CRLDIR/$(basename "$(conf_value "$CONF" ca_issuers_url)")"
export SOFTHSM2_CONF="$S/softhsm2.conf"
[ -d "$CRLDIR" ] || fatal "the setup has no CRL folder $CRLDIR"
# A database and a publish folder of this test's own, from nothing.
DB=$(conf_value "$CONF" database)
rm -f "$DB" "$DB-wal" "$DB-shm" "$CRLDIR"/* ||
	fatal "cannot clear the copied database and CRL folder"
"$ADMIN" -c "$CONF" init-db 2>/dev/null || fatal "init-db failed"

# admin ARGS...: runs mycert-admin; stderr in $WORK/err, status in $STATUS.
admin() {
	STATUS=0
	"$ADMIN" -c "$CONF" "$@" >"$WORK/out" 2>"$WORK/err" || STATUS=$?
}

# crl_number FILE: the CRL number of a DER CRL, in decimal.
crl_number() {
	_v=$(openssl crl -inform DER -in "$1" -noout -crlnumber | cut -d= -f2)
	echo $((_v))
}

# crl_verifies FILE: openssl accepts the CRL's signature by the CA.
crl_verifies() {
	openssl crl -inform DER -in "$1" -CAfile "$CA" -noout 2>&1 |
		grep -qx 'verify OK'
}

# keep_crl N: copies the published CRL aside as crl-N.der.
keep_crl() {
	cp "$CRL" "$WORK/crl-$1.der" || fatal "cannot copy $CRL"
}

# issue NAME ID: issues a store and extracts its certificate NAME.pem.
issue() {
	admin issue --ehealth-id "$2" --given "$1" --family Test \
		--profession-code PS-001 --profession-label M \
		--email "$1@example.org" --out "$WORK/$1.p12"
	[ "$STATUS" -eq 0 ] || fatal "issuing $1 failed: $(cat "$WORK/err")"
	PW=$(cat "$WORK/out")
	export PW
	openssl pkcs12 -in "$WORK/$1.p12" -passin env:PW -clcerts -nokeys \
		2>/dev/null | openssl x509 -out "$WORK/$1.pem" ||
		fatal "cannot read the certificate of $1"
	unset PW
}

# serial_of NAME: the certificate's serial, uppercase hex as openssl says.
serial_of() {
	openssl x509 -in "$WORK/$1.pem" -noout -serial | cut -d= -f2
}

# ocsp_ask NAME [DIGEST]: asks about NAME.pem (no nonce; CertID hashed
# with DIGEST, such as -sha256, else SHA-1);
# the request goes to NAME.req, the answer to NAME.resp, openssl's
# verdict to NAME.txt.
ocsp_ask() {
	_n=$1
	shift
	openssl ocsp "$@" -issuer "$CA" -cert "$WORK/$_n.pem" -no_nonce \
		-reqout "$WORK/$_n.req" >/dev/null 2>&1 ||
		fatal "openssl cannot write an OCSP request for $_n"
	"$ANSWER" "$CONF" <"$WORK/$_n.req" >"$WORK/$_n.resp" 2>"$WORK/err" ||
		fatal "ocsp-answer failed: $(cat "$WORK/err")"
	openssl ocsp "$@" -respin "$WORK/$_n.resp" -issuer "$CA" \
		-CAfile "$CA" -cert "$WORK/$_n.pem" -no_nonce >"$WORK/$_n.txt" 2>&1
}

# answer_raw IN OUT: feeds bytes to the responder; status in $STATUS.
answer_raw() {
	STATUS=0
	"$ANSWER" "$CONF" <"$1" >"$2" 2>"$WORK/err" || STATUS=$?
}

# responder_error FILE: the error status openssl reads in a response.
responder_error() {
	openssl ocsp -respin "$1" -resp_text -noverify 2>&1 |
		sed -n 's/^Responder Error: *//p'
}

# --- an empty CRL --------------------------------------------------------
admin crl
check "crl publishes a first CRL on an empty database" \
	sh -c "test $STATUS -eq 0 && grep -q 'number=1 revoked=0' '$WORK/err'"
check "crl says where and until when" \
	grep -q "file=$CRL next_update=20" "$WORK/err"
keep_crl 1
check "openssl crl -verify accepts the empty CRL" crl_verifies "$CRL"
check "the empty CRL has no revoked list" \
	sh -c "openssl crl -inform DER -in '$CRL' -noout -text |
		grep -q 'No Revoked Certificates'"
check "the CRL is version 2" \
	sh -c "openssl crl -inform DER -in '$CRL' -noout -text |
		grep -q 'Version 2 (0x1)'"
check "the first CRL has number 1" test "$(crl_number "$CRL")" -eq 1
SKI=$(openssl x509 -in "$CA" -noout -ext subjectKeyIdentifier | tail -n 1 |
	tr -d ' ')
check "the CRL's AKI is the CA's key identifier" \
	sh -c "openssl crl -inform DER -in '$CRL' -noout -text |
		grep -A1 'Authority Key Identifier' | tail -n 1 | tr -d ' ' |
		grep -qx '$SKI'"
check "the CRL file is world-readable (0644)" \
	test "$(stat -c %a "$CRL")" = 644
check "the CA certificate is published beside it in DER" \
	sh -c "openssl x509 -inform DER -in '$CACRT' -outform PEM |
		cmp -s - '$CA'"
LAST=$(openssl crl -inform DER -in "$CRL" -noout -lastupdate | cut -d= -f2)
NEXT=$(openssl crl -inform DER -in "$CRL" -noout -nextupdate | cut -d= -f2)
HOURS=$(conf_value "$CONF" crl_validity_hours)
check "nextUpdate is crl_validity_hours after thisUpdate" \
	test $(($(date -d "$NEXT" +%s) - $(date -d "$LAST" +%s))) \
	-eq $((HOURS * 3600))

# --- OCSP before revocation ----------------------------------------------
issue alice 4000000001
issue bob 4000000002
ocsp_ask alice
check "openssl ocsp says good for a fresh store" \
	grep -q "alice.pem: good" "$WORK/alice.txt"
check "openssl ocsp verifies the answer with the CA certificate" \
	grep -qx "Response verify OK" "$WORK/alice.txt"
ocsp_ask alice -sha256
check "a SHA-256 CertID gets good too" \
	sh -c "grep -q 'alice.pem: good' '$WORK/alice.txt' &&
		grep -qx 'Response verify OK' '$WORK/alice.txt'"

openssl ocsp -issuer "$CA" -cert "$WORK/alice.pem" \
	-reqout "$WORK/nonce.req" >/dev/null 2>&1 ||
	fatal "openssl cannot write a request with a nonce"
"$ANSWER" "$CONF" <"$WORK/nonce.req" >"$WORK/nonce.resp" 2>"$WORK/err" ||
	fatal "ocsp-answer failed: $(cat "$WORK/err")"
openssl ocsp -respin "$WORK/nonce.resp" -reqin "$WORK/nonce.req" \
	-issuer "$CA" -CAfile "$CA" >"$WORK/nonce.txt" 2>&1
REQ_NONCE=$(openssl ocsp -reqin "$WORK/nonce.req" -req_text |
	grep -A1 'OCSP Nonce' | tail -n 1 | tr -d ' ')
RESP_NONCE=$(openssl ocsp -respin "$WORK/nonce.resp" -resp_text -noverify |
	grep -A1 'OCSP Nonce' | tail -n 1 | tr -d ' ')
check "the nonce of the request is echoed" \
	sh -c "test -n '$REQ_NONCE' && test '$REQ_NONCE' = '$RESP_NONCE' &&
		grep -qx 'Response verify OK' '$WORK/nonce.txt' &&
		! grep -qi 'nonce' '$WORK/nonce.txt'"

# --- revocation publishes a new CRL --------------------------------------
ALICE=$(serial_of alice)
BOB=$(serial_of bob)
admin revoke "$ALICE" --reason keyCompromise
check "revoke succeeds and publishes CRL number 2 with one entry" \
	sh -c "test $STATUS -eq 0 &&
		grep -q 'published CRL number=2 revoked=1' '$WORK/err'"
keep_crl 2
openssl crl -inform DER -in "$CRL" -noout -text >"$WORK/crl2.txt"
check "openssl crl -verify accepts the CRL after a revocation" \
	crl_verifies "$CRL"
check "the new CRL lists the revoked store with keyCompromise" \
	sh -c "grep -A4 'Serial Number: $ALICE' '$WORK/crl2.txt' |
		grep -q 'Key Compromise'"
check "the new CRL does not list the store still valid" \
	sh -c "! grep -q 'Serial Number: $BOB' '$WORK/crl2.txt'"

ocsp_ask alice
check "openssl ocsp says revoked after the revocation" \
	grep -q "alice.pem: revoked" "$WORK/alice.txt"
check "the OCSP answer gives the reason keyCompromise" \
	grep -q "Reason: keyCompromise" "$WORK/alice.txt"
check "the revoked answer verifies with the CA certificate" \
	grep -qx "Response verify OK" "$WORK/alice.txt"
ocsp_ask bob
check "the other store is still good" grep -q "bob.pem: good" "$WORK/bob.txt"

admin revoke "$BOB" --reason unspecified
keep_crl 3
openssl crl -inform DER -in "$CRL" -noout -text >"$WORK/crl3.txt"
check "an unspecified revocation is listed without a reason code" \
	sh -c "test $STATUS -eq 0 &&
		grep -A2 'Serial Number: $BOB' '$WORK/crl3.txt' |
		grep -q 'Revocation Date' &&
		! grep -A3 'Serial Number: $BOB' '$WORK/crl3.txt' |
		grep -q 'Reason Code'"
ocsp_ask bob
check "OCSP says revoked without a reason for unspecified" \
	sh -c "grep -q 'bob.pem: revoked' '$WORK/bob.txt' &&
		! grep -q 'Reason:' '$WORK/bob.txt'"

admin revoke "$ALICE" --reason superseded
check "revoking twice is refused (exit 25) and publishes nothing" \
	sh -c "test $STATUS -eq 25 && test $(crl_number "$CRL") -eq 3"

# A revocation whose CRL cannot be written stands, and says what to do.
issue carol 4000000003
CAROL=$(serial_of carol)
sed "s|^crl_dir = .*|crl_dir = $WORK/missing|" "$CONF" >"$WORK/nocrl.conf"
STATUS=0
"$ADMIN" -c "$WORK/nocrl.conf" revoke "$CAROL" --reason affiliationChanged \
	2>"$WORK/err" || STATUS=$?
check "a revocation without CRL folder fails (exit 5) and says run crl" \
	sh -c "test $STATUS -eq 5 && grep -q 'is revoked' '$WORK/err' &&
		grep -q 'mycert-admin crl' '$WORK/err'"
admin show "$CAROL"
check "that revocation stands" grep -qx "status: revoked" "$WORK/out"
admin crl
keep_crl 4
check "the next crl lists it" \
	sh -c "test $STATUS -eq 0 && openssl crl -inform DER -in '$CRL' \
		-noout -text | grep -q 'Serial Number: $CAROL'"

# Publishers take turns on a lock of the CRL folder: one that finds it
# held waits, then signs the next number.  (Held here with flock(1):
# several processes opening the SoftHSM2 token at once fail at random.)
flock "$CRLDIR" sleep 4 &
LOCKER=$!
sleep 1
START=$(date +%s)
admin crl
TOOK=$(($(date +%s) - START))
wait "$LOCKER"
check "a publisher waits while another holds the CRL folder" \
	sh -c "test $STATUS -eq 0 && test $TOOK -ge 2"
check "then publishes the next number" grep -q "number=5 " "$WORK/err"
keep_crl 5

check "openssl crl -verify accepts every published CRL" \
	sh -c 'for f in "$1"/crl-*.der; do
		openssl crl -inform DER -in "$f" -CAfile "$2" -noout 2>&1 |
			grep -qx "verify OK" || exit 1
	done' - "$WORK" "$CA"
NUMBERS=
for n in 1 2 3 4 5; do
	NUMBERS="$NUMBERS$(crl_number "$WORK/crl-$n.der") "
done
check "the CRL number grows with each one" test "$NUMBERS" = "1 2 3 4 5 "
check "no temporary file is left in the CRL folder" \
	test "$(find "$CRLDIR" -name '*.tmp-*' | wc -l)" -eq 0

# --- unknown -------------------------------------------------------------
openssl ocsp -issuer "$CA" -serial 0x0123456789abcdef0123456789abcdef \
	-no_nonce -reqout "$WORK/never.req" >/dev/null 2>&1
answer_raw "$WORK/never.req" "$WORK/never.resp"
check "a serial never issued is unknown" \
	sh -c "openssl ocsp -respin '$WORK/never.resp' -resp_text \
		-issuer '$CA' -CAfile '$CA' 2>&1 | grep -q 'Cert Status: unknown'"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/other.key" -out "$WORK/other.pem" -subj "/CN=Other CA" \
	-days 1 >/dev/null 2>&1 || fatal "cannot make the other CA"
openssl ocsp -issuer "$WORK/other.pem" -cert "$WORK/bob.pem" -no_nonce \
	-reqout "$WORK/other.req" >/dev/null 2>&1
answer_raw "$WORK/other.req" "$WORK/other.resp"
check "another issuer's hashes get unknown" \
	sh -c "test $STATUS -eq 0 && openssl ocsp -respin '$WORK/other.resp' \
		-resp_text -noverify | grep -q 'Cert Status: unknown'"

# --- broken requests -----------------------------------------------------
: >"$WORK/empty.req"
head -c 20 "$WORK/alice.req" >"$WORK/truncated.req"
printf 'GET /ocsp HTTP/1.1\r\nHost: x\r\n\r\n' >"$WORK/garbage.req"
head -c 102400 /dev/urandom >"$WORK/huge.req"
for bad in empty truncated garbage huge; do
	answer_raw "$WORK/$bad.req" "$WORK/$bad.resp"
	check "the $bad request gets malformedRequest" \
		test "$STATUS $(responder_error "$WORK/$bad.resp")" = \
		"0 malformedrequest (1)"
done
ocsp_ask bob
check "the responder still answers after broken requests" \
	grep -q "bob.pem: revoked" "$WORK/bob.txt"

rm -rf "$WORK"
finish

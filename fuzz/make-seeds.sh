#!/bin/sh
# make-seeds.sh SETUP: writes the seed corpora of fuzz/corpus/ from real
# parts: assertions minted by build/mycert-devportal with the fuzz test
# keys (fuzz/keys/) for the fuzz targets' fixed clock, OCSP requests
# written by openssl ocsp -reqout for the CA of SETUP, the example and
# a provisioned configuration, and audit exports written by
# build/mycert-audit from entries that build/audit-fill appended and
# signed with the token of SETUP (then fuzz/keys/audit-cert.pem must be
# SETUP's audit.pem: this script copies it).  Form bodies, cookies and
# Accept-Language headers are those mycertd's pages and browsers send.
#
# SETUP is a throwaway folder made by provisioning/provision-dev.sh; it
# is changed (audit entries).  Run from the repository with build/ made
# (make all test-bins).  The seeds are small on purpose: libFuzzer finds
# the rest.
set -eu

ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
SETUP=$(CDPATH='' cd -- "$1" && pwd)
CORPUS="$ROOT/fuzz/corpus"
BIN="$ROOT/build"
CONF="$SETUP/mycertd.conf"
# The fuzz targets' clock (fuzz_assertion.c FUZZ_NOW), issuer, audience.
NOW=1767225600
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-seeds.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# seed TARGET NAME: standard input becomes fuzz/corpus/TARGET/NAME.
seed() {
	mkdir -p "$CORPUS/$1"
	cat >"$CORPUS/$1/$2"
}

# --- assertions and their JSON ---------------------------------------------
sed -e 's|^portal_issuer = .*|portal_issuer = https://portal.fuzz.invalid|' \
	-e 's|^appliance_id = .*|appliance_id = https://mycert.fuzz.invalid|' \
	"$CONF" >"$WORK/mycertd.conf"
for k in ec rsa; do
	cp "$ROOT/fuzz/keys/portal-$k.pem" "$WORK/$k.pem"
	chmod 600 "$WORK/$k.pem"
done
offset=$((NOW - $(date +%s)))
mint() {
	"$BIN/mycert-devportal" -c "$WORK/mycertd.conf" \
		--iat-offset "$offset" "$@"
}
# b64url_decode: standard input (base64url, no padding) to bytes.
b64url_decode() {
	tr '_-' '/+' | awk '{ n = length($0) % 4; if (n == 2) $0 = $0 "==";
		else if (n == 3) $0 = $0 "="; print }' | base64 -d
}
for p in doctor pharmacist not-professional not-primary not-strong \
	html-name; do
	jws=$(mint --persona "$p" --key "$WORK/ec.pem")
	printf 'E%s' "$jws" | seed assertion "es256-$p"
	printf '%s' "$jws" | cut -d. -f2 | b64url_decode >"$WORK/claims"
	printf '%s' "$jws" | cut -d. -f1 | b64url_decode >"$WORK/header"
	{ printf 'C'; cat "$WORK/claims"; } | seed assertion "claims-$p"
	seed json "claims-$p" <"$WORK/claims"
done
seed json header-es256 <"$WORK/header"
{ printf 'H'; cat "$WORK/header"; printf '\n'; cat "$WORK/claims"; } |
	seed assertion header-and-claims
printf 'R%s' "$(mint --key "$WORK/rsa.pem")" | seed assertion rs256-doctor
printf 'E%s' "$(mint --key "$WORK/ec.pem" --lifetime 600)" |
	seed assertion es256-too-long
printf 'E%s' "$(mint --alg-none)" | seed assertion alg-none
printf '{"a":[1,2.5e-3,{"b":[true,false,null]}],"\\ud83d\\ude00":"\\u00e9\\n"}' |
	seed json nested

# --- forms, cookies, languages (what mycertd's pages and browsers send) --
printf 'csrf=Zq3v8Kc0b1Yt2Wm9Xe4Rn7Ls6Ju5Hd&accept=on' | seed form terms
printf 'csrf=Zq3v8Kc0b1Yt2Wm9Xe4Rn7Ls6Ju5Hd&action=validate&email=h%%C3%%A9l%%C3%%A8ne.d%%27ornano%%40example.org' |
	seed form email
printf 'csrf=Zq3v8Kc0b1Yt2Wm9Xe4Rn7Ls6Ju5Hd&code=123+456' | seed form code
printf 'csrf=Zq3v8Kc0b1Yt2Wm9Xe4Rn7Ls6Ju5Hd&confirm=yes&reason=affiliationChanged' |
	seed form deactivate
printf 'assertion=%s' "$(mint --key "$WORK/ec.pem")" | seed form sso
printf 'to=de&next=%%2Fstore%%3Fnotice%%3Ddone' | seed form language-query
printf 'application/x-www-form-urlencoded; charset=UTF-8' |
	seed form content-type
printf 'https://Mycert.Example.ORG:443/sso?x=1' | seed form origin
printf '/terms?step=2' | seed form next-path
printf '__Host-mycert=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE; lang=de' |
	seed cookie session-and-lang
printf '_ga=GA1.1.123.456; lang="en"; __Host-mycert=AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE' |
	seed cookie quoted-lang
printf 'lang=fr' | seed cookie lang-only
printf 'fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7' | seed accept_language firefox-fr
printf 'de-CH, de;q=0.9, en;q=0.8, *;q=0.5' | seed accept_language swiss
printf 'en-GB,en;q=0.9,fr;q=0' | seed accept_language british
printf '*' | seed accept_language any

# --- OCSP requests (openssl ocsp -reqout) ------------------------------------
ocsp() {
	name=$1
	shift
	openssl ocsp -issuer "$SETUP/ca.pem" "$@" -reqout "$WORK/$name.der" \
		>/dev/null 2>&1
	seed ocsp_request "$name" <"$WORK/$name.der"
}
ocsp sha1-nonce -serial 0x1f2e3d4c5b6a79880102030405060708
ocsp sha1-no-nonce -serial 0x01 -no_nonce
ocsp sha256 -sha256 -serial 0x7a1b2c3d4e5f60718293a4b5c6d7e8f9
ocsp three-serials -serial 0x01 -serial 0x02 -serial 0x0a0b0c0d
# The GET form: base64 of the DER in the path, percent-encoded.
base64 -w 0 "$WORK/sha1-nonce.der" | sed 's|/|%2F|g; s|+|%2B|g; s|=|%3D|g' |
	seed ocsp_request get-sha1-nonce
base64 -w 0 "$WORK/sha256.der" | tr '+/' '-_' | tr -d '=' |
	seed ocsp_request get-sha256-url-alphabet

# --- configuration -----------------------------------------------------------
seed config example <"$ROOT/hsm-config/mycertd.conf.example"
seed config provisioned <"$CONF"

# --- audit exports -------------------------------------------------------------
cp "$SETUP/audit.pem" "$ROOT/fuzz/keys/audit-cert.pem"
SOFTHSM2_CONF="$SETUP/softhsm2.conf"
export SOFTHSM2_CONF
"$BIN/audit-fill" "$CONF" 6 --checkpoint-every 3 >/dev/null
"$BIN/mycert-audit" -c "$CONF" export "$WORK/old.export" 2>/dev/null
"$BIN/audit-fill" "$CONF" 5 --checkpoint-every 4 --no-final >/dev/null
"$BIN/mycert-audit" -c "$CONF" export "$WORK/new.export" 2>/dev/null
seed audit_export signed <"$WORK/old.export"
seed audit_export with-unsigned-tail <"$WORK/new.export"
{ cat "$WORK/new.export"; printf -- '--since--\n'; cat "$WORK/old.export"; } |
	seed audit_export since

du -sh "$CORPUS"

#!/bin/sh
# provisioning/portal-key.sh: ES256 key pair of the development portal.
#
# Usage: portal-key.sh --out-key FILE --out-pub FILE
#
# The development portal signs identity assertions (JWS, ES256) with the
# private key (mode 0600); mycertd verifies them with the public key
# (portal_public_key).  In production, the public key comes from the real
# portal and no private key is on the appliance.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s --out-key FILE --out-pub FILE\n' "$PROG" >&2
	exit 2
}

main() {
	out_key=
	out_pub=
	while [ "$#" -gt 0 ]; do
		case $1 in
		--out-key) opt_arg "$1" "$#"; out_key=$2; shift 2 ;;
		--out-pub) opt_arg "$1" "$#"; out_pub=$2; shift 2 ;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	if [ -z "$out_key" ] || [ -z "$out_pub" ]; then usage; fi
	[ "$out_key" != "$out_pub" ] ||
		fatal "--out-key and --out-pub must be two different files"
	need_cmd openssl
	refuse_existing "$out_key" "$out_pub"

	cleanup_add "$out_key"
	# No system openssl.cnf: a pkcs11 engine there breaks EC keys.
	(set -C && OPENSSL_CONF=/dev/null openssl genpkey -algorithm EC \
		-pkeyopt ec_paramgen_curve:P-256 \
		-pkeyopt ec_param_enc:named_curve >"$out_key") ||
		fatal "generating the portal key into $out_key failed"
	chmod 600 "$out_key"

	cleanup_add "$out_pub"
	OPENSSL_CONF=/dev/null openssl pkey -in "$out_key" -pubout \
		-out "$out_pub" ||
		fatal "writing the public key $out_pub failed"
	chmod 644 "$out_pub"
	cleanup_done
	log "wrote portal key $out_key (0600) and public key $out_pub"
}

main "$@"

#!/bin/sh
# provisioning/ca-csr.sh: certificate request for the token's CA key.
#
# Usage: ca-csr.sh CONF --out FILE [--subject DN]
#
# Asks mycert-admin to write a PKCS#10 request for the CA key (ca_key of
# CONF), signed in the token.  Send FILE to the organisation's root CA;
# import the certificate it returns with ca-import.sh.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s CONF --out FILE [--subject DN]\n' "$PROG" >&2
	exit 2
}

main() {
	[ "$#" -ge 1 ] || usage
	case $1 in -*) usage ;; esac
	conf=$(check_conf "$1")
	shift
	subject="/C=FR/O=mycert development/CN=mycert development CA"
	out=
	while [ "$#" -gt 0 ]; do
		case $1 in
		--out) opt_arg "$1" "$#"; out=$2; shift 2 ;;
		--subject) opt_arg "$1" "$#"; subject=$2; shift 2 ;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	[ -n "$out" ] || usage
	case $subject in
	/?*) ;;
	*) fatal "--subject must look like /C=FR/O=.../CN=..." ;;
	esac
	refuse_existing "$out"
	admin=$(admin_tool)

	"$admin" -c "$conf" ca-csr --subject "$subject" --out "$out" ||
		fatal "mycert-admin ca-csr failed (see its message above)"
	[ -s "$out" ] ||
		fatal "mycert-admin reported success but $out is missing"
	if command -v openssl >/dev/null 2>&1; then
		OPENSSL_CONF=/dev/null openssl req -in "$out" -noout -verify \
			>/dev/null 2>&1 ||
			fatal "$out is not a request with a valid self-signature"
	fi
	log "wrote certificate request $out for $subject:" \
		"send it to the root CA, then run ca-import.sh"
}

main "$@"

#!/bin/sh
# provisioning/ca-selfsign.sh: self-signed CA certificate (development).
#
# Usage: ca-selfsign.sh CONF [--subject DN] [--days N]
#
# Asks mycert-admin to sign a CA certificate for the token's CA key
# (ca_key) with that key; mycert-admin writes it to ca_cert of CONF.
# Default subject "/C=FR/O=mycert development/CN=mycert development CA",
# default validity 3650 days.  For production, use ca-csr.sh and
# ca-import.sh instead, so that the organisation's root signs the CA.
set -eu

HERE=$(cd "$(dirname -- "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() {
	printf 'usage: %s CONF [--subject DN] [--days N]\n' "$PROG" >&2
	exit 2
}

main() {
	[ "$#" -ge 1 ] || usage
	case $1 in -*) usage ;; esac
	conf=$(check_conf "$1")
	shift
	subject="/C=FR/O=mycert development/CN=mycert development CA"
	days=3650
	while [ "$#" -gt 0 ]; do
		case $1 in
		--subject) opt_arg "$1" "$#"; subject=$2; shift 2 ;;
		--days) opt_arg "$1" "$#"; days=$2; shift 2 ;;
		-h | --help) usage ;;
		*) log "unknown argument: $1"; usage ;;
		esac
	done
	case $subject in
	/?*) ;;
	*) fatal "--subject must look like /C=FR/O=.../CN=..." ;;
	esac
	check_days "$days" --days
	ca_cert=$(conf_need -p "$conf" ca_cert) || exit 1
	admin=$(admin_tool)

	"$admin" -c "$conf" ca-selfsign --subject "$subject" --days "$days" ||
		fatal "mycert-admin ca-selfsign failed (see its message above)"
	[ -s "$ca_cert" ] ||
		fatal "mycert-admin reported success but $ca_cert is missing"
	log "CA certificate $ca_cert: $(cert_summary "$ca_cert")"
}

main "$@"
